"""SARIF 2.1.0 output: code-scanning tools (GitHub, Azure DevOps, IDEs) show findings inline."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import kbops
from kbops.lint.diagnostics import Severity
from kbops.lint.registry import Rule, all_rules, parse_sections

if TYPE_CHECKING:
    from kbops.lint.runner import LintResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note", Severity.off: "none"}

CRASH_RULE = {
    "id": "KB000",
    "name": "rule-crashed",
    "shortDescription": {"text": "A lint rule crashed on a file; the run went on."},
    "fullDescription": {"text": "A bug in a lint rule, not in the document. The message names the rule and the error."},
    "help": {"text": "Report the message to the kbops maintainers; the other rules still ran."},
    "defaultConfiguration": {"level": "error"},
    "properties": {"tags": ["internal"]},
}


def rule_descriptor(rule_: Rule) -> dict[str, Any]:
    sections = parse_sections(rule_.doc)
    what = sections.get("What it checks", "").strip()
    return {
        "id": rule_.code,
        "name": rule_.slug,
        "shortDescription": {"text": rule_.summary},
        "fullDescription": {"text": " ".join(what.split()) or rule_.summary},
        "help": {"text": rule_.doc, "markdown": _help_markdown(rule_, sections)},
        "defaultConfiguration": {"level": LEVELS[rule_.severity]},
        "properties": {"tags": [rule_.family, rule_.kind]},
    }


def _help_markdown(rule_: Rule, sections: dict[str, str]) -> str:
    parts = [f"**{rule_.code} {rule_.slug}**: {rule_.summary}"]
    for name, body in sections.items():
        block = "\n".join(line.strip() for line in body.splitlines())
        parts.append(f"### {name}\n\n```\n{block}\n```" if name in ("Bad", "Good") else f"### {name}\n\n{block}")
    return "\n\n".join(parts)


def sarif_log(result: LintResult) -> dict[str, Any]:
    descriptors = [CRASH_RULE] + [rule_descriptor(r) for r in all_rules().values()]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for d in result.diagnostics:
        item: dict[str, Any] = {
            "ruleId": d.code,
            "level": LEVELS[d.severity],
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": max(1, d.line), "startColumn": max(1, d.col)},
                    }
                }
            ],
        }
        if d.code in index:
            item["ruleIndex"] = index[d.code]
        results.append(item)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kbops",
                        "semanticVersion": kbops.__version__,
                        "rules": descriptors,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def format_sarif(result: LintResult) -> str:
    return json.dumps(sarif_log(result), indent=2, ensure_ascii=False)
