"""Golden `kb search --format json` on the bundled knowledge base: ranking, scores, snippets and URLs, exactly.

Queries in en/es/fr, a typo, a cross-language fallback and each audience. Ranking work changes these
files on purpose: regenerate with KB_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_kb, run_kb
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"
SEARCHES = {
    "card-declined-en": ("card payment declined", "--locale", "en"),
    "tarjeta-rechazada-es": ("tarjeta rechazada", "--locale", "es"),
    "carte-perdue-fr": ("carte perdue", "--locale", "fr"),
    "typo-pasword": ("pasword reset",),
    "fallback-de": ("lost card", "--locale", "de"),
    "refund-partner": ("refund", "--audience", "partner", "--limit", "5"),
    "escalation-internal": ("escalation", "--audience", "internal", "--limit", "5"),
}


@pytest.fixture(scope="module")
def indexed_bundled_kb(tmp_path_factory) -> Path:
    root = copy_kb(tmp_path_factory.mktemp("golden") / "kbroot")
    done = run_kb("index", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


@pytest.mark.parametrize("name", list(SEARCHES))
def test_search_json_matches_its_golden_file(indexed_bundled_kb: Path, name: str):
    done = run_kb("search", *SEARCHES[name], "--format", "json", cwd=indexed_bundled_kb)
    assert done.returncode == 0, done.stderr
    assert_golden(GOLDEN / f"search-{name}.json", done.stdout)
