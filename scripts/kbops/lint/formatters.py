"""Render diagnostics: text (`path:line:col: CODE message`) and json. Formatters never decide anything."""
from __future__ import annotations

import json
from typing import Callable

from kbops.lint.runner import LintResult


def format_text(result: LintResult) -> str:
    lines = [f"{d} [{d.severity.value}]" if d.severity.value != "error" else str(d) for d in result.diagnostics]
    lines.append(f"{result.files} files checked: {result.errors} errors, {result.warnings} warnings")
    return "\n".join(lines)


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


FORMATTERS: dict[str, Callable[[LintResult], str]] = {"text": format_text, "json": format_json}
