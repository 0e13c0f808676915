"""Which language a passage is written in (lingua), so a translation that is still in its source language is caught."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from kbops.locale import languages

log = logging.getLogger(__name__)

# Written by `kb new --translation-of` on every field and passage still in the source language; lint KB812 reads them.
BODY_MARKER = "<!-- untranslated -->"
FIELD_MARKER = "# untranslated"

MIN_WORDS = 20  # below this a whole text is too short to judge reliably
MIN_PASSAGE_WORDS = 8  # passages shorter than this are not judged on their own (names, "OK", a step number)
CONFIDENT = 0.6  # a language must be at least this likely, among the candidates, to be called

_WORD = re.compile(r"[^\W\d_]{2,}")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+\.\w+")


@dataclass(frozen=True)
class Guess:
    language: str | None  # ISO 639-1 code, None when no candidate is likely enough or the text is too short
    confidence: float
    words: int


def words(text: str) -> int:
    return len(_WORD.findall(_URL.sub(" ", text)))


@lru_cache(maxsize=8)
def _detector(candidates: tuple[str, ...]):
    """One lingua detector per candidate set, built once per process; models load lazily on first use."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = []
    for code in candidates:
        try:
            codes.append(IsoCode639_1.from_str(code))
        except ValueError:
            log.info("lingua does not know the language %r; it is not a candidate", code)
    if len(codes) < 2:
        return None
    # low-accuracy mode uses trigram models only: 0.1 s to load instead of 1.5 s (the 1- to 5-gram models),
    # and as accurate on what lint judges (passages of 8+ words, bodies of 20+); see bench/README.md, "Lint (`bench/lint`)"
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build()


def candidates_for(locales: tuple[str, ...] | list[str], *more: str) -> tuple[str, ...]:
    """Primary language subtags of the configured locales (es-MX -> es), sorted, without duplicates."""
    return languages(locales, *more)


def measure(text: str) -> tuple[str, int]:
    """`text` as it is judged (without URLs and e-mail addresses) and its word count, before any detection."""
    cleaned = _URL.sub(" ", text)
    return cleaned, words(cleaned)


def guess_language(
    text: str, candidates: tuple[str, ...], min_words: int = MIN_WORDS, *, measured: tuple[str, int] | None = None
) -> Guess:
    """The most likely of the candidate languages for `text`, when it is likely enough (`measured`: measure(text))."""
    cleaned, count = measured or measure(text)
    detector = _detector(candidates)
    if detector is None or count < min_words:
        return Guess(None, 0.0, count)
    values = detector.compute_language_confidence_values(cleaned)
    if not values:
        return Guess(None, 0.0, count)
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    return Guess(code if best.value >= CONFIDENT else None, best.value, count)


LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
    "ca": "Catalan",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)
