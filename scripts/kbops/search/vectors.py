"""Dense vectors of each doc, stored beside the lexical index in each generation.

A doc has up to three kinds of vector (`KINDS`): its first heading-sized chunks (passages), its title +
description (a passage), and each of its `sample_queries` and of its intents' taxonomy labels in every
language (embedded as queries: a customer's question meets a question writers attached to the doc
query to query, and "Activar mi tarjeta" lets a Spanish question find an English-only doc). A doc's similarity to a query is its best
vector's cosine plus that kind's offset (`[tool.kbops.search] vector_offsets`).

`vectors.npz` holds, per vector, the key of its doc, its kind and the row of its L2-normalised embedding
(float16 on disk) in a matrix of distinct embeddings: an intent's taxonomy label is the same text on every
doc of that intent, so it is embedded once, stored once and compared with a query once (the synthetic 10k
corpus: 44,777 vectors, 16,321 distinct). The model name and dimension guard against mixing models. An incremental build copies the
vectors of unchanged docs from the previous generation and embeds only those of added or changed docs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kbops.search.records import IndexRecord

log = logging.getLogger(__name__)

VECTORS = "vectors.npz"
BATCH = 32
KINDS = ("chunk", "title", "question")  # the code of a vector's kind is its position here


@dataclass(frozen=True)
class ChunkVectors:
    """Every chunk's doc key and vector, grouped by doc (a doc's chunks are consecutive rows)."""

    model: str
    keys: np.ndarray  # (n,) str
    matrix: np.ndarray  # (m, d) float32, rows L2-normalised: the distinct embeddings
    kinds: np.ndarray | None = None  # (n,) int8 code in KINDS; None: every row a chunk (older generations)
    languages: np.ndarray | None = None  # (n,) str: "" = the doc's own language, else a taxonomy label's language
    rows: np.ndarray | None = None  # (n,) row of each vector in `matrix`; None: one row each (older generations)

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1]) if self.matrix.ndim == 2 else 0

    def row_of(self) -> np.ndarray:
        return self.rows if self.rows is not None else np.arange(len(self.keys))

    def expanded(self) -> np.ndarray:
        """(n, d): each vector's embedding, in `keys` order."""
        return self.matrix[self.row_of()]


def distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows in first-seen order, each row's index among them): byte-equal rows stored once."""
    if not len(matrix):
        return matrix, np.zeros(0, dtype=np.int32)
    flat = np.ascontiguousarray(matrix)
    _, first, inverse = np.unique(
        flat.view(np.dtype((np.void, flat.shape[1] * flat.itemsize))).ravel(), return_index=True, return_inverse=True
    )
    order = np.argsort(first)  # keep first-seen order: a generation's file does not depend on np.unique's sort
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return flat[first[order]], rank[inverse.ravel()].astype(np.int32)


def read_vectors(generation: Path) -> ChunkVectors | None:
    path = generation / VECTORS
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        kinds = data["kinds"].astype(np.int8) if "kinds" in data.files else None
        languages = data["languages"] if "languages" in data.files else None
        rows = data["rows"].astype(np.int64) if "rows" in data.files else None
        return ChunkVectors(str(data["model"]), data["keys"], data["matrix"].astype(np.float32), kinds, languages, rows)


