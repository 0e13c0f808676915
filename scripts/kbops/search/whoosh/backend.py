"""The Whoosh backend: one field set per language group, BM25 per field with query-time boosts."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.query import And, Or, Query, Term

from kbops.search.backend import LexicalIndex, SearchBackend
from kbops.search.config import SearchConfig
from kbops.search.records import IndexRecord
from kbops.search.text import SynonymTable, analyzer_groups, language_group
from kbops.search.whoosh.analysis import (
    analyzer_for,
    query_terms,
    spelling_analyzer,
    spelling_words,
    stop_words,
)
from kbops.search.whoosh.scoring import VectorScorer
from kbops.search.whoosh.spelling import SpellingVocabulary

# Text fields per language group; the boost of each comes from `[tool.kbops.search] boosts` at query time.
TEXT_FIELDS = ("title", "description", "headings", "body", "intents", "sample_queries", "tags")
ENGINE_FILES = ("manifest.json", "vectors.npz")  # written beside ours by the engine: never copied or touched here


def build_schema(groups: Iterable[str]) -> Schema:
    fields = dict(
        key=ID(unique=True, stored=True),
        id=ID(stored=True),
        title=STORED(),
        summary=STORED(),
        text=STORED(),
        path=STORED(),
        url=STORED(),
        locale=ID(stored=True, sortable=True),
        lang=ID(stored=True, sortable=True),
        type=ID(stored=True, sortable=True),
        product=ID(stored=True, sortable=True),
        audience=ID(stored=True, sortable=True),
        status=ID(stored=True, sortable=True),
        family=ID(stored=True, sortable=True),
        superseded_by=STORED(),
        translation_of=STORED(),
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
        "title": record.title,
        "description": record.description,
        "headings": headings,
        "body": record.text,
        "intents": "\n".join(record.intents),
        "sample_queries": queries,
        "tags": "\n".join(record.tags),
    }
    doc = {f"{name}_{group}": value for name, value in values.items() if value}
    for locale, label in record.labels_elsewhere:
        other = language_group(locale, groups)
        if other != group:
            field = f"intents_{other}"
            doc[field] = f"{doc[field]}\n{label}" if field in doc else label
    doc[f"spell_{group}"] = "\n".join((record.title, record.description, headings, record.text, queries))
    doc.update(
        key=record.key,
        id=record.id,
        title=record.title,
        summary=record.description,
        text=record.text,
        path=record.path,
        url=record.url,
        locale=record.locale,
        lang=group,
        type=record.type,
        product=record.product or "-",
        audience=record.audience,
        status=record.status,
        superseded_by=record.superseded_by,
        translation_of=record.translation_of,
        family=record.translation_of or record.id,
    )
    return doc


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def query_terms(self, text: str, group: str) -> list[tuple[str, ...]]:
        return query_terms(text, group)

    def write(self, target, upserts, deletes, base, locales, progress=None) -> None:
        groups = analyzer_groups(locales)
        target.mkdir(parents=True, exist_ok=True)
        if base is not None:
            # Whoosh never rewrites a file in place (deletions live in the TOC), so hard links are a safe copy.
            for item in base.iterdir():
                if (
                    item.is_file()
                    and not item.name.endswith("LOCK")
                    and item.name not in ENGINE_FILES
                    and not item.name.endswith(".tmp")
                ):
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

    def open(self, generation, config, synonyms) -> WhooshIndex:
        return WhooshIndex(generation, config, synonyms)


class WhooshIndex(LexicalIndex):
    """One open generation: Whoosh storage and analysis, vectorized BM25 scoring. Thread-safe."""

    def __init__(self, generation: Path, config: SearchConfig, synonyms: dict[str, list[list[str]]]):
        self.generation = generation
        self.config = config
        self.ix = whoosh_index.open_dir(str(generation))
        self.searcher = self.ix.searcher()
        self.reader = self.searcher.reader()
        self.scorer = VectorScorer(self.reader)
        self.size = self.scorer.size
        self.groups = tuple(name[len("spell_") :] for name in self.ix.schema.names() if name.startswith("spell_"))
        self.synonyms = {g: SynonymTable(synonyms.get(g, [])) for g in self.groups}
        self._lock = threading.Lock()
        self._masks: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._spelling: dict[str, SpellingVocabulary] = {}
        self._vocabulary: dict[str, frozenset[str]] = {}

    def doc_count(self) -> int:
        return self.searcher.doc_count()

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()

    def keys(self) -> list[str]:
        """Each live doc's key by doc number ("" for deleted ones), from the key field's postings: reading the
        stored fields instead would decompress every doc's whole text (about 1 s at 10k docs)."""
        found = [""] * self.size
        for segment, offset in self.reader.leaf_readers():
            for term in segment.lexicon("key"):
                for docnum in segment.postings("key", term).all_ids():  # deleted docs are filtered out
                    found[docnum + offset] = term.decode("utf-8")
        return found

    def allowed(
        self, visible: tuple[str, ...], groups: tuple[str, ...], type: str | None = None, product: str | None = None
    ) -> np.ndarray:
        key = (tuple(visible), groups, type, product)
        with self._lock:
            found = self._masks.get(key)
        if found is not None:
            return found
        parts: list[Query] = [Or([Term("audience", a) for a in visible] or [Term("audience", "\x00")])]
        parts.append(Or([Term("lang", g) for g in groups] or [Term("lang", "\x00")]))
        if type:
            parts.append(Term("type", type))
        if product:
            parts.append(Term("product", product))
        with self._lock:
            found = self.scorer.mask(self.searcher.docs_for_query(And(parts)))  # deleted docs are never in it
            self._masks[key] = found
            if len(self._masks) > 256:
                self._masks.popitem(last=False)
        return found

    def _terms(self, text: str, groups: tuple[str, ...]) -> dict[tuple[str, str], float]:
        """(field, term) -> boost for every query word and taxonomy synonym, per language group."""
        boosts = self.config.boosts.model_dump()
        terms: dict[tuple[str, str], float] = {}
        typed = spelling_words(text) if self.config.exact_weight > 0 else []  # the words as typed, accents folded
        for group in groups:
            phrases = [(text, 1.0)] + [
                (alt, self.config.synonym_weight) for alt in self.synonyms[group].alternatives(text)
            ]
            for phrase, weight in phrases:
                for variants in query_terms(phrase, group):
                    for name in TEXT_FIELDS:
                        boost = boosts[name] * weight
                        if boost > 0:
                            for variant in variants:
                                key = (f"{name}_{group}", variant)
                                terms[key] = terms.get(key, 0.0) + boost
            if typed:  # each beside its stem
                stops = stop_words(group)
                for word in typed:
                    if word not in stops:
                        key = (f"spell_{group}", word)
                        terms[key] = terms.get(key, 0.0) + self.config.exact_weight
        return terms

    def scores(self, text, groups, collection, collection_key):
        norm = self.config.length_norm
        b_of = {"title": norm.title, "body": norm.body}
        terms = self._terms(text, groups)
        stems: dict[str, set[str]] = {}
        for field, term in terms:
            if not field.startswith("spell_"):
                stems.setdefault(field.rsplit("_", 1)[1], set()).add(term)
        weighted = (
            (field, term, boost, b_of.get(field.rsplit("_", 1)[0], norm.other))
            for (field, term), boost in terms.items()
        )
        scores = self.scorer.score(weighted, collection, collection_key, norm.k1)
        return scores, stems

    def stored(self, docnum: int) -> dict:
        fields = dict(self.reader.stored_fields(int(docnum)))
        fields["product"] = "" if fields.get("product") == "-" else fields.get("product", "")
        fields.setdefault("superseded_by", "")
        fields.setdefault("translation_of", "")
        return fields

    def column(self, name: str) -> tuple[np.ndarray, list[str]]:
        codes, names = self.scorer.codes(name)
        return codes, ["" if value == "-" else value for value in names]

    def word_docs(self, word: str, groups: tuple[str, ...] | None = None) -> np.ndarray:
        parts = [self.scorer.postings(f"spell_{group}", word)[0] for group in (groups or self.groups)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def similar_words(self, word: str, maxdist: int, groups: tuple[str, ...] | None = None) -> set[str]:
        """Words of the groups' spelling fields within `maxdist` edits, sharing the first letter (as
        `reader.terms_within(field, word, maxdist, prefix=1)` per group, without its per-call automaton)."""
        found: set[str] = set()
        for group in groups or self.groups:
            with self._lock:
                vocabulary = self._spelling.get(group)
                if vocabulary is None:  # read once per generation and group, on the first "did you mean"
                    words = [*self._spelling_words(group), *self.vocabulary_terms(group)]
                    vocabulary = self._spelling[group] = SpellingVocabulary(words, prefix=1)
            found |= vocabulary.within(word, maxdist)
        return found

    def stop_words(self, group: str) -> frozenset[str]:
        return stop_words(group)

    def vocabulary_terms(self, group: str) -> frozenset[str]:
        found = self._vocabulary.get(group)
        if found is None:
            table = self.synonyms.get(group)
            phrases = [phrase for synonyms in (table.groups if table else ()) for phrase in synonyms]
            found = self._vocabulary[group] = frozenset(w for phrase in phrases for w in spelling_words(phrase))
        return found

    def _spelling_words(self, group: str) -> Iterable[str]:
        try:
            yield from self.reader.field_terms(f"spell_{group}")
        except KeyError:
            return
