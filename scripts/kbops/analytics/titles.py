"""A clean proposed title for a new doc, from the phrasings readers typed ("Delete my account please. now!" ->
"Delete your account").

The phrasing that shares most stems with the others (the cluster's centre) is chosen, preferring short ones;
then punctuation, greetings, politeness and question scaffolding ("how do i", "can you") are removed, the
reader's "my"/"i" become the help centre's "your"/"you" (English), and the result is put in sentence case.
The word lists are data per language; a language without one keeps the phrasing, cleaned of punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# Phrases removed wherever they stand (whole words), longest first.
FILLER: dict[str, tuple[str, ...]] = {
    "en": (
        "thank you",
        "thanks",
        "please",
        "pls",
        "plz",
        "right now",
        "now",
        "asap",
        "urgently",
        "urgent",
        "immediately",
        "quickly",
        "hello",
        "hi",
        "hey",
        "help me",
        "help",
        "ok",
        "okay",
        "again",
        "just",
    ),
    "es": ("por favor", "gracias", "hola", "ayuda", "urgente", "ahora", "ya"),
    "fr": ("s'il vous plait", "s'il vous plaît", "svp", "merci", "bonjour", "aide", "urgent", "maintenant"),
}
# Openings removed at the start only: they make a question of what a title states.
OPENINGS: dict[str, tuple[str, ...]] = {
    "en": (
        "is it possible to",
        "is there a way to",
        "i would like to",
        "i'd like to",
        "i want to",
        "i need to",
        "i wish to",
        "how do i",
        "how can i",
        "how should i",
        "how to",
        "can i",
        "could i",
        "can you",
        "could you",
        "would you",
        "am i able to",
        "are you able to",
        "do you",
        "i have to",
        "i must",
        "what do i do to",
        "where can i",
        "where do i",
        "tell me how to",
        "show me how to",
        "explain how to",
        "want to know how to",
        "know how to",
        "want to know",
        "i",
        "so",
    ),
    "es": ("como puedo", "cómo puedo", "como", "cómo", "quiero", "necesito", "puedo", "me gustaria", "me gustaría"),
    "fr": ("comment puis-je", "comment", "je veux", "je voudrais", "est-ce que je peux", "puis-je"),
}
PRONOUNS: dict[str, dict[str, str]] = {
    "en": {"my": "your", "i": "you", "me": "you", "i'm": "you're", "mine": "yours", "myself": "yourself"}
}
MAX_WORDS = 12


def _words_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(p) for p in ordered) + r")(?![\w'])", re.IGNORECASE)


def clean_title(phrasing: str, language: str) -> str:
    """One reader phrasing as a title: no filler, no trailing punctuation, sentence case."""
    text = re.sub(r"[!?.,;:¿¡\"()\[\]…]+", " ", phrasing.lower())
    text = re.sub(r"\s+", " ", text).strip()
    filler = FILLER.get(language, ())
    if filler:
        text = _words_pattern(filler).sub(" ", text)
    openings = OPENINGS.get(language, ())
    if openings:
        opening = re.compile(
            r"^(?:" + "|".join(re.escape(o) for o in sorted(openings, key=len, reverse=True)) + r")(?![\w'])\s*"
        )
        for _ in range(3):  # "hi, i want to ..." -> "want to ..." -> ...
            text = opening.sub("", text.strip())
    swap = PRONOUNS.get(language)
    words = text.split()
    if swap:
        words = [swap.get(w, w) for w in words]
    words = [w for w in words if w.strip("-'")][:MAX_WORDS]
    if not words:
        return phrasing.strip()[:1].upper() + phrasing.strip()[1:]
    title = " ".join(words)
    return title[:1].upper() + title[1:]


def proposed_title(phrasings: Sequence[str], language: str, terms: Callable[[str], frozenset[str]]) -> str:
    """The cleaned central phrasing of a gap: most stems shared with the other phrasings, shortest on a tie."""
    candidates = list(phrasings[:12])
    if not candidates:
        return ""
    analysed = [terms(p) for p in candidates]

    def centrality(index: int) -> tuple[float, int]:
        own = analysed[index]
        shared = sum(
            len(own & other) / len(own | other) for j, other in enumerate(analysed) if j != index and own | other
        )
        title = clean_title(candidates[index], language)
        return (shared - 0.15 * max(0, len(title.split()) - 5), -len(title))

    best = max(range(len(candidates)), key=centrality)
    return clean_title(candidates[best], language)
