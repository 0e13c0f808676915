"""The small interface every search engine implements, and the request/result types callers use.

Callers (CLI, server, eval, benchmarks) only see `SearchRequest` -> `SearchResult`; the index store
only asks a backend to write a generation directory and to open one for reading. Another engine
(e.g. Tantivy) plugs in by implementing `SearchBackend` and registering it in `BACKENDS`.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from kbops.publishing import ANONYMOUS_AUDIENCE, visible_audiences
from kbops.search.config import SearchConfig
from kbops.search.records import IndexRecord

FACETS = ("type", "product", "locale", "audience")


@dataclass(frozen=True)
class SearchRequest:
    """What a caller asks. `visible` is filled from `audience` by kbops.publishing (UsageError for an unknown
    audience): backends filter on it and never rebuild the audience hierarchy themselves."""

    query: str
    audience: str = ANONYMOUS_AUDIENCE
    locale: Optional[str] = None  # None: every language, each analyzed with its own analyzer
    type: Optional[str] = None
    product: Optional[str] = None
    limit: int = 10
    snippets: bool = True
    facets: bool = True
    fallback: bool = True  # search other languages when the requested one has no hit
    visible: tuple[str, ...] = field(init=False)  # audiences whose docs the caller may see

    def __post_init__(self) -> None:
        object.__setattr__(self, "visible", visible_audiences(self.audience))


@dataclass(frozen=True)
class SearchHit:
    id: str
    title: str
    path: str
    url: str
    score: float
    snippet: str  # HTML: text escaped, matches wrapped in <mark>
    locale: str
    type: str
    product: str
    audience: str
    status: str
    fallback: bool = False  # from another language than the one asked for


@dataclass(frozen=True)
class SearchResult:
    query: str
    audience: str
    locale: Optional[str]
    hits: tuple[SearchHit, ...]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: Optional[str] = None  # "did you mean", from terms of docs the audience may see
    corrected: bool = False  # hits are for `suggestion` because the query itself had none
    fallback: bool = False  # hits come from other languages than `locale`

    def to_dict(self) -> dict:
        return {
            "query": self.query, "audience": self.audience, "locale": self.locale, "total": self.total,
            "suggestion": self.suggestion, "corrected": self.corrected, "fallback": self.fallback,
            "facets": self.facets, "hits": [hit_dict(h) for h in self.hits],
        }


def hit_dict(hit: SearchHit) -> dict:
    return {
        "id": hit.id, "title": hit.title, "path": hit.path, "url": hit.url, "score": hit.score,
        "snippet": hit.snippet, "locale": hit.locale, "type": hit.type, "product": hit.product,
        "audience": hit.audience, "status": hit.status, "fallback": hit.fallback,
    }


class IndexSearcher(abc.ABC):
    """An open, read-only view of one index generation."""

    @abc.abstractmethod
    def search(self, request: SearchRequest) -> SearchResult: ...

    @abc.abstractmethod
    def doc_count(self) -> int: ...

    def close(self) -> None:  # pragma: no cover - default no-op
        return None


class SearchBackend(abc.ABC):
    """Writes index generations and opens them for searching."""

    name: str = ""

    @abc.abstractmethod
    def write(
        self,
        target: Path,
        upserts: Iterable[IndexRecord],
        deletes: Iterable[str],
        base: Optional[Path],
        locales: tuple[str, ...],
        progress: Optional[Callable[[int], None]] = None,
    ) -> None:
        """Create generation `target`: a copy of `base` (None = empty) with `deletes` removed and `upserts` added."""

    @abc.abstractmethod
    def open(self, generation: Path, config: SearchConfig, synonyms: dict[str, list[list[str]]]) -> IndexSearcher: ...


BACKENDS: dict[str, Callable[[], SearchBackend]] = {}


def register_backend(name: str, factory: Callable[[], SearchBackend]) -> None:
    BACKENDS[name] = factory


def get_backend(name: str) -> SearchBackend:
    if name not in BACKENDS:
        from kbops.search import whoosh_backend  # noqa: F401 - registers "whoosh"
    try:
        return BACKENDS[name]()
    except KeyError:
        from kbops.errors import ConfigError

        raise ConfigError(f"[tool.kbops.search] backend: unknown {name!r}; available: {', '.join(BACKENDS)}") from None
