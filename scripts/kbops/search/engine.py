"""The one search entry point shared by the CLI, the API server, `kb eval` and the benchmarks."""
from __future__ import annotations

import logging
import threading
from typing import Optional

from kbops.config import Settings
from kbops.errors import UsageError
from kbops.model.taxonomy import load_taxonomy
from kbops.publishing import ANONYMOUS_AUDIENCE, require_audience
from kbops.search.backend import IndexSearcher, SearchRequest, SearchResult, get_backend
from kbops.search.config import SearchConfig, search_config
from kbops.search.indexer import index_root
from kbops.search.store import IndexStore

log = logging.getLogger(__name__)


class SearchEngine:
    """Searches the live index generation; follows `kb index` swaps without a restart.

    Each call checks where `current` points (one readlink) and reopens when it moved, so a reader
    always works on one complete generation. Older generations stay on disk for slow readers.
    """

    def __init__(self, settings: Settings, config: Optional[SearchConfig] = None):
        self.settings = settings
        self.config = config or search_config(settings)
        self.store = IndexStore(index_root(settings))
        self.backend = get_backend(self.config.backend)
        taxonomy = load_taxonomy(settings.taxonomy_path) if settings.taxonomy_path.is_file() else None
        self.synonyms = dict(taxonomy.synonyms) if taxonomy else {}
        self._searcher: Optional[IndexSearcher] = None
        self._generation: Optional[str] = None
        self._lock = threading.Lock()

    def searcher(self) -> IndexSearcher:
        generation = self.store.require_current()
        with self._lock:
            if self._searcher is None or generation.name != self._generation:
                for attempt in range(3):
                    try:
                        opened = self.backend.open(generation, self.config, self.synonyms)
                        break
                    except FileNotFoundError:
                        # Pruned between readlink and open (a reader several generations behind): look again.
                        if attempt == 2:
                            raise
                        generation = self.store.require_current()
                old, self._searcher, self._generation = self._searcher, opened, generation.name
                if old is not None:
                    old.close()
            return self._searcher

    @property
    def generation(self) -> Optional[str]:
        return self._generation

    def request(
        self, query: str, audience: str = ANONYMOUS_AUDIENCE, locale: Optional[str] = None, type: Optional[str] = None,
        product: Optional[str] = None, limit: Optional[int] = None, **options,
    ) -> SearchRequest:
        """Validate caller input into a request (raises UsageError with a clear message)."""
        query = (query or "").strip()
        if not query:
            raise UsageError("the search query is empty")
        if len(query) > self.config.max_query_length:
            raise UsageError(f"the query is {len(query)} characters long; the limit is {self.config.max_query_length}")
        require_audience(audience)
        limit = self.config.default_limit if limit is None else limit
        if not 1 <= limit <= self.config.max_limit:
            raise UsageError(f"limit must be between 1 and {self.config.max_limit}, got {limit}")
        if locale is not None and not locale.replace("-", "").isalpha():
            raise UsageError(f"invalid locale {locale!r}; expected a code such as en, es or fr")
        return SearchRequest(query=query, audience=audience, locale=locale or None, type=type or None,
                             product=product or None, limit=limit, **options)

    def search(self, query: str, **kwargs) -> SearchResult:
        return self.searcher().search(self.request(query, **kwargs))

    def run(self, request: SearchRequest) -> SearchResult:
        return self.searcher().search(request)

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None


def search(settings: Settings, query: str, **kwargs) -> SearchResult:
    """One-shot search (the CLI): open the live index, run the query, close."""
    engine = SearchEngine(settings)
    try:
        return engine.search(query, **kwargs)
    finally:
        engine.close()
