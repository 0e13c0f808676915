"""The Whoosh (whoosh-reloaded) lexical backend: per-language analyzers, vectorized BM25F over its postings."""

from __future__ import annotations

from kbops.search.whoosh.backend import WhooshBackend, WhooshIndex

__all__ = ["WhooshBackend", "WhooshIndex"]
