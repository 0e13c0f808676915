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
    assert before is not None and before.expanded().shape == (first.embedded, 384)
    assert np.allclose(np.linalg.norm(before.matrix, axis=1), 1, atol=1e-2)
    # an intent's label is the same text on every doc of that intent: embedded and stored once
    assert len(before.matrix) < first.embedded and len(np.unique(before.rows)) == len(before.matrix)

    doc = fixture_kb / "kb/cards/card-arrival.md"
    doc.write_text(doc.read_text().replace("ten working days", "seven working days, via courier"), encoding="utf-8")
    second = build_index(settings)
    assert (second.updated, second.full) == (1, False)
    changed = before.keys == "kb/cards/card-arrival.md"
    assert second.embedded == changed.sum()  # the changed doc's vectors only
    after = read_vectors(store.current())
    assert after.expanded().shape == before.expanded().shape
    unchanged = before.keys != "kb/cards/card-arrival.md"
    assert np.array_equal(before.expanded()[unchanged], after.expanded()[after.keys != "kb/cards/card-arrival.md"])


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


def test_sample_queries_and_intent_labels_get_their_own_vectors(indexed_kb: Path):
    from kbops.search.vectors import KINDS

    vectors = read_vectors(IndexStore(index_root(load_settings(indexed_kb))).current())
    mine = vectors.keys == "kb/account/reset-password.md"
    questions = mine & (vectors.kinds == KINDS.index("question"))
    # forgot my password, reset password, locked out of my account (+ its intents' labels, if the taxonomy has them)
    assert questions.sum() >= 3 and (mine & (vectors.kinds == KINDS.index("chunk"))).any()
    assert set(vectors.languages[questions].tolist()) <= {"", "es", "fr"}


def test_a_label_in_a_third_language_takes_no_part(indexed_kb: Path):
    """Vectors of one doc: a chunk, its Spanish label, its French label; a Spanish query ignores the French one."""
    from kbops.search.vectors import ChunkVectors, VectorView

    rows = np.eye(3, 4, dtype=np.float32)
    stored = ChunkVectors(
        "m", np.array(["a", "a", "a"]), rows, np.array([0, 2, 2], dtype=np.int8), np.array(["", "es", "fr"])
    )
    view = VectorView(stored, ["a"], 1)
    allowed = np.ones(1, dtype=bool)
    french = rows[2]
    assert view.similarities(french, allowed)[0] == 1.0
    assert view.similarities(french, allowed, language="es")[0] == 0.0
    assert view.similarities(french, allowed, language="fr")[0] == 1.0
    assert (
        view.similarities(rows[1], allowed, (0.0, 0.0, -0.25), language="es")[0] == 0.75
    )  # the question kind's offset
