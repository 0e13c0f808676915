"""The engines of the quality harness, each over the same records (title + body text, nothing else).

* kbops lexical / kbops hybrid: a real index generation (Whoosh backend + chunk vectors) searched by
  the engine every caller uses; "lexical" opens it without the embedding model.
(Where a set gives docs sample_queries, banking77-sq, every engine reads them: lunr and bm25s as body text.)
* lunr (MkDocs search): lunr.py configured as MkDocs' search plugin builds its index: one entry per
  page and one per heading section, title boost 10; per language the pipeline lunr-languages gives
  (trimmer, stop words, Snowball stemmer; English: lunr's own Porter pipeline).
* bm25s: a modern BM25 library (Lucene scoring) over title + body, with PyStemmer's Snowball stemmer
  and bm25s's stop words of the language.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kbops.publishing import ANONYMOUS_AUDIENCE
from kbops.search.backend import SearchRequest
from kbops.search.config import SearchConfig
from kbops.search.engine import GenerationSearcher
from kbops.search.models import QueryVectors
from kbops.search.records import IndexRecord
from kbops.search.vectors import write_vectors
from kbops.search.whoosh import WhooshBackend

LANGUAGES = {"en": "english", "es": "spanish", "fr": "french"}


class CachedEmbedder:
    """The real embedder behind a disk cache keyed by model + text (embedding 20k long chunks takes minutes)."""

    def __init__(self, embedder, cache: Path, tag: str = "all"):
        self.embedder, self.name, self.dim = embedder, embedder.name, embedder.dim
        self.max_length = getattr(embedder, "max_length", 0)
        self.query_max_length = getattr(embedder, "query_max_length", 0) or self.max_length
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", embedder.name)
        self.path = cache / f"{stem}-{tag}.npz"
        self.cache, self.stem = cache, stem
        self.vectors: dict[str, np.ndarray] = {}
        self.dirty = False
        self.unsaved = 0
        self.seen: dict[Path, float] = {}
        self._load()

    def _load(self) -> None:
        """Every run's cache of this model, each file read again when another run has rewritten it since."""
        for path in sorted(self.cache.glob(f"{self.stem}-*.npz")):
            if path.name.endswith(".tmp.npz") or self.seen.get(path) == path.stat().st_mtime:
                continue
            self.seen[path] = path.stat().st_mtime
            with np.load(path) as data:
                for key, vector in zip(data["keys"].tolist(), data["matrix"].astype(np.float32)):
                    self.vectors.setdefault(key, vector)

    def _embed(self, kind: str, texts: list[str]) -> np.ndarray:
        cap = self.query_max_length if kind == "q" else self.max_length  # queries may be cut shorter than passages
        keys = [hashlib.sha1(f"{kind}\0{cap}\0{t}".encode()).hexdigest() for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.vectors]
        if len(missing) > 16:  # another run may have embedded them meanwhile
            self._load()
            missing = [i for i, k in enumerate(keys) if k not in self.vectors]
        if missing:
            method = self.embedder.embed_queries if kind == "q" else self.embedder.embed_passages
            for start in range(0, len(missing), 64):
                part = missing[start : start + 64]
                for i, vector in zip(part, method([texts[i] for i in part])):
                    self.vectors[keys[i]] = np.asarray(vector, dtype=np.float32)
                self.dirty = True
                self.unsaved += len(part)
                if self.unsaved >= 1024:
                    self.save()  # a long run killed halfway keeps what it embedded
        return np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, self.dim), dtype=np.float32)

    def embed_queries(self, texts):
        return self._embed("q", list(texts))

    def embed_passages(self, texts):
        return self._embed("p", list(texts))

    def save(self) -> None:
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = list(self.vectors)
            tmp = self.path.with_suffix(".tmp.npz")
            np.savez(tmp, keys=np.asarray(keys), matrix=np.stack([self.vectors[k] for k in keys]).astype(np.float16))
            tmp.replace(self.path)
            self.dirty, self.unsaved = False, 0


class Ours:
    """One index generation of the set; `hybrid=False` searches it without vectors (lexical only)."""

    def __init__(self, records: list[IndexRecord], config: SearchConfig, embedder=None, locales=("en", "es", "fr")):
        self._tmp = tempfile.TemporaryDirectory(prefix="kbops-quality-")
        self.target = Path(self._tmp.name) / "gen"
        backend = WhooshBackend()
        backend.write(self.target, records, [], None, locales)
        if embedder is not None:
            kinds = (
                {"titles": config.embed_titles, "questions": config.embed_sample_queries}
                if hasattr(config, "embed_titles")
                else {}
            )
            write_vectors(
                self.target, embedder, records, [], None, max_chunks=config.embed_chunks, **kinds
            )  # kinds: not in older kbops
        self.config, self.records, self.embedder = config, records, embedder
        self.lexical = backend.open(self.target, config, {})
        self.lexical_only = GenerationSearcher(self.target, self.lexical, config, None)
        self.hybrid = (
            GenerationSearcher(self.target, self.lexical, config, QueryVectors(embedder)) if embedder else None
        )

    def revector(self, config: SearchConfig) -> None:
        """Rewrite the vectors at another `embed_chunks` (cached embeddings: cheap) and search with them."""
        kinds = (
            {"titles": config.embed_titles, "questions": config.embed_sample_queries}
            if hasattr(config, "embed_titles")
            else {}
        )
        write_vectors(self.target, self.embedder, self.records, [], None, max_chunks=config.embed_chunks, **kinds)
        self.hybrid = GenerationSearcher(self.target, self.lexical, config, QueryVectors(self.embedder))
        self.reconfigure(config)

    def reconfigure(self, config: SearchConfig) -> None:
        self.config = self.lexical.config = self.lexical_only.config = config
        if self.hybrid:
            self.hybrid.config = config

    def engine(self, hybrid: bool, cross_language: bool = False) -> OursView:
        return OursView(self, hybrid, cross_language)


