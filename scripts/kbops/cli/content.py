"""Content-model commands: `kb schema` (and `kb new`)."""
from __future__ import annotations

from kbops.cli._app import app, print_json
from kbops.model.schema import json_schema


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the front-matter (for editors' YAML validation)."""
    print_json(json_schema())
