"""Generated reference pages of the manual (docs/): the CLI from `--help`, configuration from the pydantic models.

Regenerate with `python -m kbops.reference docs` (a test fails when a page is stale). The rule
reference (docs/kb/reference/lint-rules.md) comes from the rule docstrings (`kbops.lint.reference`).
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

REGENERATE = "PYTHONPATH=scripts python -m kbops.reference docs"
HELP_WIDTH = 100


def _front_matter(doc_id: str, title: str, description: str, tags: str) -> str:
    """Front-matter of a generated page of the manual (docs/ is a kbops knowledge base)."""
    return "\n".join(
        [
            "---",
            f"id: {doc_id}",
            f"title: {title}",
            f"description: {json.dumps(description)}",
            "type: article",
            "status: published",
            "audience: public",
            "owner: kbops-maintainers",
            "product: kbops",
            f"tags: [{tags}]",
            "locale: en",
            "last_reviewed: 2026-12-07",
            "review_every: 1y",
            "classification: internal",  # no approval policy matches: the tests check it against the code (docs/governance.yml)
            "---",
            "",
        ]
    )


def _commands() -> list[tuple[str, Any]]:
    """(full name, click command) of every `kb` command and sub-command, in name order."""
    import click
    import typer.main

    import kbops.cli  # noqa: F401 - registers every command
    from kbops.cli._app import app

    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(group: Any, prefix: str) -> None:
        for name in sorted(group.commands):
            command = group.commands[name]
            if getattr(command, "hidden", False):
                continue
            found.append((f"{prefix} {name}", command))
            if isinstance(command, click.Group):
                walk(command, f"{prefix} {name}")

    walk(root, "kb")
    return found


def command_help(name: str, command: Any) -> str:
    """The `--help` text of one command, at a fixed width (what `kb NAME --help` prints)."""
    import click

    parent = None
    for part in name.split()[:-1]:
        parent = click.Context(click.Group(part), info_name=part, parent=parent)
    context = click.Context(
        command, info_name=name.split()[-1], parent=parent, terminal_width=HELP_WIDTH, max_content_width=HELP_WIDTH
    )
    return command.get_help(context).rstrip()


def cli_reference() -> str:
    lines = [
        _front_matter(
            "cli-reference",
            "Command reference",
            "Every kb command and its options, as --help prints them.",
            "reference, writer, reviewer, manager, operator",
        ),
        "# Command reference",
        "",
        f"<!-- Generated from `kb --help`; do not edit. Regenerate with: {REGENERATE} -->",
        "",
        "Exit codes everywhere: 0 clean, 1 findings at error level (lint errors, a site that cannot be built),",
        "2 usage or configuration error (a wrong option, an unknown id, a port already in use).",
        "",
    ]
    for name, command in _commands():
        lines += [f"## {name}", "", "```text", command_help(name, command), "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _sections() -> list[tuple[str, Any]]:
    from kbops.analytics.options import AnalyticsConfig
    from kbops.lint.settings import LintSettings
    from kbops.search.config import SearchConfig
    from kbops.server.config import ServerConfig

    return [("lint", LintSettings), ("search", SearchConfig), ("server", ServerConfig), ("analytics", AnalyticsConfig)]


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is None:
        return (
            "none"
            if annotation is type(None)
            else getattr(annotation, "__name__", str(annotation).replace("typing.", ""))
        )
    if origin is typing.Literal:
        return " or ".join(repr(a) for a in args)
    if origin is typing.Union or type(annotation).__name__ == "UnionType":
        kept = [a for a in args if a is not type(None)]
        name = " or ".join(_type_name(a) for a in kept)
        return f"{name} (optional)" if len(kept) < len(args) else name
    if origin is tuple or origin is list:
        return f"list[{_type_name(args[0])}]" if args else "list"
    return f"{getattr(origin, '__name__', str(origin))}[{', '.join(_type_name(a) for a in args)}]"


_BOUNDS = {"Ge": ">=", "Gt": ">", "Le": "<=", "Lt": "<", "MinLen": "length >=", "MaxLen": "length <="}


def _constraint(meta: Any) -> str:
    name = type(meta).__name__
    import dataclasses

    values = list(dataclasses.astuple(meta)) if dataclasses.is_dataclass(meta) and not isinstance(meta, type) else []
    if name in _BOUNDS and values:
        return f"{_BOUNDS[name]} {values[0]}"
    return str(meta)


def _default(field: Any) -> str:
    from pydantic_core import PydanticUndefined

    value = field.default_factory() if field.default_factory is not None else field.default
    if value is PydanticUndefined:
        return "(required)"
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _model_rows(model: Any, prefix: str = "") -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        nested = annotation if isinstance(annotation, type) and hasattr(annotation, "model_fields") else None
        if nested is not None:
            rows += _model_rows(nested, f"{prefix}{name}.")
            continue
        constraints = [_constraint(m) for m in field.metadata]
        note = field.description or ", ".join(constraints)
        rows.append(
            f"| `{prefix}{name}` | `{_type_name(annotation)}` | `{_default(field)}` | {note.replace('|', '/')} |"
        )
    return rows


def config_reference() -> str:
    from kbops.config import CORE_KEYS, Settings

    lines = [
        _front_matter(
            "configuration-reference",
            "Configuration reference",
            "Every key of [tool.kbops] in pyproject.toml, its type and default.",
            "reference, operator",
        ),
        "# Configuration reference",
        "",
        f"<!-- Generated from the pydantic models; do not edit. Regenerate with: {REGENERATE} -->",
        "",
        "Configuration lives in the knowledge base's `pyproject.toml` under `[tool.kbops]`. Defaults are in",
        "code; a key you set overrides its default; command-line flags override both. Every table is",
        "validated whole at start-up: all problems are reported at once, and a wrong key is an error (exit 2).",
        "",
        "## [tool.kbops]",
        "",
        "| key | type | default |",
        "|---|---|---|",
    ]
    defaults = Settings(root=Path("."))
    for key in CORE_KEYS:
        value = getattr(defaults, key)
        value = list(value) if isinstance(value, tuple) else value
        hint = typing.get_type_hints(Settings)[key]
        lines.append(f"| `{key}` | `{_type_name(hint)}` | `{value!r}` |")
    for name, model in _sections():
        lines += ["", f"## [tool.kbops.{name}]", ""]
        doc = (model.__doc__ or "").strip().split("\n\n")[0]
        if doc and not doc.startswith("!!!"):
            lines += [" ".join(doc.split()), ""]
        lines += ["| key | type | default | notes |", "|---|---|---|---|", *_model_rows(model)]
    return "\n".join(lines).rstrip("\n") + "\n"


def generated_pages() -> dict[str, str]:
    """docs/-relative path -> content of every generated reference page."""
    from kbops.lint.reference import render as rules

    lint_page = _front_matter(
        "lint-rules",
        "Lint rules",
        "Every kb lint rule: what it checks, why it matters, how to fix it.",
        "reference, writer",
    )
    # The reference shows what each personal-data rule refuses: those examples are the point of the page.
    examples = "<!-- kb-disable-file KB501, KB502, KB503, KB504, KB505, KB506: the rule reference quotes each rule's examples -->\n"
    return {
        "kb/reference/cli.md": cli_reference(),
        "kb/reference/configuration.md": config_reference(),
        "kb/reference/lint-rules.md": lint_page + examples + rules(),
    }


def write(docs: Path) -> list[str]:
    changed = []
    for relpath, text in generated_pages().items():
        path = docs / relpath
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(relpath)
    return changed


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    for relpath in write(target):
        sys.stdout.write(f"wrote {target / relpath}\n")
