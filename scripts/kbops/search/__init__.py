"""Search: hybrid (lexical + dense vectors) retrieval of publishable docs, audience-filtered, and its evaluation."""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use (PEP 562): reading `[tool.kbops.search]` (kbops.search.config) at start-up must not
# load the index, the backends and the embedding model's runtime.
_EXPORTS = {
    "SearchHit": "kbops.search.backend",
    "SearchRequest": "kbops.search.backend",
    "SearchResult": "kbops.search.backend",
    "SearchEngine": "kbops.search.engine",
    "search": "kbops.search.engine",
    "IndexReport": "kbops.search.indexer",
    "build_index": "kbops.search.indexer",
}
__all__ = ["IndexReport", "SearchEngine", "SearchHit", "SearchRequest", "SearchResult", "build_index", "search"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