def write_vectors(
    target: Path,
    embedder,
    upserts: Iterable[IndexRecord],
    deletes: Iterable[str],
    base: Path | None,
    progress: Callable[[int], None] | None = None,
    max_chunks: int = 1000,
    titles: bool = False,
    questions: bool = False,
) -> int:
    """Write `target/vectors.npz`: the base's vectors minus deleted/replaced docs, plus the upserts' vectors: the
    first `max_chunks` chunks, and with `titles` the title + description, with `questions` each sample query.

    Returns the number of texts embedded (0 when nothing changed but the copy).
    """
    upserts = list(upserts)
    dropped = set(deletes) | {r.key for r in upserts}
    old = read_vectors(base) if base is not None else None
    keep_keys: list[np.ndarray] = []
    keep_rows: list[np.ndarray] = []
    keep_kinds: list[np.ndarray] = []
    keep_langs: list[np.ndarray] = []
    if old is not None and old.model == embedder.name and old.dim == embedder.dim:
        keep = ~np.isin(old.keys, list(dropped)) if dropped else np.ones(len(old.keys), dtype=bool)
        keep_keys.append(old.keys[keep])
        keep_rows.append(old.expanded()[keep])
        keep_kinds.append(old.kinds[keep] if old.kinds is not None else np.zeros(int(keep.sum()), dtype=np.int8))
        keep_langs.append(
            old.languages[keep] if old.languages is not None else np.full(int(keep.sum()), "", dtype="<U8")
        )
    elif old is not None:
        assert base is not None  # `old` was read from `base`
        raise ValueError(f"{base / VECTORS} was made by {old.model!r}, not {embedder.name!r}: a full rebuild is needed")
    texts: list[str] = []  # passages, then queries
    owners: list[str] = []
    kinds: list[int] = []
    languages: list[str] = []  # "" = the doc's own language; a label's language otherwise
    asked: dict[tuple[str, str], str] = {}  # (owner, question) -> language
    for record in upserts:
        if is_landing_page(record.path):
            continue
        for passage in (record.chunks or (record.title,))[:max_chunks]:
            texts.append(passage)
            owners.append(record.key)
            kinds.append(0)
        if titles and record.chunks:  # a doc without chunks already has its title as its one vector
            texts.append(f"{record.title}. {record.description}" if record.description else record.title)
            owners.append(record.key)
            kinds.append(1)
        if questions:
            own = record.locale.split("-")[0].lower()
            for question in record.sample_queries:
                asked.setdefault((record.key, question.strip()), "")
            for language, label in record.intent_labels:
                asked.setdefault((record.key, label.strip()), "" if language == own else language)
    languages = [""] * len(texts)
    passages = len(texts)
    for (owner, question), language in asked.items():
        if question:
            texts.append(question)
            owners.append(owner)
            kinds.append(2)
            languages.append(language)
    vectors = _embed_distinct(embedder, texts, passages, progress)
    if texts:
        keep_keys.append(np.asarray(owners, dtype=str))
        keep_rows.append(vectors)
        keep_kinds.append(np.asarray(kinds, dtype=np.int8))
        keep_langs.append(np.asarray(languages, dtype="<U8"))
    dim = embedder.dim
    keys = np.concatenate(keep_keys) if keep_keys else np.zeros(0, dtype=str)
    matrix = np.concatenate(keep_rows) if keep_rows else np.zeros((0, dim), dtype=np.float32)
    kind_codes = np.concatenate(keep_kinds) if keep_kinds else np.zeros(0, dtype=np.int8)
    langs = np.concatenate(keep_langs) if keep_langs else np.zeros(0, dtype="<U8")
    distinct, rows = distinct_rows(matrix.astype(np.float16))
    tmp = target / (VECTORS + ".tmp.npz")
    np.savez(
        tmp,
        model=np.asarray(embedder.name),
        keys=keys.astype(str),
        matrix=distinct,
        rows=rows,
        kinds=kind_codes,
        languages=langs.astype(str),
    )
    tmp.replace(target / VECTORS)
    log.info("embedded %d texts (%d vectors kept from the previous generation)", len(texts), len(keys) - len(texts))
    return len(texts)


def _embed_distinct(embedder, texts: list[str], passages: int, progress: Callable[[int], None] | None) -> np.ndarray:
    """Vectors of `texts` (the first `passages` embedded as passages, the rest as queries), each distinct text
    embedded once: a label shared by a thousand docs costs one forward pass, not a thousand."""
    kinds = [(i < passages, text) for i, text in enumerate(texts)]
    distinct = list(dict.fromkeys(kinds))
    where = {item: n for n, item in enumerate(distinct)}
    found: list[np.ndarray] = []
    done = 0
    for is_passage in (True, False):
        todo = [text for passage, text in distinct if passage is is_passage]
        method = embedder.embed_passages if is_passage else embedder.embed_queries
        for start in range(0, len(todo), BATCH):
            found.append(np.asarray(method(todo[start : start + BATCH]), dtype=np.float32))
            done += len(todo[start : start + BATCH])
            if progress:
                progress(round(done * len(texts) / max(len(distinct), 1)))
    if not found:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    embedded = np.concatenate(found)
    return embedded[[where[item] for item in kinds]]


