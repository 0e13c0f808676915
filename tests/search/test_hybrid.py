"""Hybrid retrieval with the real default model: vectors per generation, incremental embedding, audiences."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from kbops.config import load_settings
from kbops.search.engine import SearchEngine
from kbops.search.indexer import build_index, index_root
from kbops.search.store import IndexStore
from kbops.search.vectors import read_vectors

QUERIES = ("card declined at the shop", "forgot my password", "tarjeta rechazada", "when will my new card arrive")


def test_the_default_model_makes_search_hybrid(engine):
    result = engine.search("my card was refused in a store", locale="en")
    assert result.mode == "hybrid" and result.hits[0].id == "card-declined"


def test_vectors_live_in_the_generation_and_only_changed_docs_are_reembedded(fixture_kb: Path):
    settings = load_settings(fixture_kb)
    first = build_index(settings)
    assert first.model and first.embedded >= first.indexed
    store = IndexStore(index_root(settings))
    before = read_vectors(store.current())
    assert before is not None and before.matrix.shape == (first.embedded, 384)
    assert np.allclose(np.linalg.norm(before.matrix, axis=1), 1, atol=1e-2)

    doc = fixture_kb / "kb/cards/card-arrival.md"
    doc.write_text(doc.read_text().replace("ten working days", "seven working days, via courier"), encoding="utf-8")
    second = build_index(settings)
    assert (second.updated, second.full) == (1, False)
    assert 1 <= second.embedded <= 2  # the changed doc's chunks only
    after = read_vectors(store.current())
    assert after.matrix.shape == before.matrix.shape
    unchanged = before.keys != "kb/cards/card-arrival.md"
    assert np.array_equal(before.matrix[unchanged], after.matrix[after.keys != "kb/cards/card-arrival.md"])


def test_hidden_docs_never_move_what_a_public_caller_sees(tmp_path: Path, fixture_kb: Path):
    """Same public results, scores included, whether or not partner/internal docs are in the index."""
    public_only = tmp_path / "public-only"
    shutil.copytree(fixture_kb, public_only)
    for path in list(public_only.rglob("*.md")):
        if "audience: public" not in path.read_text(encoding="utf-8"):
            path.unlink()
    results = []
    for root in (fixture_kb, public_only):
        settings = load_settings(root)
        build_index(settings)
        engine = SearchEngine(settings)
        results.append([[(h.id, h.score) for h in engine.search(q, audience="public").hits] for q in QUERIES])
        engine.close()
    assert results[0] == results[1]


def test_lexical_only_when_the_model_is_off(indexed_kb: Path):
    settings = load_settings(indexed_kb)
    engine = SearchEngine(settings, SearchEngine(settings).config.model_copy(update={"model": "none"}))
    result = engine.search("card declined", locale="en")
    assert result.mode == "lexical" and result.hits[0].id == "card-declined"
    engine.close()
