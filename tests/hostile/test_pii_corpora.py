"""The one personal-data detector on the labelled corpus (recall 100%) and on real technical prose (0 findings)."""

from __future__ import annotations

import pytest

from kbops.pii import find_personal_data, scrub
from tests.hostile.pii_corpus import labelled, leaked, technical

LABELLED = labelled()
TECHNICAL = technical()


def test_the_corpora_cover_the_markets_and_shapes():
    assert {item.locale.split("-")[0] for item in LABELLED} >= {"en", "es", "fr"}
    assert any(item.locale == "es-MX" for item in LABELLED)
    assert {item.kind for item in LABELLED} == {"email", "phone", "card", "iban", "account", "national_id"}
    assert len(TECHNICAL) >= 150 and {row["shape"] for row in TECHNICAL} >= {
        "guid",
        "version",
        "amount",
        "date",
        "issue",
    }


@pytest.mark.parametrize("item", LABELLED, ids=[f"{i.locale}-{i.kind}-{n}" for n, i in enumerate(LABELLED)])
def test_every_labelled_item_is_found_and_scrubbed(item):
    start, end = item.span
    found = [f for f in find_personal_data(item.text, locale=item.locale) if f.start <= start and f.end >= end]
    assert [f.kind for f in found] == [item.kind], (
        f"{item.text!r}: {list(find_personal_data(item.text, locale=item.locale))}"
    )
    assert leaked(item, scrub(item.text, locale=item.locale)) == []


def test_technical_prose_has_no_personal_data():
    findings = [
        (row["source"], f.kind, f.value)
        for row in TECHNICAL
        for f in find_personal_data(row["text"], locale=row["locale"])
    ]
    assert findings == []