def is_landing_page(path: str) -> bool:
    """A section's index page (kb/index.md, kb/index.es.md, kb/agents/index.md): navigation that lists every
    topic, so its vectors resemble every query. It stays in the lexical index; it gets no vectors."""
    name = path.rsplit("/", 1)[-1]
    return name == "index.md" or (name.startswith("index.") and name.count(".") == 2 and name.endswith(".md"))


class VectorView:
    """Chunk vectors of one generation aligned with the lexical index's document numbers."""

    def __init__(self, vectors: ChunkVectors, doc_keys: list[str], size: int):
        position = {key: number for number, key in enumerate(doc_keys) if key}
        docnums = np.fromiter(
            (position.get(k, -1) for k in vectors.keys.tolist()), dtype=np.int64, count=len(vectors.keys)
        )
        present = docnums >= 0  # vectors of docs the lexical index does not hold (never expected) are ignored
        rows = np.flatnonzero(present)[np.argsort(docnums[present], kind="stable")]
        self.matrix = vectors.matrix  # the distinct embeddings: a shared label is compared with a query once
        self.row = vectors.row_of()[rows]
        self.chunk_doc = docnums[rows]
        kinds = vectors.kinds if vectors.kinds is not None else np.zeros(len(vectors.keys), dtype=np.int8)
        self.kinds = kinds[rows]
        self.languages = (
            vectors.languages[rows] if vectors.languages is not None else np.full(len(rows), "", dtype="<U8")
        )
        self._offsets: dict[tuple[float, ...], np.ndarray | None] = {}
        self._foreign: dict[str, np.ndarray | None] = {}
        self.size = size
        self.model = vectors.model
        if len(self.chunk_doc):
            starts = np.flatnonzero(np.r_[True, self.chunk_doc[1:] != self.chunk_doc[:-1]])
        else:
            starts = np.zeros(0, dtype=np.int64)
        self.starts = starts
        self.segment_doc = self.chunk_doc[starts] if len(starts) else np.zeros(0, dtype=np.int64)

    def similarities(
        self, query: np.ndarray, allowed: np.ndarray, offsets: tuple[float, ...] = (), language: str | None = None
    ) -> np.ndarray:
        """Best vector's cosine per doc (plus its kind's offset, `offsets[code]`), for allowed docs only; -inf
        elsewhere (hidden docs take no part). With `language` (the query's), a taxonomy label in a third language
        takes no part: short labels in any language sit close to any short question, and only add noise."""
        found = np.full(self.size, -np.inf, dtype=np.float32)
        if not len(self.starts):
            return found
        # numpy's own single-threaded SIMD loop, not BLAS: a multi-threaded sgemv spins for its threads, which on a
        # shared machine costs 2-3x the CPU and wall time of one thread for this memory-bound product.
        sims = np.einsum("ij,j->i", self.matrix, query.astype(np.float32, copy=False))[self.row]
        per_row = self._row_offsets(tuple(offsets))
        if per_row is not None:
            sims += per_row
        foreign = self._third_language(language) if language else None
        if foreign is not None:
            sims[foreign] = -np.inf
        best = np.maximum.reduceat(sims, self.starts)
        docs = self.segment_doc
        keep = allowed[docs]
        found[docs[keep]] = best[keep]
        return found

    def _third_language(self, language: str) -> np.ndarray | None:
        """Rows of labels in neither the doc's language nor `language` (None when there are none)."""
        if language not in self._foreign:
            found = (self.languages != "") & (self.languages != language)
            self._foreign[language] = np.flatnonzero(found) if found.any() else None
        return self._foreign[language]

    def _row_offsets(self, offsets: tuple[float, ...]) -> np.ndarray | None:
        """Each row's kind offset (None when all are 0), computed once per setting."""
        if offsets not in self._offsets:
            table = np.zeros(len(KINDS), dtype=np.float32)
            table[: len(offsets)] = offsets[: len(KINDS)]
            self._offsets[offsets] = table[self.kinds] if table.any() and len(self.kinds) else None
        return self._offsets[offsets]
