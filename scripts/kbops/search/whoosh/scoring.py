"""Vectorized BM25F over a Whoosh index: postings read once, cached as numpy arrays, summed per query.

Whoosh scores posting by posting in Python (~15k postings for a ten-word query on 1k docs). Here
each (field, term) postings list becomes arrays of doc numbers and term frequencies the first time it
is used; a query is then a few numpy operations over a dense score vector, and filters and facets are
boolean masks and bincounts. The model: per field BM25 (k1, and b per field from the configuration)
times the field's boost, summed, with collection statistics restricted to the caller's audience.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np

CACHE_TERMS = 50_000


class VectorScorer:
    """Per-generation caches of postings, field lengths and facet columns (read-only after building)."""

    def __init__(self, reader):
        self.reader = reader
        self.size = reader.doc_count_all()  # doc numbers run 0..size-1 across segments, deleted ones included
        self.live = reader.doc_count()
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._averages: dict[tuple[str, object], tuple[float, int]] = {}
        self._lengths: dict[str, tuple[np.ndarray, float]] = {}
        self._codes: dict[str, tuple[np.ndarray, list[str]]] = {}
        self._lock = threading.Lock()

    def field_lengths(self, field: str) -> tuple[np.ndarray, float]:
        found = self._lengths.get(field)
        if found is None:
            lengths = _column_lengths(self.reader, field, self.size)
            if lengths is None:  # not the W3 codec's layout: one call per doc
                lengths = np.fromiter(
                    (self.reader.doc_field_length(d, field, 0) for d in range(self.size)),
                    dtype=np.float32,
                    count=self.size,
                )
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
        id_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        for segment, offset in self.reader.leaf_readers():
            if key in segment:
                _read_postings(segment.postings(field, term), offset, id_parts, weight_parts)
        if id_parts:
            found = (
                np.concatenate(id_parts).astype(np.int64, copy=False),
                np.concatenate(weight_parts).astype(np.float32, copy=False),
            )
        else:
            found = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        with self._lock:
            self._postings[key] = found
            if len(self._postings) > CACHE_TERMS:
                self._postings.popitem(last=False)
        return found

    def _field_statistics(self, field: str, collection: np.ndarray, collection_key: object) -> tuple[float, int]:
        """(average length, number of docs) of the collection's docs that have the field."""
        key = (field, collection_key)
        found = self._averages.get(key)
        if found is None:
            lengths, _ = self.field_lengths(field)
            present = lengths[collection & (lengths > 0)]
            found = self._averages[key] = (float(present.mean()) if present.size else 1.0, int(present.size))
        return found

    def score(
        self,
        weighted_terms: Iterable[tuple[str, str, float, float]],
        collection: np.ndarray,
        collection_key: object,
        k1: float = 1.2,
    ) -> np.ndarray:
        """BM25F scores of every doc, with document frequencies, lengths and counts taken from `collection` only.

        `collection` is the caller's audience: statistics never depend on documents the caller may not
        see, so scores leak nothing about them, and each audience ranks as if its docs were the whole index.
        """
        scores = np.zeros(self.size, dtype=np.float32)
        for field, term, boost, b in weighted_terms:
            ids, tf = self.postings(field, term)
            if not ids.size:
                continue
            visible = collection[ids]
            df = int(visible.sum())
            if not df:
                continue
            ids, tf = ids[visible], tf[visible]
            lengths, _ = self.field_lengths(field)
            average, total = self._field_statistics(field, collection, collection_key)
            # N is the docs that have the field (Lucene's docCount), not the whole collection: body_es exists only in
            # Spanish docs, and counting the English ones made "tarjeta", in nearly every Spanish doc, look rare.
            idf = math.log(1 + (max(total, df) - df + 0.5) / (df + 0.5))
            norm = k1 * (1 - b + b * lengths[ids] / average)
            scores[ids] += boost * idf * tf * (k1 + 1) / (tf + norm)  # ids are unique within one postings list
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
            codes = np.fromiter(
                (values.setdefault(reader[d], len(values)) for d in range(self.size)), dtype=np.int64, count=self.size
            )
            found = self._codes[column] = (codes, list(values))
        return found


def _column_lengths(reader, field: str, size: int) -> np.ndarray | None:
    """Every doc's length of `field`, as `reader.doc_field_length(d, field, 0)` gives it (NaN where Whoosh's
    length byte is 0, as that method then returns None), read as one block per segment.

    Whoosh W3 keeps a field's lengths as a column of one byte per doc (a logarithmic code); reading it
    doc by doc costs ~8 us a call, 1-2 s for the ~20 text fields of a 10k-doc index on its first query.
    None when a segment is not laid out that way (another codec or Whoosh version): the caller loops.
    """
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        table = np.asarray(byte_to_length.__self__, dtype=np.float32)  # the code -> length table (256 entries)
        table[0] = np.nan
        lengths = np.zeros(size, dtype=np.float32)
        for segment, offset in reader.leaf_readers():
            column = segment._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            if column is None:
                continue  # no doc of this segment has the field: doc_field_length gives the default, 0
            if column._fixedlen != 1 or column._typecode != "B" or table.shape != (256,):
                return None
            count = min(column._count, segment.doc_count_all())
            codes = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
            lengths[offset : offset + segment.doc_count_all()] = np.nan  # docs past the column's end: code 0
            lengths[offset : offset + count] = table[codes]
        return lengths
    except (ImportError, AttributeError, TypeError, ValueError):
        return None


def _read_postings(matcher, offset: int, id_parts: list, weight_parts: list) -> None:
    """Append a leaf matcher's postings as arrays, a whole block at a time when the codec allows (Whoosh W3).

    Deleted documents are read too (the deletion wrapper is peeled off): the caller's masks never allow them.
    """
    while type(matcher).__name__ == "FilterMatcher" and hasattr(matcher, "child"):
        matcher = matcher.child
    blockwise = all(
        hasattr(matcher, name) for name in ("_read_ids", "_read_weights", "_next_block", "_ids", "_weights")
    )
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        if blockwise and matcher._i == 0:
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            id_parts.append(np.asarray(matcher._ids, dtype=np.int64) + offset)
            weight_parts.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
        else:
            ids.append(matcher.id() + offset)
            weights.append(matcher.weight())
            matcher.next()
    if ids:
        id_parts.append(np.asarray(ids, dtype=np.int64))
        weight_parts.append(np.asarray(weights, dtype=np.float32))
