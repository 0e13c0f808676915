"""translation_status (shared with the site): the source is the doc that is not itself a translation."""

from __future__ import annotations

from kbops.model.loader import parse_document
from kbops.model.translations import translation_status
from tests.governance.conftest import CARD_ARTICLE


def test_source_is_the_original_even_when_another_translation_sorts_first():
    source = parse_document("kb/card-declined.md", CARD_ARTICLE.encode())
    translated = CARD_ARTICLE.replace(
        "owner: support-ops", f"owner: support-ops\ntranslation_of: card-declined\nsource_hash: {source.content_hash}"
    )
    es = parse_document(
        "kb/card-declined.es.md",
        translated.replace("title: Card declined", "title: Tarjeta rechazada\nlocale: es").encode(),
    )
    fr = parse_document(
        "kb/card-declined.fr.md",
        translated.replace("title: Card declined", "title: Carte refusée\nlocale: fr").encode(),
    )
    by_id = {"card-declined": [es, fr, source]}
    status = translation_status(es, by_id)
    assert status is not None and status.source is source and not status.outdated
    assert translation_status(source, by_id) is None
