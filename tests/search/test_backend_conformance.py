"""One conformance suite for every installed search backend (found by entry point, as the engine finds them)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from kbops.publishing import visible_audiences
from kbops.search.backend import LexicalIndex, SearchBackend, available_backends, get_backend
from kbops.search.config import SearchConfig
from kbops.search.records import IndexRecord

LOCALES = ("en", "es", "fr")


def record(
    key: str, title: str, text: str, audience: str = "public", locale: str = "en", status: str = "published", **extra
) -> IndexRecord:
    return IndexRecord(
        key=key,
        id=key.removesuffix(".md").replace("/", "-"),
        title=title,
        description="",
        headings=(),
        text=text,
        tags=(),
        product="cards",
        intents=(),
        sample_queries=(),
        type="article",
        audience=audience,
        status=status,
        locale=locale,
        path=key,
        url=f"/{key}/",
        content_hash=key,
        chunks=(f"{title}\n{text}",),
        **extra,
    )


RECORDS = [
    record("a.md", "Card declined at a shop", "Your card payment was declined by the merchant. Check the card limits."),
    record("b.md", "Order a new card", "Order a physical card in the app; it arrives in five days."),
    record("c.md", "Tarjeta rechazada", "El pago con tarjeta fue rechazado por el comercio.", locale="es"),
    record(
        "d.md", "Quarantined card payments", "Partner agents release a quarantined card payment.", audience="partner"
    ),
    record("e.md", "Old card limits", "Card limits of the old plan.", status="deprecated", superseded_by="a"),
]


@pytest.fixture(params=sorted(available_backends()))
def backend(request) -> SearchBackend:
    return get_backend(request.param)


def open_generation(backend: SearchBackend, target: Path, records, deletes=(), base=None) -> LexicalIndex:
    backend.write(target, records, list(deletes), base, LOCALES)
    return backend.open(target, SearchConfig(), {})


def live(index: LexicalIndex, mask: np.ndarray) -> set[str]:
    keys = index.keys()
    return {keys[d] for d in np.flatnonzero(mask)}


def test_the_whoosh_backend_is_registered_by_entry_point():
    assert "whoosh" in available_backends()


def test_audience_and_language_masks(backend, tmp_path):
    index = open_generation(backend, tmp_path / "gen", RECORDS)
    assert index.doc_count() == 5 and len(index.keys()) == index.size
    everywhere = index.groups
    assert live(index, index.allowed(visible_audiences("public"), everywhere)) == {"a.md", "b.md", "c.md", "e.md"}
    assert live(index, index.allowed(visible_audiences("partner"), everywhere)) == {
        "a.md",
        "b.md",
        "c.md",
        "d.md",
        "e.md",
    }
    assert live(index, index.allowed(visible_audiences("internal"), ("es",))) == {"c.md"}
    assert live(index, index.allowed(visible_audiences("internal"), everywhere, "sop")) == set()


def test_scores_match_words_in_their_language_only(backend, tmp_path):
    index = open_generation(backend, tmp_path / "gen", RECORDS)
    visible = index.allowed(visible_audiences("public"), index.groups)
    scores, stems = index.scores("declined card", ("en",), visible, ("public",))
    ranked = [index.keys()[d] for d in np.argsort(-scores) if scores[d] > 0]
    assert ranked[0] == "a.md" and "c.md" not in ranked and stems
    spanish, _ = index.scores("tarjetas rechazadas", ("es",), visible, ("public",))  # plural and accents folded
    assert live(index, spanish > 0) == {"c.md"}


def test_statistics_come_only_from_what_the_caller_may_see(backend, tmp_path):
    """The audience-statistics rule: a public caller's scores do not change when partner docs are added."""
    public_only = open_generation(backend, tmp_path / "one", [r for r in RECORDS if r.audience == "public"])
    with_partner = open_generation(backend, tmp_path / "two", RECORDS)

    def public_scores(index):
        visible = index.allowed(visible_audiences("public"), index.groups)
        scores, _ = index.scores("card payment", index.groups, visible, ("public",))
        keys = index.keys()
        return {keys[d]: round(float(scores[d]), 5) for d in np.flatnonzero(visible)}

    assert public_scores(public_only) == public_scores(with_partner)


def test_stored_fields_and_columns(backend, tmp_path):
    index = open_generation(backend, tmp_path / "gen", RECORDS)
    number = index.keys().index("e.md")
    fields = index.stored(number)
    assert (fields["id"], fields["status"], fields["superseded_by"], fields["lang"]) == ("e", "deprecated", "a", "en")
    codes, names = index.column("status")
    assert names[codes[number]] == "deprecated"
    codes, names = index.column("lang")
    assert names[codes[index.keys().index("c.md")]] == "es"


def test_incremental_generation_replaces_and_deletes(backend, tmp_path):
    open_generation(backend, tmp_path / "one", RECORDS).close()
    changed = dataclasses.replace(RECORDS[1], text="Order a card; a courier brings it.")
    index = open_generation(backend, tmp_path / "two", [changed], deletes=["b.md", "e.md"], base=tmp_path / "one")
    visible = index.allowed(visible_audiences("internal"), index.groups)
    assert live(index, visible) == {"a.md", "b.md", "c.md", "d.md"}
    scores, _ = index.scores("courier", index.groups, visible, visible_audiences("internal"))
    assert live(index, (scores > 0) & visible) == {"b.md"}
    old = backend.open(tmp_path / "one", SearchConfig(), {})  # the base generation is untouched
    assert "courier" not in old.stored(old.keys().index("b.md"))["text"]


def test_spelling_dictionary(backend, tmp_path):
    index = open_generation(backend, tmp_path / "gen", RECORDS)
    assert "declined" in index.similar_words("declnied", 2)
    assert live(index, np.isin(np.arange(index.size), index.word_docs("quarantined"))) == {"d.md"}
