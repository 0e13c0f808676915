"""Per-language analysis: Snowball stemming, stop words, accent folding, synonyms."""

from __future__ import annotations

from kbops.search.text import SynonymTable, fold, language_group
from kbops.search.whoosh.analysis import query_terms


def flat(terms):
    return {t for variants in terms for t in variants}


def test_spanish_accent_folding_meets_stemming():
    assert flat(query_terms("contraseña", "es")) == flat(query_terms("contrasena", "es"))
    # The unaccented spelling meets one of the two variants indexed for the accented word.
    assert flat(query_terms("verificacion", "es")) & flat(query_terms("verificación", "es"))
    assert flat(query_terms("tarjetas rechazadas", "es")) == flat(query_terms("tarjeta rechazada", "es"))


def test_french_stemming_and_accents():
    assert flat(query_terms("remboursements", "fr")) == flat(query_terms("rembourser", "fr"))
    assert flat(query_terms("refusee", "fr")) & flat(query_terms("refusée", "fr"))
    assert flat(query_terms("débité", "fr")) == flat(query_terms("debite", "fr"))


def test_stop_words_are_dropped_with_or_without_accents():
    assert query_terms("¿Cómo está mi tarjeta?", "es") == query_terms("como esta tarjeta", "es")
    assert flat(query_terms("the card is declined", "en")) == {"card", "declin"}


def test_unknown_locale_folds_without_stemming():
    assert language_group("pt-BR", ("en", "es", "fr", "xx")) == "xx"
    assert flat(query_terms("Cartões", "xx")) == {"cartoes"}


def test_synonyms_add_the_other_phrases_of_a_group():
    table = SynonymTable([["top up", "top-up", "load", "add money"], ["declined", "rejected"]])
    assert table.alternatives("how do I ADD money") == ["top up", "top-up", "load"]
    assert table.alternatives("card rejected") == ["declined"]
    assert table.alternatives("nothing relevant") == []
    assert fold("Déclinée") == "declinee"


def test_fast_folding_paths_equal_the_character_table():
    """fold() and the snippets' offset-keeping fold skip per-character lookups where they can; same output."""
    import random

    from whoosh.support.charset import accent_map

    from kbops.search.snippets import _folded

    rng = random.Random(5)
    alphabet = [chr(code) for code in accent_map] + list("abcXYZ 09;.-—’İ")
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30)))
        assert fold(text) == text.lower().translate(accent_map), text
        table = text.translate(accent_map).lower()
        expected = table if len(table) == len(text) else text.lower() if len(text.lower()) == len(text) else text
        assert _folded(text) == expected, text
        assert len(_folded(text)) == len(text)
    assert _folded("Contraseña OLVIDÉE") == "contrasena olvidee" and fold("Ça COÛTE") == "ca coute"


def test_nouns_of_quality_do_not_meet_the_verb_they_share_a_stem_with():
    """Snowball cuts -idad / -ité: "actividad" (activity) met "activar" (activate), "seguridad" met "seguro"."""
    assert not flat(query_terms("actividad", "es")) & flat(query_terms("activar", "es"))
    assert not flat(query_terms("seguridad", "es")) & flat(query_terms("seguro", "es"))
    assert not flat(query_terms("activité", "fr")) & flat(query_terms("activer", "fr"))
    # the plural still meets the singular, with or without accents
    assert flat(query_terms("actividades", "es")) == flat(query_terms("actividad", "es"))
    assert flat(query_terms("sécurités", "fr")) == flat(query_terms("securite", "fr"))


def test_forms_of_poder_and_pouvoir_are_stop_words():
    assert query_terms("no puedo activar la tarjeta", "es") == query_terms("activar tarjeta", "es")
    assert query_terms("je ne peux pas activer ma carte", "fr") == query_terms("activer carte", "fr")
