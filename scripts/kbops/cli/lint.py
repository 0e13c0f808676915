"""`kb lint` and `kb rule`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from kbops.cli._app import app, err, out, print_json, progress_printer, settings
from kbops.errors import UsageError
from kbops.lint import registry
from kbops.lint.formatters import FORMATTERS, repository_prefix, with_path_prefix
from kbops.lint.runner import lint


@app.command("lint")
def lint_command(
    paths: list[Path] | None = typer.Argument(None, help="Files or folders to report on (default: every root)."),
    format: str = typer.Option("text", "--format", "-f", help="text | json | sarif | github"),
    changed: bool = typer.Option(
        False, "--changed", help="Only files changed against --base, plus uncommitted and untracked ones."
    ),
    base: str | None = typer.Option(
        None, "--base", help="Git ref for --changed (default: merge-base with main, else HEAD)."
    ),
    select: list[str] | None = typer.Option(
        None, "--select", help="Only these rule codes or prefixes, e.g. KB3 (repeatable, comma-separated)."
    ),
    ignore: list[str] | None = typer.Option(
        None, "--ignore", help="Skip these rule codes or prefixes (repeatable, comma-separated)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write .kb/cache."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", help="Worker processes (default: one per core; 1 = serial)."),
) -> None:
    """Check documents for governance, content, link, freshness, privacy and style mistakes."""
    if format not in FORMATTERS:
        raise UsageError(f"unknown format {format!r}; expected one of {', '.join(FORMATTERS)}")
    if base is not None and not changed:
        raise UsageError("--base only makes sense with --changed")
    config = settings()
    targets = deleted = linked_before = None
    if changed:
        from kbops.lint.changed import changed_files

        change_set = changed_files(config, base)
        targets, deleted, linked_before = change_set.changed, change_set.deleted, change_set.linked_before
    result = lint(
        config,
        paths or None,
        select=select,
        ignore=ignore,
        targets=targets,
        deleted=deleted or (),
        linked_before=linked_before or (),
        use_cache=not no_cache,
        jobs=jobs,
        progress=progress_printer("lint"),
    )
    if format in ("github", "sarif"):  # located from the repository root, not the KB root
        result = with_path_prefix(result, repository_prefix(config.root))
    rendered = FORMATTERS[format](result)
    if rendered:
        sys.stdout.write(rendered + "\n")
    if format in ("text", "github"):
        err.print(result.summary(), markup=False)
    raise typer.Exit(result.exit_code)


@app.command("rule")
def rule_command(
    code: str | None = typer.Argument(None, help="A rule code such as KB301, or its slug."),
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
