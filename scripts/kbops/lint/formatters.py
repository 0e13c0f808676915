"""Render diagnostics: text, json, sarif and github. Formatters never decide anything.

Each formatter is a function of the same `LintResult` returning the text for stdout; the summary line
of the text format goes to stderr (see the CLI) so stdout stays one finding per line.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from kbops.lint.diagnostics import Diagnostic, Severity
from kbops.lint.runner import LintResult
from kbops.lint.sarif import format_sarif


def text_line(d: Diagnostic) -> str:
    """`path:line:col: CODE message`, with ` [warning]` / ` [info]` after non-errors; always one line."""
    line = " ".join(str(d).splitlines())
    return line if d.severity is Severity.error else f"{line} [{d.severity.value}]"


def format_text(result: LintResult) -> str:
    return "\n".join(text_line(d) for d in result.diagnostics)


def format_json(result: LintResult) -> str:
    return json.dumps(
        {
            "files": result.files,
            "errors": result.errors,
            "warnings": result.warnings,
            "diagnostics": [d.as_dict() for d in result.diagnostics],
        },
        indent=2,
        ensure_ascii=False,
    )


_GITHUB_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}


def escape_github_data(value: str) -> str:
    """Escape a workflow-command message as GitHub's toolkit does (`%`, CR, LF)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_github_property(value: str) -> str:
    """Escape a workflow-command property value (also `:` and `,`, which delimit properties)."""
    return escape_github_data(value).replace(":", "%3A").replace(",", "%2C")


def github_annotation(d: Diagnostic) -> str:
    props = ",".join(
        f"{key}={escape_github_property(str(value))}"
        for key, value in (("file", d.path), ("line", d.line), ("col", d.col), ("title", d.code))
    )
    return f"::{_GITHUB_LEVEL.get(d.severity, 'warning')} {props}::{escape_github_data(d.message)}"


def format_github(result: LintResult) -> str:
    """GitHub Actions workflow commands: one annotation per finding on the pull request's diff."""
    return "\n".join(github_annotation(d) for d in result.diagnostics)


def repository_prefix(root: Path) -> str:
    """The KB root relative to its git work tree ("" when they coincide, or outside git).

    GitHub annotations and code scanning locate files from the repository root, so a knowledge base
    kept in a sub-folder of a larger repository needs its paths prefixed.
    """
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            relative = root.relative_to(folder).as_posix()
            return "" if relative == "." else relative + "/"
    return ""


def with_path_prefix(result: LintResult, prefix: str) -> LintResult:
    """The same result with every diagnostic's path prefixed (paths of files outside the root stay)."""
    if not prefix:
        return result
    return dataclasses.replace(
        result,
        diagnostics=[
            d if d.path.startswith("/") or d.path == "." else dataclasses.replace(d, path=prefix + d.path)
            for d in result.diagnostics
        ],
    )


FORMATTERS: dict[str, Callable[[LintResult], str]] = {
    "text": format_text,
    "json": format_json,
    "sarif": format_sarif,
    "github": format_github,
}
