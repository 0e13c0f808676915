"""Language notions every backend shares: accent folding, locale -> analyzer group, taxonomy synonyms."""

from __future__ import annotations

import re
from collections.abc import Iterable

from kbops.locale import language_of
from kbops.search.folding import accent_map

FALLBACK_GROUP = "xx"  # analyzer group for locales without a Snowball stemmer: no stemming, folding only


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Contraseña" and "contrasena" compare equal."""
    lowered = text.lower()
    # accent_map maps ASCII letters only to their lower case: an ASCII text needs no per-character lookups.
    return lowered if lowered.isascii() else lowered.translate(accent_map)


def language_group(locale: str, groups: Iterable[str]) -> str:
    """The analyzer group of a BCP-47 locale ("es-MX" -> "es"), or the fallback group."""
    base = language_of(locale)
    return base if base in set(groups) else FALLBACK_GROUP


def analyzer_groups(locales: Iterable[str]) -> tuple[str, ...]:
    """Every analyzer group the index needs: one per configured language, plus the fallback group."""
    seen: list[str] = []
    for locale in locales:
        base = language_of(locale)
        if base not in seen and base != FALLBACK_GROUP:
            seen.append(base)
    return (*seen, FALLBACK_GROUP)


class SynonymTable:
    """Taxonomy synonym groups of one language: a phrase in the query brings in its group's other phrases."""

    def __init__(self, groups: Iterable[Iterable[str]]):
        self.groups = [tuple(dict.fromkeys(fold(p).strip() for p in group if str(p).strip())) for group in groups]

    def alternatives(self, query: str) -> list[str]:
        """Phrases to add to `query` (not already in it), in group order."""
        folded = " " + " ".join(re.findall(r"\w+", fold(query))) + " "
        extra: list[str] = []
        for group in self.groups:
            present = [p for p in group if f" {' '.join(re.findall(chr(92) + 'w+', p))} " in folded]
            if present:
                extra.extend(p for p in group if p not in present and p not in extra)
        return extra


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, for ranking spelling candidates."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
