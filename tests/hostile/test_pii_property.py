"""Property: the detector takes any text (lone surrogates, bidi controls, marks, every script) without error,
its spans are exact slices of the text as given, and scrubbed text holds nothing it would find again."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kbops.pii import find_personal_data, normalise, scrub

PIECES = st.sampled_from(
    [
        "4111 1111 1111 1111",
        "\u00a0",
        "\u200b",
        "\t",
        "  ",
        "＠",
        "(at)",
        "@",
        ".",
        "-",
        "/",
        "_",
        "+34",
        "612",
        "345",
        "678",
        "ES91",
        "2100",
        "iban",
        "phone",
        "é",
        "o\u0308",
        "\ud800",
        "\u202e",
        "ﬁ",
        "６",
        "example.com",
        "\n",
    ]
)
TEXT = st.lists(
    st.one_of(PIECES, st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=8)), max_size=30
).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=TEXT)
def test_findings_are_slices_and_scrubbing_is_final(text):
    for finding in find_personal_data(text, locale="es"):
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.value == text[finding.start : finding.end]
    scrubbed = scrub(text, locale="es")
    assert list(find_personal_data(scrubbed, locale="es")) == []


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_normalised_positions_map_back_in_order(text):
    norm = normalise(text)
    previous = 0
    for position in range(len(norm.text) + 1):
        start = norm.original_start(position)
        assert previous <= start <= len(text)
        previous = start
