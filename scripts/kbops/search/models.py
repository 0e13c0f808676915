"""The embedding model as the engine and the indexer use it: loaded once per process, fallback said once."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from kbops.search.config import SearchConfig

log = logging.getLogger(__name__)

_LOADED: dict[tuple, object] = {}
_LOCK = threading.Lock()


def embedder_for(config: SearchConfig, root: Path | None = None):
    """The configured embedder (loaded once per process), or None: model = "none", or no model available
    (kbops.search.embedding then says so once and search is lexical only)."""
    key = (
        config.model,
        config.model_threads,
        config.model_batch_size,
        config.model_max_length,
        config.query_max_length,
        config.query_prefix,
        config.passage_prefix,
        config.pooling,
        str(root) if root else None,
    )
    with _LOCK:
        if key not in _LOADED:
            from kbops.search.embedding import load_embedder

            _LOADED[key] = load_embedder(config, root=root)
        return _LOADED[key]


class QueryVectors:
    """Query embeddings with a small LRU cache (agents repeat queries; benchmarks too)."""

    def __init__(self, embedder, size: int = 2048):
        self.embedder = embedder
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vector(self, text: str) -> np.ndarray:
        with self._lock:
            found = self._cache.get(text)
            if found is not None:
                self._cache.move_to_end(text)
                return found
        found = np.asarray(self.embedder.embed_queries([text]), dtype=np.float32)[0]
        with self._lock:
            self._cache[text] = found
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return found
