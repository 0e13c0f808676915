"""Inline suppressions: the three forms, code blocks, KB008 and KB009, and the KB008/KB009 fixtures."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from kbops.config import load_settings
from kbops.lint.registry import Finding
from kbops.lint.runner import lint
from kbops.lint.suppression import parse_suppressions
from kbops.model.loader import parse_document
from tests.lint.lintcore_kb import FILES, doc, temporary_rule, write_kb

FIXTURES = Path(__file__).parent / "fixtures"
MARKER = re.compile(r"<!--\s*expect:\s*((?:KB\d{3}[\s,]*)+)-->")


def flag_word(d, ctx):
    """Flags FLAGGED anywhere in the file, and the whole file at line 1 when it says FILEWIDE."""
    for number, line in enumerate(d.text.split("\n"), 1):
        if "FLAGGED" in line:
            yield Finding(number, "the word FLAGGED")
    if "FILEWIDE" in d.text:
        yield Finding(1, "file-wide finding")


@pytest.fixture
def flagging_rule():
    with temporary_rule("KB094", "flag-word", flag_word):
        yield


def _lint(root: Path, *codes: str):
    return lint(load_settings(root), select=list(codes), use_cache=False)


def test_three_forms_and_code_blocks(tmp_path, flagging_rule):
    body = """\
<!-- kb-disable KB094: quoting the scheme rules -->

FLAGGED next non-blank line is silenced

FLAGGED trailing form <!-- kb-disable KB094: a known false positive -->

FLAGGED not silenced

```
<!-- kb-disable KB094: in a code block, so it does not count -->
```
FLAGGED after the code block
"""
    root = write_kb(tmp_path / "kb", {"kb/a.md": doc("a", "A doc", body)})
    result = _lint(root, "KB094", "KB008", "KB009")
    lines = [(d.line, d.code) for d in result.diagnostics]
    text = (root / "kb/a.md").read_text().split("\n")
    flagged = [n for n, line in enumerate(text, 1) if line.startswith("FLAGGED")]
    assert lines == [(flagged[2], "KB094"), (flagged[3], "KB094")]


def test_file_wide_and_several_codes(tmp_path, flagging_rule):
    body = "<!-- kb-disable-file KB094, KB102: migrated text, reviewed -->\n\nFLAGGED\n\nFILEWIDE\n"
    root = write_kb(tmp_path / "kb", {"kb/a.md": doc("a", "A doc", body)})
    assert _lint(root, "KB094", "KB008", "KB009").diagnostics == []


def test_unused_suppression_only_for_enabled_rules(tmp_path, flagging_rule):
    body = "<!-- kb-disable KB094: was needed once -->\nclean now\n\n<!-- kb-disable KB102: not run -->\nclean\n"
    root = write_kb(tmp_path / "kb", {"kb/a.md": doc("a", "A doc", body)})
    result = _lint(root, "KB094", "KB009")
    assert [(d.code, d.severity.value) for d in result.diagnostics] == [("KB009", "warning")]
    assert "KB094" in result.diagnostics[0].message and result.exit_code == 0


def test_suppression_silences_corpus_rule_findings(tmp_path):
    def every_link(corpus, ctx):
        """Reports every link (a stand-in corpus rule)."""
        for d in corpus.docs:
            for link in d.links:
                yield Finding(link.line, f"link to {link.target}", path=d.relpath)

    files = dict(FILES)
    files["kb/card-arrival.md"] = doc(
        "card-arrival", "Card arrival", "[Back](card-declined.md) <!-- kb-disable KB093: reviewed -->\n"
    )
    root = write_kb(tmp_path / "kb", files)
    with temporary_rule("KB093", "every-link", every_link, kind="corpus"):
        result = _lint(root, "KB093", "KB009")
    assert "kb/card-arrival.md" not in {d.path for d in result.diagnostics}
    assert {d.path for d in result.diagnostics} == {"kb/card-declined.md", "sops/manual-load.md"}


def test_parse_suppression_targets():
    text = doc("a", "A doc", "<!-- kb-disable KB1: r -->\n<!-- kb-disable KB2: r -->\n\ntarget\n")
    parsed = parse_suppressions(parse_document("kb/a.md", text.encode()))
    target = text.split("\n").index("target") + 1
    assert [(s.codes, s.target, s.reason) for s in parsed] == [(("KB1",), target, "r"), (("KB2",), target, "r")]


def _cases():
    return sorted(p for code in ("KB008", "KB009") for p in (FIXTURES / code).iterdir() if p.is_dir())


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}-{p.name}")
def test_fixture_cases(case: Path, tmp_path):
    """The fixtures follow the rule-fixture convention (`<!-- expect: CODE -->` on the reported line)."""
    root = write_kb(tmp_path / "kb", {})
    shutil.copytree(case, root, dirs_exist_ok=True)
    expected: Counter = Counter()
    for path in root.rglob("*.md"):
        for number, line in enumerate(path.read_text().split("\n"), 1):
            for marker in MARKER.finditer(line):
                for code in re.findall(r"KB\d{3}", marker.group(1)):
                    expected[(path.relative_to(root).as_posix(), number, code)] += 1
    code = case.parent.name
    result = _lint(root, code)
    assert Counter((d.path, d.line, d.code) for d in result.diagnostics) == expected