@dataclass
class OursView:
    ours: Ours
    use_hybrid: bool
    cross_language: bool = False  # other languages may answer (the API's default); off: the query's language only

    @property
    def name(self) -> str:
        return "kbops hybrid" if self.use_hybrid else "kbops lexical"

    def rank(self, query: str, locale: str) -> list[str]:
        searcher = self.ours.hybrid if self.use_hybrid else self.ours.lexical_only
        request = SearchRequest(
            query=query[:1000],
            audience=ANONYMOUS_AUDIENCE,
            locale=locale,
            limit=10,
            snippets=False,
            facets=False,
            fallback=self.cross_language,
        )
        return [hit.id for hit in searcher.search(request).hits]


_LUNR_SPECIAL = re.compile(r"[:~^+\-*]")


class Lunr:
    """lunr.py as MkDocs' search plugin uses it: page + section entries, title boost 10, one index per set.

    `stem=False`: lunr with only its trimmer (no stemmer, no stop words), as a site whose search `lang` does not
    match its content indexes it. On short es/fr queries it beats the stemmed pipeline (search-support: 0.670 vs
    0.556 MRR@10 on the Spanish test half), so margins are taken against the better of the two.
    """

    name = "lunr (MkDocs search)"

    def __init__(self, records: list[IndexRecord], locale: str, stem: bool = True):
        from lunr.builder import Builder
        from lunr.pipeline import Pipeline
        from lunr.stemmer import stemmer as porter_stemmer
        from lunr.stop_word_filter import generate_stop_word_filter, stop_word_filter
        from lunr.trimmer import trimmer
        from whoosh.lang import stemmer_for_language, stopwords_for_language

        builder = Builder()
        if not stem:
            self.name = "lunr, no stemming"
            builder.pipeline.add(trimmer)
        elif locale == "en":
            builder.pipeline.add(trimmer, stop_word_filter, porter_stemmer)
            builder.search_pipeline.add(porter_stemmer)
        else:
            stem = stemmer_for_language(locale)

            def snowball(token, i, tokens):
                return token.update(lambda text, metadata: stem(text))

            Pipeline.register_function(snowball, f"snowball-{locale}")
            stop = generate_stop_word_filter(sorted(stopwords_for_language(locale)), locale)
            builder.pipeline.add(trimmer, stop, snowball)
            builder.search_pipeline.add(snowball)
        builder.ref("ref")
        builder.field("title", boost=10)
        builder.field("text")
        self.doc_of: dict[str, str] = {}
        number = 0
        for record in records:
            sections = [(record.title, "\n".join((record.text, *record.sample_queries)))] + _sections(record)
            for title, text in sections:
                ref = str(number)
                number += 1
                self.doc_of[ref] = record.id
                builder.add({"ref": ref, "title": title, "text": text})
        self.index = builder.build()

    def rank(self, query: str, locale: str) -> list[str]:
        try:
            results = self.index.search(_LUNR_SPECIAL.sub(" ", query))
        except Exception:
            return []
        ranked: list[str] = []
        for result in results:
            doc = self.doc_of[result["ref"]]
            if doc not in ranked:
                ranked.append(doc)
            if len(ranked) == 10:
                break
        return ranked


def _sections(record: IndexRecord) -> list[tuple[str, str]]:
    """(heading, text) per section, from the record's passages ("title › heading\\ntext")."""
    found = []
    for passage in record.chunks:
        head, _, text = passage.partition("\n")
        if " › " in head and text:
            found.append((head.split(" › ", 1)[1], text))
    return found


class BM25S:
    """bm25s (Lucene BM25) with Snowball stemming and stop words, over title + body."""

    name = "bm25s"

    def __init__(self, records: list[IndexRecord], locale: str):
        import bm25s
        import Stemmer

        self.bm25s = bm25s
        self.stemmer = Stemmer.Stemmer(LANGUAGES.get(locale, "english"))
        self.stopwords = locale if locale in LANGUAGES else "en"
        self.ids = [r.id for r in records]
        corpus = ["\n".join((r.title, r.text, *r.sample_queries)) for r in records]
        tokens = bm25s.tokenize(corpus, stopwords=self.stopwords, stemmer=self.stemmer, show_progress=False)
        self.index = bm25s.BM25()
        self.index.index(tokens, show_progress=False)

    def rank(self, query: str, locale: str) -> list[str]:
        tokens = self.bm25s.tokenize([query], stopwords=self.stopwords, stemmer=self.stemmer, show_progress=False)
        if not tokens.vocab:
            return []
        results, scores = self.index.retrieve(tokens, k=min(10, len(self.ids)), show_progress=False)
        return [self.ids[int(i)] for i, s in zip(results[0], scores[0]) if s > 0]
