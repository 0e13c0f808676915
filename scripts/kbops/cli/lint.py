"""`kb lint` and `kb rule`."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from kbops.cli._app import app, out, print_json, progress_printer, settings
from kbops.errors import UsageError
from kbops.lint import registry
from kbops.lint.formatters import FORMATTERS
from kbops.lint.runner import lint


@app.command("lint")
def lint_command(
    paths: Optional[List[Path]] = typer.Argument(None, help="Files or folders (default: every root)."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these rule codes (repeatable)."),
) -> None:
    """Check documents for governance, content, link, freshness, privacy and style mistakes."""
    if format not in FORMATTERS:
        raise UsageError(f"unknown format {format!r}; expected one of {', '.join(FORMATTERS)}")
    result = lint(settings(), paths or None, select=select, progress=progress_printer("lint"))
    rendered = FORMATTERS[format](result)
    if rendered:
        print(rendered)
    raise typer.Exit(result.exit_code)


@app.command("rule")
def rule_command(
    code: Optional[str] = typer.Argument(None, help="A rule code such as KB301, or its slug."),
    list_: bool = typer.Option(False, "--list", help="List every rule."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Explain a lint rule: what it checks, why it matters, examples and how to fix."""
    if list_ or not code:
        rules = registry.all_rules()
        if format == "json":
            print_json(registry.describe(rules))
        else:
            for r in rules.values():
                out.print(f"{r.code}  {r.slug:32} {r.severity.value:8} {r.summary}", markup=False)
        return
    found = registry.get_rule(code)
    if format == "json":
        print_json({**registry.describe({found.code: found})[0], "doc": found.doc})
    else:
        out.print(registry.explain(found), markup=False)
