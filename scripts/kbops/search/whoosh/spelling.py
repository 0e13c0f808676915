"""Spelling candidates for "did you mean": the words of the spelling fields within a few edits of a word.

Whoosh answers `terms_within` by building a Levenshtein automaton in pure Python for every word and
field (3-4 ms each) and walking each field's term list with it; on an index of more than one segment
(after any incremental update) it scans every term that shares the prefix instead. Both cost tens
of milliseconds per misspelled word on a 10k-doc index, which made "did you mean" the slowest part of
a query. Here the spelling vocabulary of every language group and segment is read once per
generation, bucketed by its first characters, and the edit distance from a word to all the bucket's
words of a near length is computed at once with numpy.

The answer is the one the automaton gives: the words whose first `prefix` characters equal the word's
and whose remainders are within `maxdist` Levenshtein edits (insert, delete, substitute) of each other.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class SpellingVocabulary:
    def __init__(self, words: Iterable[str], prefix: int = 1):
        self.prefix = prefix
        buckets: dict[str, list[str]] = {}
        for word in set(words):
            buckets.setdefault(word[:prefix], []).append(word)
        self._buckets: dict[str, tuple[list[str], np.ndarray]] = {}
        for head, members in buckets.items():
            members.sort()
            self._buckets[head] = (members, np.fromiter(map(len, members), dtype=np.int32, count=len(members)))
        self.size = sum(len(members) for members in buckets.values())

    def within(self, word: str, maxdist: int) -> set[str]:
        """Every known word within `maxdist` edits of `word` (the word itself included when known)."""
        found = self._buckets.get(word[: self.prefix]) if len(word) >= self.prefix else None
        if found is None:
            return set()
        members, lengths = found
        near = np.flatnonzero(np.abs(lengths - len(word)) <= maxdist)
        if not near.size:
            return set()
        tails = [members[i][self.prefix :] for i in near.tolist()]
        distances = levenshtein(word[self.prefix :], tails, lengths[near] - self.prefix)
        return {members[i] for i in near[distances <= maxdist].tolist()}


def levenshtein(word: str, others: list[str], lengths: np.ndarray) -> np.ndarray:
    """Levenshtein distance from `word` to each of `others` (their lengths given), all at once.

    The classic dynamic programme, one row per character of `word`, each row computed for every
    other word together; within a row, insertions are a running minimum (cur[j] = min_k cand[k] + j - k).
    """
    count = len(others)
    width = int(lengths.max()) if count else 0
    if not count:
        return np.zeros(0, dtype=np.int32)
    # Code points, padded with NUL (never a word character; padding is never read for a word's own distance).
    codes = np.frombuffer("".join(other.ljust(width, "\0") for other in others).encode("utf-32-le"), dtype=np.int32)
    codes = codes.reshape(count, width)
    steps = np.arange(width + 1, dtype=np.int32)
    previous = np.broadcast_to(steps, (count, width + 1))
    candidate = np.empty((count, width + 1), dtype=np.int32)
    for row, char in enumerate(word, 1):
        candidate[:, 0] = row
        np.minimum(previous[:, :-1] + (codes != ord(char)), previous[:, 1:] + 1, out=candidate[:, 1:])
        previous = np.minimum.accumulate(candidate - steps, axis=1) + steps
    return previous[np.arange(count), lengths]
