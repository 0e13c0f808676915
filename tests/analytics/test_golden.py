"""Golden `kb deflection --format json|md` over a small event log on the bundled knowledge base (titles from it).

The log (golden/events.jsonl) names real doc ids of the bundled KB, in en/es/fr, with a contact after a
view, zero-result searches, a late click, a blank query and a malformed line. Regenerate: KB_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import copy_kb, run_kb
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def bundled_kb(tmp_path_factory) -> Path:
    root = copy_kb(tmp_path_factory.mktemp("golden") / "kbroot")
    shutil.copy2(GOLDEN / "events.jsonl", root / "events.jsonl")
    return root


@pytest.mark.parametrize("format", ["json", "md"])
def test_deflection_report_matches_its_golden_file(bundled_kb: Path, format: str):
    done = run_kb("--today", "2026-11-05", "deflection", "--events", "events.jsonl", "--format", format, cwd=bundled_kb)
    assert done.returncode == 0, done.stderr
    assert_golden(GOLDEN / f"deflection.{format}", done.stdout)
