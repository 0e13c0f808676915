"""The three engines of the quality harness over one corpus: ours (Whoosh), lunr (MkDocs' search), BM25."""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from lunr.builder import Builder
from lunr.pipeline import Pipeline
from lunr.stemmer import stemmer as porter_stemmer
from lunr.stop_word_filter import stop_word_filter
from lunr.trimmer import trimmer
from rank_bm25 import BM25Okapi
from whoosh.lang import stemmer_for_language

from kbops.publishing import WIDEST_AUDIENCE
from kbops.search.backend import SearchRequest
from kbops.search.config import SearchConfig
from kbops.search.records import IndexRecord
from kbops.search.whoosh_backend import WhooshBackend


@dataclass(frozen=True)
class Section:
    """What MkDocs' search indexes: the page, and each heading's section as its own entry."""

    doc_id: str
    title: str
    text: str


def sections_of(record: IndexRecord, body_sections: list[tuple[str, str]]) -> list[Section]:
    page = Section(record.id, record.title, record.text)
    return [page] + [Section(record.id, heading, text) for heading, text in body_sections if text]


class Ours:
    name = "kbops (whoosh)"

    def __init__(self, records: list[IndexRecord], locales: tuple[str, ...], config: SearchConfig, synonyms: dict):
        self._tmp = tempfile.TemporaryDirectory(prefix="kbops-quality-")
        target = Path(self._tmp.name) / "gen"
        WhooshBackend().write(target, records, [], None, locales)
        self.searcher = WhooshBackend().open(target, config, synonyms)
        self.audience = WIDEST_AUDIENCE  # records are already the audience's docs

    def reconfigure(self, config: SearchConfig) -> None:
        self.searcher.config = config

    def rank(self, query: str, locale: str) -> list[str]:
        request = SearchRequest(query=query, audience=self.audience, locale=locale, limit=10, snippets=False, facets=False)
        return [hit.id for hit in self.searcher.search(request).hits]


_LUNR_SPECIAL = re.compile(r"[:~^+\-*]")


def _snowball_pipeline(language: str):
    stem = stemmer_for_language(language)

    def snowball(token, i, tokens):
        return token.update(lambda text, metadata: stem(text))

    Pipeline.register_function(snowball, f"snowball-{language}")
    return snowball


class Lunr:
    """lunr.py like MkDocs' built-in search: page + section entries, title boost 10, one index per language.

    English uses lunr's own pipeline (trimmer, stop words, Porter stemmer), as MkDocs does by default;
    es/fr get the Snowball stemmer of their language, as lunr-languages gives Material's search.
    """

    name = "lunr (MkDocs search)"

    def __init__(self, sections_by_locale: dict[str, list[Section]]):
        self.indexes = {}
        for locale, sections in sections_by_locale.items():
            builder = Builder()
            if locale == "en":
                builder.pipeline.add(trimmer, stop_word_filter, porter_stemmer)
                builder.search_pipeline.add(porter_stemmer)
            else:
                stem = _snowball_pipeline(locale)
                builder.pipeline.add(trimmer, stem)
                builder.search_pipeline.add(stem)
            builder.ref("ref")
            builder.field("title", boost=10)
            builder.field("text")
            self.doc_of: dict[str, str] = getattr(self, "doc_of", {})
            for number, section in enumerate(sections):
                ref = f"{locale}-{number}"
                self.doc_of[ref] = section.doc_id
                builder.add({"ref": ref, "title": section.title, "text": section.text})
            self.indexes[locale] = builder.build()

    def rank(self, query: str, locale: str) -> list[str]:
        index = self.indexes.get(locale)
        if index is None:
            return []
        try:
            results = index.search(_LUNR_SPECIAL.sub(" ", query))
        except Exception:  # noqa: BLE001 - lunr's query parser rejects some inputs; count as no result
            return []
        ranked: list[str] = []
        for result in results:
            doc = self.doc_of[result["ref"]]
            if doc not in ranked:
                ranked.append(doc)
        return ranked[:10]


_WORD = re.compile(r"\w+")


class PlainBM25:
    """rank-bm25's BM25Okapi over lower-cased words of title + text, one index per language."""

    name = "BM25 (rank-bm25)"

    def __init__(self, records_by_locale: dict[str, list[IndexRecord]]):
        self.indexes = {}
        for locale, records in records_by_locale.items():
            tokens = [_WORD.findall(f"{r.title}\n{chr(10).join(r.headings)}\n{r.text}".lower()) for r in records]
            self.indexes[locale] = (BM25Okapi(tokens), [r.id for r in records])

    def rank(self, query: str, locale: str) -> list[str]:
        found: Optional[tuple] = self.indexes.get(locale)
        if found is None:
            return []
        index, ids = found
        scores = index.get_scores(_WORD.findall(query.lower()))
        order = sorted(range(len(ids)), key=lambda i: -scores[i])
        return [ids[i] for i in order[:10] if scores[i] > 0]
