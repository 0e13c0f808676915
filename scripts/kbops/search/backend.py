"""The backend seam: request/result types, and the interface a lexical index implements.

Callers (CLI, server, eval, export, benchmarks) only see `SearchRequest` -> `SearchResult` through
`kbops.search.engine`. The engine owns what every backend shares: dense vectors, score fusion,
cross-language blending, lifecycle demotion, fallback, suggestions and facets. A backend only writes
a generation of its lexical index and, opened, answers a few primitive questions over numpy arrays
indexed by its document numbers. Backends are found by entry point (group `kbops.search_backends`),
as MkDocs finds plugins; Whoosh (`kbops.search.whoosh`) is the default.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kbops.publishing import ANONYMOUS_AUDIENCE, visible_audiences
from kbops.search.config import SearchConfig
from kbops.search.records import IndexRecord

ENTRY_POINT_GROUP = "kbops.search_backends"
FACETS = ("type", "product", "locale", "audience")


@dataclass(frozen=True)
class SearchRequest:
    """What a caller asks. `visible` is filled from `audience` by kbops.publishing (UsageError for an unknown
    audience): backends filter on it and never rebuild the audience hierarchy themselves."""

    query: str
    audience: str = ANONYMOUS_AUDIENCE
    locale: str | None = None  # None: every language, each analyzed with its own analyzer
    type: str | None = None
    product: str | None = None
    limit: int = 10
    snippets: bool = True
    facets: bool = True
    fallback: bool = True  # other languages may answer (blended by score; lexical-only: when the asked one has no hit)
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
    superseded_by: str = ""  # a deprecated doc's successor
    translation_of: str = ""  # the original doc of a translation (its family)


@dataclass(frozen=True)
class SearchResult:
    query: str
    audience: str
    locale: str | None
    hits: tuple[SearchHit, ...]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean", from terms of docs the audience may see
    corrected: bool = False  # hits are for `suggestion` because the query itself had none
    fallback: bool = False  # hits come from other languages than `locale`
    mode: str = "lexical"  # "hybrid" when dense vectors took part

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "audience": self.audience,
            "locale": self.locale,
            "total": self.total,
            "suggestion": self.suggestion,
            "corrected": self.corrected,
            "fallback": self.fallback,
            "facets": self.facets,
            "mode": self.mode,
            "hits": [hit_dict(h) for h in self.hits],
        }


def hit_dict(hit: SearchHit) -> dict:
    return {
        "id": hit.id,
        "title": hit.title,
        "path": hit.path,
        "url": hit.url,
        "score": hit.score,
        "snippet": hit.snippet,
        "locale": hit.locale,
        "type": hit.type,
        "product": hit.product,
        "audience": hit.audience,
        "status": hit.status,
        "fallback": hit.fallback,
        "superseded_by": hit.superseded_by or None,
        "translation_of": hit.translation_of or None,
    }


class LexicalIndex(abc.ABC):
    """An open, read-only lexical index of one generation. Thread-safe.

    Documents are numbered 0..size-1 (deleted slots included: masks never allow them). Every array
    argument and result is indexed by those numbers.
    """

    groups: tuple[str, ...]  # analyzer groups (language codes + the fallback group)
    size: int

    @abc.abstractmethod
    def doc_count(self) -> int: ...

    @abc.abstractmethod
    def keys(self) -> list[str]:
        """The record key of every document number ("" for deleted slots)."""

    @abc.abstractmethod
    def allowed(
        self, visible: tuple[str, ...], groups: tuple[str, ...], type: str | None = None, product: str | None = None
    ) -> np.ndarray:
        """Boolean mask: live docs of the `visible` audiences (decided by kbops.publishing, never here), of the
        given language groups, type and product."""

    @abc.abstractmethod
    def scores(
        self, text: str, groups: tuple[str, ...], collection: np.ndarray, collection_key: object
    ) -> tuple[np.ndarray, dict[str, set[str]]]:
        """Lexical scores of every doc for `text` analyzed per group, statistics from `collection` only; plus the
        analyzed query terms per group (for snippets)."""

    @abc.abstractmethod
    def stored(self, docnum: int) -> dict:
        """The stored fields: key, id, title, summary, text, path, url, locale, lang, type, product, audience,
        status, superseded_by, translation_of."""

    @abc.abstractmethod
    def column(self, name: str) -> tuple[np.ndarray, list[str]]:
        """A keyword column (type, product, locale, lang, audience, status) as a code per doc and the code -> value
        table ("" = none); facets and the engine's per-language and lifecycle weights come from it."""

    @abc.abstractmethod
    def word_docs(self, word: str, groups: tuple[str, ...] | None = None) -> np.ndarray:
        """Doc numbers whose text contains the unstemmed, accent-folded `word` (the spelling dictionary), in docs
        of the given language groups (default: every group)."""

    @abc.abstractmethod
    def similar_words(self, word: str, maxdist: int, groups: tuple[str, ...] | None = None) -> set[str]:
        """Dictionary words of the given language groups (default: every group) within `maxdist` edits of `word`
        (candidates for "did you mean")."""

    def stop_words(self, group: str) -> frozenset[str]:
        """The accent-folded stop words of a language group (never typos). Default: none."""
        return frozenset()

    def vocabulary_terms(self, group: str) -> frozenset[str]:
        """Accent-folded words the KB's controlled vocabulary (taxonomy synonyms) gives a language group: spelling
        candidates even where no doc of that language contains them. Default: none."""
        return frozenset()

    def close(self) -> None:  # pragma: no cover - default no-op
        return None


class SearchBackend(abc.ABC):
    """Writes lexical index generations and opens them for searching."""

    name: str = ""

    @abc.abstractmethod
    def write(
        self,
        target: Path,
        upserts: Iterable[IndexRecord],
        deletes: Iterable[str],
        base: Path | None,
        locales: tuple[str, ...],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Create generation `target`: a copy of `base` (None = empty) with `deletes` removed and `upserts` added.

        The target directory may already exist (the engine writes its vectors there too); backend files must
        not collide with `manifest.json` or `vectors.*`."""

    @abc.abstractmethod
    def open(self, generation: Path, config: SearchConfig, synonyms: dict[str, list[list[str]]]) -> LexicalIndex: ...

    def query_terms(self, text: str, group: str) -> list[tuple[str, ...]]:
        """The backend's analysis of a query in an analyzer group (a language, kbops.search.text.language_group):
        one tuple of variant terms per word position, stop words removed. Default: accent-folded words."""
        from kbops.search.text import fold

        return [(word,) for word in re.findall(r"\w+", fold(text))]


def available_backends() -> dict[str, Callable[[], Callable[[], SearchBackend]]]:
    """Every installed backend, by name, from the `kbops.search_backends` entry points."""
    from importlib.metadata import entry_points

    found: dict[str, Callable[[], Callable[[], SearchBackend]]] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(point.name, point.load)
    if "whoosh" not in found:  # running from a source tree that was never pip-installed
        found["whoosh"] = lambda: __import__("kbops.search.whoosh", fromlist=["WhooshBackend"]).WhooshBackend
    return found


def get_backend(name: str) -> SearchBackend:
    from kbops.errors import ConfigError

    found = available_backends()
    if name not in found:
        raise ConfigError(f"[tool.kbops.search] backend: unknown {name!r}; installed: {', '.join(sorted(found))}")
    factory = found[name]()
    return factory()
