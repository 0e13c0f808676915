"""Dense vectors of heading-sized chunks, stored beside the lexical index in each generation.

`vectors.npz` holds, per chunk, the key of its doc and its L2-normalised embedding (float16 on disk);
the model name and dimension guard against mixing models. An incremental build copies the vectors of
unchanged docs from the previous generation and embeds only the chunks of added or changed docs.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

import numpy as np

from kbops.search.records import IndexRecord

log = logging.getLogger(__name__)

VECTORS = "vectors.npz"
BATCH = 32


@dataclass(frozen=True)
class ChunkVectors:
    """Every chunk's doc key and vector, grouped by doc (a doc's chunks are consecutive rows)."""

    model: str
    keys: np.ndarray  # (n,) str
    matrix: np.ndarray  # (n, d) float32, rows L2-normalised

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1]) if self.matrix.ndim == 2 else 0


def read_vectors(generation: Path) -> Optional[ChunkVectors]:
    path = generation / VECTORS
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        return ChunkVectors(str(data["model"]), data["keys"], data["matrix"].astype(np.float32))


def write_vectors(
    target: Path,
    embedder,
    upserts: Iterable[IndexRecord],
    deletes: Iterable[str],
    base: Optional[Path],
    progress: Optional[Callable[[int], None]] = None,
    max_chunks: int = 1000,
) -> int:
    """Write `target/vectors.npz`: the base's vectors minus deleted/replaced docs, plus the upserts' chunks.

    Returns the number of chunks embedded (0 when nothing changed but the copy).
    """
    upserts = list(upserts)
    dropped = set(deletes) | {r.key for r in upserts}
    old = read_vectors(base) if base is not None else None
    keep_keys: list[np.ndarray] = []
    keep_rows: list[np.ndarray] = []
    if old is not None and old.model == embedder.name and old.dim == embedder.dim:
        keep = ~np.isin(old.keys, list(dropped)) if dropped else np.ones(len(old.keys), dtype=bool)
        keep_keys.append(old.keys[keep])
        keep_rows.append(old.matrix[keep])
    elif old is not None:
        raise ValueError(f"{base / VECTORS} was made by {old.model!r}, not {embedder.name!r}: a full rebuild is needed")
    texts: list[str] = []
    owners: list[str] = []
    for record in upserts:
        if is_landing_page(record.path):
            continue
        for passage in (record.chunks or (record.title,))[:max_chunks]:
            texts.append(passage)
            owners.append(record.key)
    vectors: list[np.ndarray] = []
    for start in range(0, len(texts), BATCH):
        vectors.append(np.asarray(embedder.embed_passages(texts[start:start + BATCH]), dtype=np.float32))
        if progress:
            progress(min(start + BATCH, len(texts)))
    if vectors:
        keep_keys.append(np.asarray(owners, dtype=str))
        keep_rows.append(np.concatenate(vectors))
    dim = embedder.dim
    keys = np.concatenate(keep_keys) if keep_keys else np.zeros(0, dtype=str)
    matrix = np.concatenate(keep_rows) if keep_rows else np.zeros((0, dim), dtype=np.float32)
    tmp = target / (VECTORS + ".tmp.npz")
    np.savez(tmp, model=np.asarray(embedder.name), keys=keys.astype(str), matrix=matrix.astype(np.float16))
    tmp.replace(target / VECTORS)
    log.info("embedded %d chunks (%d kept from the previous generation)", len(texts), len(keys) - len(texts))
    return len(texts)


def is_landing_page(path: str) -> bool:
    """A section's index page (kb/index.md, kb/index.es.md, kb/agents/index.md): navigation that lists every
    topic, so its vectors resemble every query. It stays in the lexical index; it gets no vectors."""
    name = path.rsplit("/", 1)[-1]
    return name == "index.md" or (name.startswith("index.") and name.count(".") == 2 and name.endswith(".md"))


class VectorView:
    """Chunk vectors of one generation aligned with the lexical index's document numbers."""

    def __init__(self, vectors: ChunkVectors, doc_keys: list[str], size: int):
        position = {key: number for number, key in enumerate(doc_keys) if key}
        docnums = np.fromiter((position.get(k, -1) for k in vectors.keys.tolist()), dtype=np.int64, count=len(vectors.keys))
        present = docnums >= 0  # vectors of docs the lexical index does not hold (never expected) are ignored
        rows = np.flatnonzero(present)[np.argsort(docnums[present], kind="stable")]
        self.matrix = np.ascontiguousarray(vectors.matrix[rows])  # one copy (25 MB at 10k docs), not two
        self.chunk_doc = docnums[rows]
        self.size = size
        self.model = vectors.model
        if len(self.chunk_doc):
            starts = np.flatnonzero(np.r_[True, self.chunk_doc[1:] != self.chunk_doc[:-1]])
        else:
            starts = np.zeros(0, dtype=np.int64)
        self.starts = starts
        self.segment_doc = self.chunk_doc[starts] if len(starts) else np.zeros(0, dtype=np.int64)

    def similarities(self, query: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """Best chunk cosine per doc, for allowed docs only; -inf elsewhere (hidden docs take no part)."""
        found = np.full(self.size, -np.inf, dtype=np.float32)
        if not len(self.starts):
            return found
        # numpy's own single-threaded SIMD loop, not BLAS: a multi-threaded sgemv spins for its threads, which on a
        # shared machine costs 2-3x the CPU and wall time of one thread for this memory-bound product.
        sims = np.einsum("ij,j->i", self.matrix, query.astype(np.float32, copy=False))
        best = np.maximum.reduceat(sims, self.starts)
        docs = self.segment_doc
        keep = allowed[docs]
        found[docs[keep]] = best[keep]
        return found
