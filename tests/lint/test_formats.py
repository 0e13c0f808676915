"""Formatters: text lines, one JSON document, SARIF 2.1.0 structure, GitHub workflow-command escaping."""

from __future__ import annotations

import json

from kbops.lint.diagnostics import Diagnostic, Severity
from kbops.lint.formatters import FORMATTERS, escape_github_data, escape_github_property, github_annotation
from kbops.lint.registry import all_rules
from kbops.lint.runner import LintResult

RESULT = LintResult(
    [
        Diagnostic(
            "kb/card-declined.md",
            12,
            3,
            "KB102",
            "unknown field 'audiance'; did you mean 'audience'?",
            Severity.error,
            "unknown-field",
        ),
        Diagnostic("kb/a,b:c.md", 4, 1, "KB009", "100% unused\nsecond line\r", Severity.warning, "unused-suppression"),
        Diagnostic("sops/x.md", 1, 1, "KB101", "missing required field 'owner'", Severity.info, "missing-field"),
        Diagnostic(".", 1, 1, "KB000", "rule KB999 (x) crashed: ValueError: y", Severity.error, "rule-crashed"),
    ],
    files=3,
)


def test_text_is_one_finding_per_line():
    lines = FORMATTERS["text"](RESULT).split("\n")
    assert lines[0] == "kb/card-declined.md:12:3: KB102 unknown field 'audiance'; did you mean 'audience'?"
    assert lines[2] == "sops/x.md:1:1: KB101 missing required field 'owner' [info]"
    assert RESULT.summary() == "3 files checked: 2 errors, 1 warnings"


def test_json_is_one_document():
    data = json.loads(FORMATTERS["json"](RESULT))
    assert data["errors"] == 2 and data["warnings"] == 1 and data["files"] == 3
    assert data["diagnostics"][0] == {
        "path": "kb/card-declined.md",
        "line": 12,
        "col": 3,
        "code": "KB102",
        "message": "unknown field 'audiance'; did you mean 'audience'?",
        "severity": "error",
        "slug": "unknown-field",
    }


def test_sarif_structure():
    log = json.loads(FORMATTERS["sarif"](RESULT))
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == ["KB000", *all_rules()]  # every registered rule, with its documentation
    kb102 = driver["rules"][ids.index("KB102")]
    assert kb102["name"] == "unknown-field" and "How to fix" in kb102["help"]["text"]
    assert kb102["help"]["markdown"].startswith("**KB102 unknown-field**")
    assert kb102["defaultConfiguration"]["level"] == "error"
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note", "error"]
    first = run["results"][0]
    assert first["ruleId"] == "KB102" and driver["rules"][first["ruleIndex"]]["id"] == "KB102"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "kb/card-declined.md"
    assert location["region"] == {"startLine": 12, "startColumn": 3}


def test_github_escaping():
    assert escape_github_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_github_property("a,b:c%") == "a%2Cb%3Ac%25"
    lines = FORMATTERS["github"](RESULT).split("\n")
    assert lines[0] == (
        "::error file=kb/card-declined.md,line=12,col=3,title=KB102::unknown field 'audiance'; did you mean 'audience'?"
    )
    assert lines[1] == "::warning file=kb/a%2Cb%3Ac.md,line=4,col=1,title=KB009::100%25 unused%0Asecond line%0D"
    assert lines[2].startswith("::notice file=sops/x.md,")
    assert github_annotation(RESULT.diagnostics[3]).startswith("::error file=.,line=1,col=1,title=KB000::")
