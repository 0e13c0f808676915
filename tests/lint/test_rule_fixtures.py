"""Every fixture case, run with only its rule enabled, reports exactly the findings it marks."""

from __future__ import annotations

import pytest

from kbops.config import load_settings
from kbops.lint.runner import CRASH_CODE, lint
from tests.lint.cases import Case, actual_findings, all_cases, expected_findings, materialize

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture_case(case: Case, tmp_path):
    root = materialize(case, tmp_path / "kbroot")
    expected = expected_findings(root)
    actual, diagnostics = actual_findings(root, case.code)
    # Markers of other codes may document a fixture; only this case's rule runs.
    expected = {key: n for key, n in expected.items() if key[2] == case.code}
    shown = "\n".join(str(d) for d in diagnostics) or "(no findings)"
    assert dict(actual) == expected, f"{case.id}: findings differ from the markers.\nActual:\n{shown}"


def test_no_rule_crashes_on_any_fixture(tmp_path):
    """Every rule runs on every fixture (not only its own): a crash would show as KB000."""
    crashes = []
    for number, case in enumerate(CASES):
        root = materialize(case, tmp_path / f"case{number}")
        result = lint(load_settings(root), None)
        crashes += [f"{case.id}: {d}" for d in result.diagnostics if d.code == CRASH_CODE]
    assert not crashes, "\n".join(crashes)
