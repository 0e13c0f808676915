"""`kb search` over the fixture KB: ranking, languages, fallback, suggestions, facets, audiences."""

from __future__ import annotations

import json

import pytest

from tests.search.conftest import SECRET_WORDS, UNPUBLISHED_WORDS


def ids(result):
    return [hit.id for hit in result.hits]


@pytest.mark.parametrize(
    ("query", "locale", "expected"),
    [
        ("contrasena", "es", "restablecer-contrasena"),  # no accent finds "contraseña"
        ("olvide mi contrasena", "es", "restablecer-contrasena"),
        ("tarjetas rechazadas", "es", "tarjeta-rechazada"),  # plural finds singular
        ("devolucion", "es", "tarjeta-rechazada"),  # "devoluciones" in the text
        ("verificacion identidad", "es", "restablecer-contrasena"),
        ("carte refusee", "fr", "carte-refusee"),
        ("remboursement", "fr", "carte-refusee"),  # "remboursements" in the text
        ("declining payments", "en", "card-declined"),
        ("card rejected", "en", "card-declined"),  # taxonomy synonym of "declined"
        ("tarjeta declinada", "es", "tarjeta-rechazada"),  # taxonomy synonym of "rechazada"
    ],
)
def test_language_aware_matching_ranks_the_right_doc_first(engine, query, locale, expected):
    result = engine.search(query, locale=locale)
    assert ids(result)[:1] == [expected], (query, ids(result))
    assert not result.fallback


def test_title_match_outranks_body_mention(engine):
    assert ids(engine.search("card declined", locale="en"))[0] == "card-declined"


def test_fallback_to_other_languages_is_marked(engine):
    result = engine.search("contrasena", locale="en")
    assert result.fallback and ids(result) == ["restablecer-contrasena"]
    assert all(hit.fallback for hit in result.hits)


def test_did_you_mean_corrects_a_typo(engine):
    result = engine.search("pasword")
    assert result.suggestion == "password" and result.corrected
    assert ids(result)[0] == "reset-password"


def test_facets_count_every_visible_match(engine):
    result = engine.search("card", limit=1)
    assert len(result.hits) == 1 and result.total > 1
    assert sum(result.facets["audience"].values()) == result.total
    assert set(result.facets["locale"]) <= {"en", "es", "fr"}


def test_type_and_product_filters(engine):
    assert set(h.type for h in engine.search("card", type="article").hits) == {"article"}
    assert set(h.product for h in engine.search("card", product="payments").hits) == {"payments"}


@pytest.mark.parametrize("word", SECRET_WORDS)
def test_anonymous_never_sees_partner_or_internal_content(engine, word):
    public = engine.search(word, audience="public", limit=50)
    # A public doc may be a semantic neighbour of the word; nothing above public may show, not even the word.
    assert all(h.audience == "public" for h in public.hits) and set(public.facets.get("audience", {})) <= {"public"}
    assert public.total == len(public.hits)
    assert not any(word in f"{h.title} {h.snippet}".lower() for h in public.hits)
    assert not any(h.id in ("partner-refund-override", "kestrel-fraud-escalation") for h in public.hits)
    # not even a correction towards a hidden word
    typo = word[:-2] + word[-1] + word[-2]
    assert engine.search(typo, audience="public").suggestion is None
    assert engine.search(word, audience="internal").hits  # the word is really indexed


def test_suggestions_and_facets_come_only_from_visible_docs(engine):
    assert engine.search("kestral", audience="internal").suggestion == "kestrel"
    assert engine.search("kestral", audience="partner").suggestion is None
    assert engine.search("quarantin", audience="partner").hits
    facets = engine.search("payment", audience="public").facets
    assert set(facets["audience"]) == {"public"}
    assert "sop" not in facets["type"] and "playbook" not in facets["type"]
    for hit in engine.search("payment declined", audience="public", limit=50).hits:
        assert hit.audience == "public"
        assert not any(w in hit.snippet.lower() for w in SECRET_WORDS)


@pytest.mark.parametrize("word", UNPUBLISHED_WORDS)
def test_drafts_and_archived_docs_are_never_indexed(engine, word):
    hits = engine.search(word, audience="internal", limit=50).hits  # semantic neighbours may come; never the doc
    assert not any(word in f"{h.title} {h.snippet}".lower() for h in hits)
    assert not any(h.id in ("upcoming-zeppelin", "archived-fax") for h in hits)


def test_deprecated_docs_are_indexed_demoted_and_name_their_successor(engine):
    hits = engine.search("old card limits", limit=20).hits
    old = next(h for h in hits if h.id == "old-card-limits")
    assert (old.status, old.superseded_by) == ("deprecated", "card-declined")
    assert all(h.superseded_by == "" for h in hits if h.status != "deprecated")


def test_cli_json_is_a_list_of_hits(kb, indexed_kb):
    done = kb("search", "card declined", "--format", "json", "--limit", "2", cwd=indexed_kb)
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    assert isinstance(hits, list) and len(hits) == 2
    assert {"id", "title", "path", "score", "url", "snippet", "locale"} <= set(hits[0])
    assert hits[0]["id"] == "card-declined"


def test_cli_filters_by_audience(kb, indexed_kb):
    for word in ("kestrel", "quarantine"):  # the engine-level test above covers every word
        done = kb("search", word, "--format", "json", cwd=indexed_kb)
        assert done.returncode == 0 and json.loads(done.stdout) == []
    text = kb("search", "kestral", cwd=indexed_kb)
    assert text.returncode == 0 and "kestrel" not in text.stdout.lower() and "Did you mean" not in text.stdout
    internal = kb("search", "kestral", "--audience", "internal", cwd=indexed_kb)
    assert "showing results for 'kestrel'" in internal.stdout


def test_cli_text_shows_facets_and_fallback(kb, indexed_kb):
    done = kb("search", "contrasena", "--locale", "en", cwd=indexed_kb)
    assert "showing results in other languages" in done.stdout
    assert "Restablecer la contraseña" in done.stdout and "locale: es 1" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", "card", "--audience", "everyone"), "unknown audience"),
        (("search", "   "), "query is empty"),
        (("search", "x" * 300), "limit is 256"),
        (("search", "card", "--limit", "0"), "limit must be between"),
        (("search", "card", "--format", "xml"), "unknown format"),
    ],
)
def test_cli_usage_errors_exit_2(kb, indexed_kb, args, message):
    done = kb(*args, cwd=indexed_kb)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_search_without_index_is_a_clear_error(kb, fixture_kb):
    done = kb("search", "card", cwd=fixture_kb)
    assert done.returncode == 2 and "run `kb index` first" in done.stderr


def test_did_you_mean_comes_from_the_query_language_only(engine):
    """ "plafon" is 1-2 edits from the French "plafond": a French query is offered it, a Spanish one never is."""
    assert engine.search("plafon", locale="fr").suggestion == "plafond"
    spanish = engine.search("plafon", locale="es")
    assert spanish.suggestion is None or "plafond" not in spanish.suggestion


def test_a_word_another_language_knows_is_not_a_typo(engine):
    result = engine.search("contrasena", locale="en")
    assert result.suggestion is None and not result.corrected


def test_did_you_mean_keeps_the_query_as_typed_around_the_fix(engine):
    result = engine.search("¿pasword?", locale="en")
    assert result.suggestion == "¿password?" and result.corrected
