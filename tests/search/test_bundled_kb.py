"""The bundled KB through `/api/search` as a partner agent would use it: real index, real model, real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import copy_kb
from tests.server.conftest import RunningServer, running_server


@pytest.fixture(scope="module")
def partner_api(tmp_path_factory) -> Iterator[tuple[RunningServer, dict]]:
    from kbops.config import load_settings
    from kbops.server.keys import ApiKeyStore, keys_path

    root = copy_kb(tmp_path_factory.mktemp("bundled") / "kb")
    key = ApiKeyStore(keys_path(load_settings(root))).create("partner", "test-partner")
    with running_server(root, timeout=300) as server:  # builds the index (and its vectors) first
        yield server, {"X-KB-Key": key}


def ranked(api, query: str, locale: str, limit: int = 10) -> list[dict]:
    server, headers = api
    response = server.client().get(
        "/api/search", params={"q": query, "locale": locale, "limit": limit, "log": "false"}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["audience"] == "partner" and body["mode"] == "hybrid"
    return body["hits"]


@pytest.mark.parametrize(
    ("query", "locale", "article", "language"),
    [
        ("contrasena", "es", "sign-in-help", "es"),  # sign-in-help-es
        ("transferencia no llego", "es", "transfer-not-received", "es"),  # transfer-not-received-es
        ("mot de passe oublie", "fr", "sign-in-help", "en"),  # no French version: the original answers
        ("virement pas recu", "fr", "transfer-not-received", "fr"),  # transfer-not-received-fr
    ],
)
def test_the_right_article_comes_first_in_the_agents_language_or_another(partner_api, query, locale, article, language):
    hits = ranked(partner_api, query, locale)
    assert hits, query
    top = hits[0]
    assert (top["translation_of"] or top["id"], top["locale"]) == (article, language), [
        (h["id"], h["score"]) for h in hits[:5]
    ]
    assert top["fallback"] == (language != locale)  # a hit in another language is marked with its language
    family = [h for h in hits if (h["translation_of"] or h["id"]) == article]
    assert len(family) == 1  # a doc and its translations are one answer


@pytest.mark.parametrize(
    ("query", "locale"),
    [
        ("carte perdue", "fr"),
        ("customer wants copy of their data", "en"),
        ("tarjeta rechazada", "es"),
        ("card declined abroad", "en"),
        ("recarga pendiente", "es"),
        ("remboursement", "fr"),
    ],
)
def test_another_languages_family_is_answered_by_its_original(partner_api, query, locale):
    """A translation in a third language never stands in for an original the agent may read: the original answers
    for its family (it says what the translation says), and the model's own-language bias never admits a doc."""
    hits = ranked(partner_api, query, locale)
    # every original of the bundled KB is visible to a partner: a hit in another language is never a translation
    assert not [h["id"] for h in hits if h["fallback"] and h["translation_of"]], [(h["id"], h["locale"]) for h in hits]
    families = [h["translation_of"] or h["id"] for h in hits]
    assert len(families) == len(set(families)), families  # one answer per family


def test_pin_bloqueado_finds_the_card_and_pin_article(partner_api):
    hits = ranked(partner_api, "pin bloqueado", "es")
    assert "activate-card-and-pin" in [h["id"] for h in hits][:3], [(h["id"], h["score"]) for h in hits[:5]]


def test_deprecated_doc_ranks_below_the_current_one_and_names_its_successor(partner_api):
    hits = ranked(partner_api, "card blocked", "en", limit=20)
    order = [h["id"] for h in hits]
    # freeze-card ("Freeze your card (app version 3)", deprecated) matches: its sample query is "block my card".
    assert "lost-or-stolen-card" in order and "freeze-card" in order, order
    assert order.index("lost-or-stolen-card") < order.index("freeze-card"), order
    old, new = hits[order.index("freeze-card")], hits[order.index("lost-or-stolen-card")]
    assert (old["status"], old["superseded_by"]) == ("deprecated", "lost-or-stolen-card")
    assert (new["status"], new["superseded_by"]) == ("published", None)


def test_kb_eval_floor_still_holds_with_the_hybrid_engine(kb, tmp_path: Path):
    root = copy_kb(tmp_path / "kb")
    assert kb("index", cwd=root).returncode == 0
    done = kb("eval", "--format", "json", cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr


# Issue 18: queries a partner agent types, in the agent's locale (Spanish, English with typos, French with typos).
AGENT_QUERIES = [
    # The stem of "cobraron" (cobr-) meets "cobrar" / "cobro" in the Spanish collections SOP; the English-only doc
    # answers through its sample queries and its intents' Spanish labels ("Cargo duplicado"), embedded as questions.
    ("me cobraron dos veces", "es", "unrecognised-payment", 1),
    ("cobro que no reconozco", "es", "unrecognised-payment", 1),
    ("tarjeta caducada", "es", "card-renewal", 1),  # "Tarjeta a punto de caducar"
    ("donde descargo mi factura", "es", "invoices-and-receipts", 1),
    ("no me llego la tarjeta", "es", "card-not-arrived", 1),
    ("tarjta rechazada", "es", "card-payment-declined", 1),
    ("card not arived", "en", "card-not-arrived", 1),  # typos: searched with the closest English word too
    ("pasword reset", "en", "sign-in-help", 1),
    ("recieve money", "en", "receive-money", 1),
    ("exchage rate", "en", "exchange-rates", 1),
    ("top up limts", "en", "top-up-limits", 1),
    ("j'ai oublie mon mot de pase", "fr", "sign-in-help", 1),
    ("carte perdu", "fr", "lost-or-stolen-card", 1),
    # Which fee? card-fees and send-a-transfer ("Comisión por transferencia") both answer it: top 3.
    ("me cobraron comision", "es", "card-fees", 3),
    pytest.param(
        "no puedo activar la tarjeta",
        "es",
        "activate-card-and-pin",
        1,
        marks=pytest.mark.xfail(
            strict=True,
            reason=(
                "multilingual-e5-small puts 'La tarjeta no funciona' (card-declined) at 0.957 and 'Activar mi tarjeta' at 0.927; "
                "lexically, 'tarjeta' in seven fields of card-not-arrived-es outscores 'activar' + 'tarjeta' in one label field"
            ),
        ),
    ),
]


@pytest.mark.parametrize(("query", "locale", "article", "within"), AGENT_QUERIES)
def test_an_agents_everyday_query_finds_the_right_article(partner_api, query, locale, article, within):
    hits = ranked(partner_api, query, locale)
    found = [h["translation_of"] or h["id"] for h in hits]
    assert article in found[:within], (query, [(h["id"], h["score"]) for h in hits[:5]])


def suggestion(api, query: str, locale: str):
    server, headers = api
    response = server.client().get(
        "/api/search", params={"q": query, "locale": locale, "log": "false"}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()["suggestion"]


def test_did_you_mean_is_in_the_query_language(partner_api):
    # "passe" is a word of the French taxonomy ("mot de passe"); "pas" and "pause" are only nearer by frequency
    assert suggestion(partner_api, "j'ai oublie mon mot de pase", "fr") == "j'ai oublie mon mot de passe"
    # "donde" is a Spanish stop word and "descargo" meets "descargar": nothing to correct (was "donne descarga", French)
    assert suggestion(partner_api, "donde descargo mi factura", "es") is None
    assert suggestion(partner_api, "tarjta rechazada", "es") in (None, "tarjeta rechazada")
