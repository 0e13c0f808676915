"""The embedding model as the engine and the indexer use it: loaded once per process, fallback said once."""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import numpy as np

from kbops.search.config import SearchConfig

log = logging.getLogger(__name__)

_LOADED: dict[tuple, object] = {}
_WARNED: set[tuple] = set()
_LOCK = threading.Lock()


def embedder_for(config: SearchConfig, root: Optional[Path] = None):
    """The configured embedder, or None (embeddings off, or no model available: lexical search, logged once)."""
    if not config.embeddings:
        return None
    model_dir = config.model_dir
    if model_dir and root is not None and not Path(model_dir).is_absolute():
        model_dir = str((root / model_dir).resolve())
    key = (model_dir,)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        embedder = None
        reason = ""
        try:
            from kbops.search.embedding import load_embedder

            embedder = load_embedder(config.model_copy(update={"model_dir": model_dir}))
        except ImportError as exc:
            reason = f" ({exc})"
        if embedder is None and key not in _WARNED:
            _WARNED.add(key)
            log.warning("no embedding model available%s%s: search is lexical only",
                        f" in {model_dir}" if model_dir else "", reason)
        _LOADED[key] = embedder
        return embedder


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
