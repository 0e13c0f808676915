"""`kb config`: the effective configuration (defaults < pyproject.toml [tool.kbops] < flags), or its JSON Schema."""

from __future__ import annotations

import sys

import typer

from kbops.cli._app import app, check_format, print_json, settings


@app.command("config")
def config_command(
    schema: bool = typer.Option(False, "--schema", help="Print the JSON Schema of [tool.kbops] (for editors) instead."),
    format: str = typer.Option("toml", "--format", "-f", help="toml | json"),
) -> None:
    """Print the configuration in force, every default filled in; an invalid one is reported whole (exit 2)."""
    from kbops.configuration import config_json_schema, effective_config, effective_toml

    check_format(format, ("toml", "json"))
    if schema:
        print_json(config_json_schema())
        return
    config = effective_config(settings().config)
    if format == "json":
        print_json(config)
    else:
        sys.stdout.write(effective_toml(config))
