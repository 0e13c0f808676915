"""Vectorized BM25F over a Whoosh index: postings read once, cached as numpy arrays, summed per query.

Whoosh scores posting by posting in Python (~15k postings for a ten-word query on 1k docs). Here
each (field, term) postings list becomes arrays of doc numbers and BM25 scores the first time it is
used; a query is then a few numpy additions over a dense score vector, and filters and facets are
boolean masks and bincounts. Scores are the same model Whoosh's BM25F computes: per field
BM25 (k1=1.2, b=0.75) times the field's boost, summed.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Iterable

import numpy as np

K1 = 1.2
B = 0.75
CACHE_TERMS = 50_000


class VectorScorer:
    """Per-generation caches of postings, field lengths and facet columns (read-only after building)."""

    def __init__(self, reader):
        self.reader = reader
        self.size = reader.doc_count_all()  # doc numbers run 0..size-1 across segments, deleted ones included
        self.live = reader.doc_count()
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._scores: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._lengths: dict[str, tuple[np.ndarray, float]] = {}
        self._codes: dict[str, tuple[np.ndarray, list[str]]] = {}
        self._lock = threading.Lock()

    def field_lengths(self, field: str) -> tuple[np.ndarray, float]:
        found = self._lengths.get(field)
        if found is None:
            lengths = np.fromiter((self.reader.doc_field_length(d, field, 0) for d in range(self.size)), dtype=np.float32, count=self.size)
            present = lengths[lengths > 0]
            average = float(present.mean()) if present.size else 1.0
            found = self._lengths[field] = (lengths, average)
        return found

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc numbers, term frequencies) of one term; empty arrays when the term is absent."""
        key = (field, term)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        ids: list[int] = []
        weights: list[float] = []
        for segment, offset in self.reader.leaf_readers():
            if key in segment:
                _read_postings(segment.postings(field, term), offset, ids, weights)
        found = (np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32))
        with self._lock:
            self._postings[key] = found
            if len(self._postings) > CACHE_TERMS:
                self._postings.popitem(last=False)
        return found

    def term_scores(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc numbers, BM25 score of the term in that field), computed once per generation."""
        key = ("\x00scores", field, term)
        found = self._scores.get(key)
        if found is not None:
            return found
        ids, tf = self.postings(field, term)
        if ids.size:
            lengths, average = self.field_lengths(field)
            df = ids.size
            idf = math.log(1 + (self.live - df + 0.5) / (df + 0.5))
            norm = K1 * (1 - B + B * lengths[ids] / average)
            found = (ids, (idf * tf * (K1 + 1) / (tf + norm)).astype(np.float32))
        else:
            found = (ids, tf)
        with self._lock:
            self._scores[key] = found
            if len(self._scores) > CACHE_TERMS:
                self._scores.pop(next(iter(self._scores)))
        return found

    def score(self, weighted_terms: Iterable[tuple[str, str, float]]) -> np.ndarray:
        scores = np.zeros(self.size, dtype=np.float32)
        for field, term, boost in weighted_terms:
            ids, values = self.term_scores(field, term)
            if ids.size:
                scores[ids] += boost * values  # ids are unique within one postings list
        return scores

    def mask(self, docnums: Iterable[int]) -> np.ndarray:
        found = np.zeros(self.size, dtype=bool)
        found[np.fromiter(docnums, dtype=np.int64)] = True
        return found

    def codes(self, column: str) -> tuple[np.ndarray, list[str]]:
        """A stored, sortable field as integer codes per doc plus the code -> value table."""
        found = self._codes.get(column)
        if found is None:
            reader = self.reader.column_reader(column)
            values: dict[str, int] = {}
            codes = np.fromiter((values.setdefault(reader[d], len(values)) for d in range(self.size)), dtype=np.int64, count=self.size)
            found = self._codes[column] = (codes, list(values))
        return found

    def counts(self, column: str, docnums: np.ndarray) -> dict[str, int]:
        codes, names = self.codes(column)
        tally = np.bincount(codes[docnums], minlength=len(names))
        return {names[i]: int(n) for i, n in enumerate(tally) if n}


def top(scores: np.ndarray, allowed: np.ndarray, limit: int) -> tuple[np.ndarray, int]:
    """Doc numbers of the best `limit` allowed matches (ties by doc number) and the number of matches."""
    matched = np.flatnonzero((scores > 0) & allowed)
    if matched.size > limit:
        part = np.argpartition(-scores[matched], limit - 1)[:limit]
        chosen = matched[part]
    else:
        chosen = matched
    order = np.lexsort((chosen, -scores[chosen]))
    return chosen[order], int(matched.size)


def matched_docs(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    return np.flatnonzero((scores > 0) & allowed)


def _read_postings(matcher, offset: int, ids: list[int], weights: list[float]) -> None:
    """Append a leaf matcher's postings, a whole block at a time when the codec allows (Whoosh W3).

    Deleted documents are read too (the deletion wrapper is peeled off): the caller's masks never allow them.
    """
    while type(matcher).__name__ == "FilterMatcher" and hasattr(matcher, "child"):
        matcher = matcher.child
    blockwise = all(hasattr(matcher, name) for name in ("_read_ids", "_read_weights", "_next_block", "_ids", "_weights"))
    while matcher.is_active():
        if blockwise and matcher._i == 0:
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            ids.extend(i + offset for i in matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
        else:
            ids.append(matcher.id() + offset)
            weights.append(matcher.weight())
            matcher.next()
