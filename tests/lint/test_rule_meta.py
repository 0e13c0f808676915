"""Meta-tests: every rule is coded, documented, has triggering and clean fixtures, and is in the reference page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kbops.lint.reference import REGENERATE, render
from kbops.lint.registry import CODE_PATTERN, DOC_SECTIONS, all_rules, parse_sections
from tests.lint.cases import FIXTURES, all_cases, expected_findings

RULES = all_rules()
REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "docs" / "kb" / "reference" / "lint-rules.md"


def test_codes_and_slugs_are_unique_and_well_formed():
    assert RULES, "no rule registered"
    slugs = [r.slug for r in RULES.values()]
    assert len(set(slugs)) == len(slugs), f"duplicate slugs: {sorted(s for s in slugs if slugs.count(s) > 1)}"
    for code, rule_ in RULES.items():
        assert CODE_PATTERN.match(code) and rule_.code == code
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rule_.slug), f"{code}: slug {rule_.slug!r}"
        assert rule_.kind in ("document", "corpus")


@pytest.mark.parametrize("code", list(RULES))
def test_rule_docstring_has_every_section(code):
    rule_ = RULES[code]
    assert rule_.summary and not rule_.summary.endswith(":"), f"{code}: first docstring line must summarize the rule"
    sections = parse_sections(rule_.doc)
    missing = [name for name in DOC_SECTIONS if not sections.get(name, "").strip()]
    assert not missing, f"{code} docstring lacks sections {missing}"


# Rules that only fire on git history (four-eyes, renames): a fixture folder has no history, so their
# triggering case is a test that builds a real git repository and asserts the rule's message.
GIT_HISTORY_TRIGGERS = {
    "KB804": ("tests/governance/test_rules.py", "KB804 approval by"),
    "KB810": ("tests/governance/test_rules.py", "KB810 doc was renamed"),
}


@pytest.mark.parametrize("code", list(RULES))
def test_rule_has_triggering_and_clean_fixture(code):
    cases = [c for c in all_cases() if c.code == code]
    triggering = [c.name for c in cases if any(key[2] == code for key in expected_findings(c.path))]
    clean = [c.name for c in cases if not any(key[2] == code for key in expected_findings(c.path))]
    if code in GIT_HISTORY_TRIGGERS and not triggering:
        test_file, asserted = GIT_HISTORY_TRIGGERS[code]
        assert asserted in (REPO / test_file).read_text(encoding="utf-8"), f"{code}: {test_file} no longer triggers it"
        triggering = [test_file]
    assert triggering, (
        f"{code}: add a fixture case under {FIXTURES.name}/{code}/ with an '<!-- expect: {code} -->' marker"
    )
    assert clean, f"{code}: add a clean fixture case (no {code} markers) under {FIXTURES.name}/{code}/"


def test_every_fixture_folder_names_a_registered_rule():
    stale = [p.name for p in FIXTURES.glob("KB*") if p.name not in RULES]
    assert not stale, f"fixtures for unknown rules: {stale}"


def test_reference_page_is_current():
    from kbops.reference import generated_pages

    assert REFERENCE.is_file(), f"{REFERENCE} is missing; run: {REGENERATE}"
    expected = generated_pages()["kb/reference/lint-rules.md"]
    assert REFERENCE.read_text(encoding="utf-8") == expected, f"{REFERENCE} is out of date; run: {REGENERATE}"


@pytest.mark.parametrize("code", list(RULES))
def test_reference_page_documents_rule(code):
    assert f"\n### {code} {RULES[code].slug}\n" in render()
