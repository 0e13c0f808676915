"""The Whoosh (whoosh-reloaded) backend: one field set per language, BM25F with query-time field boosts."""
from __future__ import annotations

import html
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.query import And, Or, Query, Term

from kbops.search.analysis import (
    SynonymTable, analyzer_for, analyzer_groups, fold, language_group, query_terms, spelling_analyzer,
)
from kbops.search.backend import (
    FACETS, IndexSearcher, SearchBackend, SearchHit, SearchRequest, SearchResult, register_backend,
)
from kbops.search.config import SearchConfig
from kbops.search.records import IndexRecord
from kbops.search.scoring import VectorScorer, matched_docs, top
from kbops.search.snippets import make_snippet, stem_pattern

# Text fields per language group; the boost of each comes from `[tool.kbops.search] boosts` at query time.
TEXT_FIELDS = ("title", "description", "headings", "body", "intents", "sample_queries", "tags")
WEAK_RESULTS = 3  # fewer hits than this also earns a "did you mean"


def build_schema(groups: Iterable[str]) -> Schema:
    fields = dict(
        key=ID(unique=True, stored=True), id=ID(stored=True), title=STORED(), summary=STORED(), text=STORED(),
        path=STORED(), url=STORED(), locale=ID(stored=True, sortable=True), lang=ID(stored=True),
        type=ID(stored=True, sortable=True), product=ID(stored=True, sortable=True),
        audience=ID(stored=True, sortable=True), status=ID(stored=True),
    )
    for group in groups:
        for name in TEXT_FIELDS:
            fields[f"{name}_{group}"] = TEXT(analyzer=analyzer_for(group), phrase=False)
        fields[f"spell_{group}"] = TEXT(analyzer=spelling_analyzer(), phrase=False)
    return Schema(**fields)


def _document(record: IndexRecord, groups: tuple[str, ...]) -> dict:
    group = language_group(record.locale, groups)
    headings = "\n".join(record.headings)
    queries = "\n".join(record.sample_queries)
    values = {
        "title": record.title, "description": record.description, "headings": headings, "body": record.text,
        "intents": "\n".join(record.intents), "sample_queries": queries, "tags": "\n".join(record.tags),
    }
    doc = {f"{name}_{group}": value for name, value in values.items() if value}
    doc[f"spell_{group}"] = "\n".join((record.title, record.description, headings, record.text, queries))
    doc.update(
        key=record.key, id=record.id, title=record.title, summary=record.description, text=record.text,
        path=record.path, url=record.url, locale=record.locale, lang=group, type=record.type,
        product=record.product or "-", audience=record.audience, status=record.status,
    )
    return doc


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def write(self, target, upserts, deletes, base, locales, progress=None) -> None:
        groups = analyzer_groups(locales)
        target.mkdir(parents=True)
        if base is not None:
            # Whoosh never rewrites a file in place (deletions live in the TOC), so hard links are a safe copy.
            for item in base.iterdir():
                if item.is_file() and not item.name.endswith("LOCK") and item.name != "manifest.json":
                    os.link(item, target / item.name)
            ix = whoosh_index.open_dir(str(target))
        else:
            ix = whoosh_index.create_in(str(target), build_schema(groups))
        writer = ix.writer(limitmb=128)
        try:
            for key in deletes:
                writer.delete_by_term("key", key)
            add = writer.update_document if base is not None else writer.add_document
            for number, record in enumerate(upserts, 1):
                add(**_document(record, groups))
                if progress and number % 100 == 0:
                    progress(number)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        finally:
            ix.close()

    def open(self, generation, config, synonyms) -> "WhooshSearcher":
        return WhooshSearcher(generation, config, synonyms)


