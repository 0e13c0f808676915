"""The spelling vocabulary behind "did you mean" finds exactly what Whoosh's Levenshtein automaton finds."""

from __future__ import annotations

import random
from pathlib import Path

from whoosh import index
from whoosh.fields import TEXT, Schema

from kbops.search.whoosh.analysis import spelling_analyzer
from kbops.search.whoosh.spelling import SpellingVocabulary, levenshtein

TEXTS = {
    "en": "Reset your password from the sign-in page. A declined card payment, a pending transfer, refunds, "
    "statements, exchange rates and the account limits. Passwords expire; passports verify identity.",
    "es": "Restablece tu contraseña. La tarjeta fue rechazada, la transferencia no llegó, el reembolso tarda "
    "cinco días hábiles; contraseñas, tarjetas y transferencias pendientes.",
}


def test_levenshtein_matches_the_textbook_distances():
    words = ["kitten", "sitting", "", "kitchen", "mitten", "kit", "kittens"]
    found = levenshtein("kitten", words, __import__("numpy").array([len(w) for w in words]))
    assert found.tolist() == [0, 3, 6, 2, 1, 3, 1]


def test_within_equals_whoosh_terms_within_across_segments(tmp_path: Path):
    schema = Schema(**{f"spell_{g}": TEXT(analyzer=spelling_analyzer(), phrase=False) for g in TEXTS})
    ix = index.create_in(str(tmp_path), schema)
    rng = random.Random(3)
    for part in range(2):  # two segments, as after an incremental update
        writer = ix.writer()
        for group, text in TEXTS.items():
            words = text.split()
            rng.shuffle(words)
            writer.add_document(**{f"spell_{group}": " ".join(words[part::2])})
        writer.commit(merge=False)
    with ix.reader() as reader:
        segments = [segment for segment, _ in reader.leaf_readers()]
        assert len(segments) == 2
        vocabulary = SpellingVocabulary((w for g in TEXTS for w in reader.field_terms(f"spell_{g}")), prefix=1)
        known = sorted({w for g in TEXTS for w in reader.field_terms(f"spell_{g}")})
        probes = [
            "pasword",
            "paswords",
            "passwrd",
            "contrasena",
            "contrasenas",
            "tarjta",
            "rechazda",
            "transfr",
            "refnds",
            "statemnts",
            "xpassword",
            "assword",
            "pa",
            "p",
        ] + known
        for word in probes:
            for maxdist in (1, 2):
                expected = {
                    t for s in segments for g in TEXTS for t in s.terms_within(f"spell_{g}", word, maxdist, prefix=1)
                }
                assert vocabulary.within(word, maxdist) == expected, (word, maxdist)
    assert vocabulary.within("pasword", 1) == {"password"}
    assert vocabulary.within("contrasena", 1) == {
        "contrasena",
        "contrasenas",
    }  # stored folded: "contraseña" has no accent there
