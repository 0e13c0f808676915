"""Text normalised for detection (NFKC, no zero-width characters, one kind of space) with a map back to the original.

Personal data is hidden by accident or on purpose: `4111 1111 1111 1111` written with NBSPs or zero-width
spaces, a full-width `＠`, `phone612345678`. Detectors run over the normalised text; every finding is
mapped back to the span of the original text, so lint reports the right line and scrubbing replaces
exactly what was written. Words glued to a value (`phone612345678`, `ibanES91…`) are handled by the
detectors, which accept those words right before a value.

The map is a list of segments. ASCII text (almost all of it) is copied verbatim in long runs, so
normalising an ASCII document costs one regex scan and no per-character Python work.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

# Characters that normalisation changes; everything else (plain ASCII, newlines) is copied as is. Every
# alternative starts with a tab or a non-ASCII character, so the engine skips plain ASCII text quickly.
# Runs of spaces are left alone: the detectors accept up to three separators between digit groups.
_SPACES = "\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SPECIAL = re.compile(
    r"(?P<invisible>[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff])"
    rf"|(?P<space>[{_SPACES}])"
    r"|(?P<mark>[\u0300-\u036f]+)"
    r"|(?P<other>[^\x00-\x7f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    r"\u2066-\u206f\ufeff\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u0300-\u036f]+)"
)


@dataclass(frozen=True)
class Normalised:
    """`text` normalised; `starts`/`origins`/`verbatim`/`ends` map its positions back to the original."""

    text: str
    starts: tuple[int, ...]  # start of each segment in `text`
    origins: tuple[int, ...]  # start of each segment in the original
    ends: tuple[int, ...]  # end of each segment in the original
    verbatim: tuple[bool, ...]  # copied unchanged (positions map one to one)

    def original_start(self, position: int) -> int:
        k = max(bisect_right(self.starts, position) - 1, 0)
        if self.verbatim[k]:
            return min(self.origins[k] + position - self.starts[k], self.ends[k])
        return self.origins[k]

    def original_end(self, position: int) -> int:
        """Original offset just after the normalised character at `position - 1`."""
        if position <= 0:
            return 0
        k = max(bisect_right(self.starts, position - 1) - 1, 0)
        if self.verbatim[k]:
            return min(self.origins[k] + position - self.starts[k], self.ends[k])
        return self.ends[k]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.original_start(start), self.original_end(end)


# A plain character class: the engine skips plain ASCII text at C speed. Runs it finds are mostly
# accented letters that normalisation leaves alone; only the others go through _SPECIAL.
_NON_PLAIN = re.compile(r"[^\x00-\x08\x0a-\x7f]+")
_CHANGED_IN_RUN = re.compile(
    r"[\t\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    r"\u2066-\u206f\ufeff\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u0300-\u036f]"
)


def _changes(text: str) -> Iterator[re.Match]:
    for run in _NON_PLAIN.finditer(text):
        value = run.group()
        if unicodedata.is_normalized("NFKC", value) and not _CHANGED_IN_RUN.search(value):
            continue  # accented letters, CJK...: unchanged, so they stay inside the verbatim text
        for match in _SPECIAL.finditer(text, run.start(), run.end()):
            if match.lastgroup == "other" and unicodedata.is_normalized("NFKC", match.group()):
                continue
            yield match


def _replacement(kind: str | None, value: str) -> str:
    if kind == "invisible":
        return ""
    if kind == "space":
        return " "
    folded = unicodedata.normalize("NFKC", value)
    if folded.isspace() and "\n" not in folded:
        return " "
    return folded


def normalise(text: str) -> Normalised:
    """NFKC, zero-width and bidi controls removed, NBSP, tabs and other spaces as one plain space."""
    parts: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    ends: list[int] = []
    verbatim: list[bool] = []
    length = 0
    last = 0

    def add(value: str, origin: int, end: int, same: bool) -> None:
        nonlocal length
        starts.append(length)
        origins.append(origin)
        ends.append(end)
        verbatim.append(same)
        parts.append(value)
        length += len(value)

    for match in _changes(text):
        start = match.start()
        if match.lastgroup == "mark" and start > last:
            start -= 1  # compose the marks with the plain letter before them (o + U+0308 = ö)
        if start > last:
            add(text[last:start], last, start, True)
        value = text[start : match.end()]
        replacement = _replacement(match.lastgroup, value)
        if replacement:
            # Same length (accented letters, full-width digits or `＠`): positions still map one to one.
            add(replacement, start, match.end(), len(replacement) == len(value))
        last = match.end()
    if last < len(text) or not parts:
        add(text[last:], last, len(text), True)
    return Normalised("".join(parts), tuple(starts), tuple(origins), tuple(ends), tuple(verbatim))
