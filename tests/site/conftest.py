"""Site fixtures: the bundled KB plus fixture docs (partner/internal markers, stale, deprecated, es/fr), built once per audience."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kbops.config import load_settings
from kbops.model.loader import load_corpus
from tests.conftest import copy_kb

FIXTURES = Path(__file__).parent / "fixtures"
AUDIENCE_ORDER = ("public", "partner", "internal")


def make_site_kb(dest: Path) -> Path:
    """Copy the bundled KB and overlay the fixture docs; fill `{{source_hash:ID}}` with the source's real hash."""
    root = copy_kb(dest)
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    placeholders = [p for p in root.rglob("*.md") if "{{source_hash:" in p.read_text(encoding="utf-8")]
    if placeholders:
        corpus = load_corpus(load_settings(root))
        for path in placeholders:
            text = path.read_text(encoding="utf-8")
            while "{{source_hash:" in text:
                start = text.index("{{source_hash:")
                end = text.index("}}", start)
                source = corpus.get(text[start + len("{{source_hash:") : end])
                assert source is not None, f"{path}: fixture names an unknown source"
                text = text[:start] + source.content_hash + text[end + 2 :]
            path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def site_kb(tmp_path_factory) -> Path:
    return make_site_kb(tmp_path_factory.mktemp("site-kb") / "kbroot")


@pytest.fixture(scope="session")
def built_sites(site_kb: Path) -> dict:
    """Real strict MkDocs builds of every audience from the same KB: {audience: BuildResult}."""
    from kbops.site.build import build_site

    settings = load_settings(site_kb)
    return {a: build_site(settings, a, site_kb / "site" / a, strict=True) for a in AUDIENCE_ORDER}
