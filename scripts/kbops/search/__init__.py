"""Search: hybrid (lexical + dense vectors) retrieval of publishable docs, audience-filtered, and its evaluation."""
from __future__ import annotations

from kbops.search.backend import SearchHit, SearchRequest, SearchResult
from kbops.search.engine import SearchEngine, search
from kbops.search.indexer import IndexReport, build_index

__all__ = ["IndexReport", "SearchEngine", "SearchHit", "SearchRequest", "SearchResult", "build_index", "search"]
