"""Proposed titles of new docs: the central phrasing of a gap, without filler, in sentence case."""

from __future__ import annotations

import pytest

from kbops.analytics.gaps import query_terms
from kbops.analytics.titles import clean_title, proposed_title


@pytest.mark.parametrize(
    "phrasing, language, title",
    [
        ("delete my account please. now!", "en", "Delete your account"),
        ("Hi, I want to know how to top up", "en", "Top up"),
        ("how do i order my card?", "en", "Order your card"),
        ("can i change my pin at a cash machine?", "en", "Change your pin at a cash machine"),
        ("crypto staking", "en", "Crypto staking"),
        ("¿cómo puedo cerrar mi cuenta? por favor", "es", "Cerrar mi cuenta"),
        ("bonjour, comment bloquer ma carte svp", "fr", "Bloquer ma carte"),
        ("please!!!", "en", "Please!!!"),  # nothing left: the phrasing as typed rather than an empty title
    ],
)
def test_clean_title(phrasing, language, title):
    assert clean_title(phrasing, language) == title


def test_the_central_phrasing_is_chosen():
    phrasings = [
        "i want to delete my account. how do i do this?",
        "delete my account please. now!",
        "terminate my account please",
        "how to delete account, not happy",
    ]
    assert proposed_title(phrasings, "en", lambda q: query_terms(q, "en")) == "Delete your account"