class WhooshSearcher(IndexSearcher):
    """Searches one generation: Whoosh storage and analysis, vectorized BM25F scoring. Thread-safe."""

    def __init__(self, generation: Path, config: SearchConfig, synonyms: dict[str, list[list[str]]]):
        self.generation = generation
        self.config = config
        self.ix = whoosh_index.open_dir(str(generation))
        self.searcher = self.ix.searcher()
        self.reader = self.searcher.reader()
        self.scorer = VectorScorer(self.reader)
        self.groups = tuple(name[len("spell_"):] for name in self.ix.schema.names() if name.startswith("spell_"))
        self.synonyms = {g: SynonymTable(synonyms.get(g, [])) for g in self.groups}
        self._lock = threading.Lock()
        self._masks: OrderedDict[tuple, np.ndarray] = OrderedDict()

    def doc_count(self) -> int:
        return self.searcher.doc_count()

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()

    def _allowed(self, visible: tuple[str, ...], groups: tuple[str, ...], type_: Optional[str], product: Optional[str]) -> np.ndarray:
        """Docs the request may return: of the audiences the caller may see (decided by kbops.publishing), languages,
        type, product (cached masks)."""
        key = (visible, groups, type_, product)
        found = self._masks.get(key)
        if found is not None:
            return found
        parts: list[Query] = [Or([Term("audience", a) for a in visible] or [Term("audience", "\x00")])]
        parts.append(Or([Term("lang", g) for g in groups]))
        if type_:
            parts.append(Term("type", type_))
        if product:
            parts.append(Term("product", product))
        found = self.scorer.mask(self.searcher.docs_for_query(And(parts)))  # deleted docs are never in it
        self._masks[key] = found
        if len(self._masks) > 256:
            self._masks.popitem(last=False)
        return found

    def _terms(self, text: str, groups: tuple[str, ...]) -> dict[tuple[str, str], float]:
        """(field, term) -> boost for every query word and taxonomy synonym, per language group."""
        boosts = self.config.boosts.model_dump()
        terms: dict[tuple[str, str], float] = {}
        for group in groups:
            phrases = [(text, 1.0)] + [(alt, self.config.synonym_weight) for alt in self.synonyms[group].alternatives(text)]
            for phrase, weight in phrases:
                for variants in query_terms(phrase, group):
                    for name in TEXT_FIELDS:
                        boost = boosts[name] * weight
                        if boost > 0:
                            for variant in variants:
                                key = (f"{name}_{group}", variant)
                                terms[key] = terms.get(key, 0.0) + boost
        return terms

    def _run(self, text: str, request: SearchRequest, groups: tuple[str, ...]):
        """Top hits, facet counts over every allowed match, the total and the query stems; None when nothing matches."""
        allowed = self._allowed(request.visible, groups, request.type, request.product)
        terms = self._terms(text, groups)
        if not terms or not allowed.any():
            return None
        collection = self._allowed(request.visible, self.groups, None, None)
        scores = self.scorer.score(
            ((field, term, boost) for (field, term), boost in terms.items()), collection, request.visible,
        )
        chosen, total = top(scores, allowed, request.limit)
        if not total:
            return None
        facets: dict[str, dict[str, int]] = {}
        if request.facets:
            matched = matched_docs(scores, allowed)
            for name in FACETS:
                counts = self.scorer.counts(name, matched)
                facets[name] = {k: v for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if k not in ("", "-")}
        stems: dict[str, set[str]] = {}
        for field, term in terms:
            stems.setdefault(field.rsplit("_", 1)[1], set()).add(term)
        return (chosen, scores), facets, total, stems

    def search(self, request: SearchRequest) -> SearchResult:
        with self._lock:
            return self._search(request)

    def _search(self, request: SearchRequest) -> SearchResult:
        everywhere = self.groups
        asked = (language_group(request.locale, self.groups),) if request.locale else everywhere
        others = tuple(g for g in everywhere if g not in asked)
        results, fallback, corrected, suggestion = self._run(request.query, request, asked), False, False, None
        if results is None and request.fallback and others:
            results = self._run(request.query, request, others)
            fallback = results is not None
        if results is None or results[2] < WEAK_RESULTS:
            suggestion = self.suggest(request.query, request.visible)
        if results is None and suggestion:
            results, corrected = self._run(suggestion, request, asked), True
            if results is None and request.fallback and others:
                results = self._run(suggestion, request, others)
                fallback = results is not None
            if results is None:
                corrected = False
        if suggestion and fold(suggestion) == fold(request.query):
            suggestion = None
        if results is None:
            return SearchResult(request.query, request.audience, request.locale, (), 0, {}, suggestion, False, False)
        found, facets, total, stems = results
        return SearchResult(
            request.query, request.audience, request.locale, self._hits(found, request, fallback, stems), total,
            facets, suggestion, corrected, fallback,
        )

    def _hits(self, found, request: SearchRequest, fallback: bool, stems: dict[str, set[str]]) -> tuple[SearchHit, ...]:
        chosen, scores = found
        patterns = {group: stem_pattern(words) for group, words in stems.items()}
        hits = []
        for docnum in chosen:
            fields = self.reader.stored_fields(int(docnum))
            snippet = ""
            if request.snippets:
                snippet = make_snippet(fields["text"], patterns.get(fields["lang"])) or html.escape(fields["summary"])
            hits.append(SearchHit(
                id=fields["id"], title=fields["title"], path=fields["path"], url=fields["url"],
                score=round(float(scores[docnum]), 4), snippet=snippet, locale=fields["locale"], type=fields["type"],
                product="" if fields["product"] == "-" else fields["product"], audience=fields["audience"],
                status=fields["status"], fallback=fallback,
            ))
        return tuple(hits)

    # -- "did you mean": only from words of documents the caller's audience may see --
    def suggest(self, text: str, visible_audiences: tuple[str, ...]) -> Optional[str]:
        visible = self._allowed(visible_audiences, self.groups, None, None)
        if not visible.any():
            return None
        words = re.findall(r"\w+", text)
        changed, output = False, []
        for word in words:
            folded = fold(word)
            if len(folded) < 4 or not folded.isalpha() or self._visible_df(folded, visible) > 0:
                output.append(word)
                continue
            best = self._closest(folded, visible)
            if best:
                output.append(best)
                changed = True
            else:
                output.append(word)
        return " ".join(output) if changed else None

    def _visible_df(self, word: str, visible: np.ndarray) -> int:
        count = 0
        for group in self.groups:
            ids, _ = self.scorer.postings(f"spell_{group}", word)
            count += int(visible[ids].sum()) if ids.size else 0
        return count

    def _closest(self, word: str, visible: np.ndarray) -> Optional[str]:
        maxdist = 1 if len(word) <= 5 else 2
        reader = self.reader
        candidates: set[str] = set()
        for group in self.groups:
            field = f"spell_{group}"
            try:
                candidates.update(reader.terms_within(field, word, maxdist, prefix=1))
            except KeyError:
                continue
        ranked = sorted(((edit_distance(word, c), c) for c in candidates if c != word))
        best: Optional[tuple[int, int, str]] = None
        for distance, candidate in ranked[:20]:
            df = self._visible_df(candidate, visible)
            if df and (best is None or (distance, -df) < (best[0], -best[1])):
                best = (distance, df, candidate)
        return best[2] if best else None


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, for ranking spelling candidates."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


register_backend("whoosh", WhooshBackend)
