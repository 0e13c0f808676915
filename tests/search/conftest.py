"""Fixtures of the search tests: a small en/es/fr knowledge base with every audience and status."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kbops.config import load_settings

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
SECRET_WORDS = ("kestrel", "quarantine", "quarantined", "fraud", "override")  # only in partner/internal docs
UNPUBLISHED_WORDS = ("zeppelin", "telefax")  # only in a draft and an archived doc


def copy_fixture_kb(dest: Path) -> Path:
    shutil.copytree(FIXTURE_KB, dest)
    return dest


@pytest.fixture
def fixture_kb(tmp_path: Path) -> Path:
    """A fresh, modifiable copy of the fixture KB (no index yet)."""
    return copy_fixture_kb(tmp_path / "kb")


@pytest.fixture(scope="session")
def indexed_kb(tmp_path_factory) -> Path:
    """A read-only copy of the fixture KB with its index built once for the session."""
    from kbops.search.indexer import build_index

    root = copy_fixture_kb(tmp_path_factory.mktemp("indexed") / "kb")
    build_index(load_settings(root))
    return root


@pytest.fixture(scope="session")
def engine(indexed_kb: Path):
    from kbops.search.engine import SearchEngine

    found = SearchEngine(load_settings(indexed_kb))
    yield found
    found.close()
