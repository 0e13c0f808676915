"""The one search entry point shared by the CLI, the API server, `kb eval`, the export and the benchmarks.

The engine owns everything backends share: audience filtering before ranking, dense vectors and the
weighted score mix per locale, cross-language blending, deprecated-doc demotion, the lexical
fallback when no embedding model is available (said once), "did you mean" and facets.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from pathlib import Path

import numpy as np

from kbops.config import Settings
from kbops.errors import NotFoundError, UsageError
from kbops.locale import looks_like_locale
from kbops.model.taxonomy import load_taxonomy
from kbops.publishing import ANONYMOUS_AUDIENCE, require_audience
from kbops.search import fusion
from kbops.search.backend import FACETS, LexicalIndex, SearchHit, SearchRequest, SearchResult, get_backend
from kbops.search.config import SearchConfig, search_config
from kbops.search.indexer import SCHEMA_VERSION, index_root
from kbops.search.models import QueryVectors, embedder_for
from kbops.search.snippets import make_snippet, stem_pattern
from kbops.search.store import IndexStore, Manifest
from kbops.search.text import edit_distance, fold, language_group
from kbops.search.vectors import VectorView, read_vectors

log = logging.getLogger(__name__)

WEAK_RESULTS = (
    3  # with fewer word matches than this in the asked language, a corrected query is offered as "did you mean"
)


class GenerationSearcher:
    """Searches one index generation: a backend's lexical index plus, when present, its chunk vectors."""

    def __init__(self, generation: Path, lexical: LexicalIndex, config: SearchConfig, queries: QueryVectors | None):
        self.generation = generation
        self.lexical = lexical
        self.config = config
        self.vectors: VectorView | None = None
        self.queries = None
        stored = read_vectors(generation)
        if stored is not None and queries is not None:
            if stored.model == queries.embedder.name:
                self.vectors = VectorView(stored, lexical.keys(), lexical.size)
                self.queries = queries
            else:
                log.warning(
                    "index vectors were made by %s, the configured model is %s: lexical search until `kb index --rebuild`",
                    stored.model,
                    queries.embedder.name,
                )
        lang_codes, lang_names = lexical.column("lang")
        self.doc_group = (
            np.asarray(lang_names, dtype=object)[lang_codes] if len(lang_names) else np.zeros(0, dtype=object)
        )
        self.family, _ = lexical.column("family")
        status_codes, status_names = lexical.column("status")
        self.deprecated = status_codes == (status_names.index("deprecated") if "deprecated" in status_names else -1)
        self._group_masks: dict[tuple[str, ...], np.ndarray] = {}
        self._originals: dict[int, bool] = {}  # docnum -> not a translation (searches hold self._lock)
        self._family_original: dict[int, int] = {}  # family code -> its original's docnum, or -1
        self._lock = threading.Lock()

    def _in_groups(self, groups: tuple[str, ...]) -> np.ndarray:
        """Docs in these language groups (np.isin over the string column costs ~0.2 ms a call at 10k docs: cached)."""
        found = self._group_masks.get(groups)
        if found is None:
            found = self._group_masks[groups] = np.isin(self.doc_group, groups)
            found.flags.writeable = False
        return found

    @property
    def hybrid(self) -> bool:
        return self.vectors is not None

    def doc_count(self) -> int:
        return self.lexical.doc_count()

    def close(self) -> None:
        self.lexical.close()

    def search(self, request: SearchRequest) -> SearchResult:
        with self._lock:
            return self._search(request)

    # -- ranking --------------------------------------------------------------------------------
    def _search(self, request: SearchRequest) -> SearchResult:
        everywhere = self.lexical.groups
        asked = (language_group(request.locale, everywhere),) if request.locale else everywhere
        collection = self.lexical.allowed(request.visible, everywhere)  # statistics: what the caller may see
        # Typos: a word no doc of the asked language knows (spelled or stemmed) is searched with its closest word of
        # that language's vocabulary too, and the query so corrected is the "did you mean".
        fixes = self.corrections(request.query, request, asked, collection)
        lexical_text = " ".join([request.query] + [word for _, _, word in fixes])
        ranked = self._rank(request.query, request, asked, collection, lexical_text)
        suggestion, corrected = None, False
        if fixes:  # the hits are for the suggestion when the typed words alone match nothing of the asked language
            own, _ = self.lexical.scores(request.query, asked, collection, request.visible)
            corrected = not (
                (own > 0) & self.lexical.allowed(request.visible, asked, request.type, request.product)
            ).any()
            if (
                corrected or ranked["word_matches"] < WEAK_RESULTS
            ):  # else a valid word the KB lacks would be "corrected"
                suggestion = _apply(request.query, fixes)
        if suggestion and fold(suggestion) == fold(request.query):
            suggestion = None
        matched, scores, stems, fallback = ranked["matched"], ranked["scores"], ranked["stems"], ranked["fallback"]
        if request.locale:
            matched, scores = self._one_per_translation_family(
                matched, scores, self._in_groups(asked), ranked["candidates"]
            )
        chosen, total = fusion.top(scores, matched, request.limit)
        if not total:
            return SearchResult(
                request.query,
                request.audience,
                request.locale,
                (),
                0,
                {},
                suggestion,
                False,
                False,
                "hybrid" if self.hybrid else "lexical",
            )
        facets = self._facets(np.flatnonzero(matched)) if request.facets else {}
        hits = self._hits(chosen, scores, request, asked, stems)
        return SearchResult(
            request.query,
            request.audience,
            request.locale,
            hits,
            total,
            facets,
            suggestion,
            corrected,
            fallback or all(h.fallback for h in hits),
            "hybrid" if self.hybrid else "lexical",
        )

    def _rank(
        self,
        text: str,
        request: SearchRequest,
        asked: tuple[str, ...],
        collection: np.ndarray,
        lexical_text: str | None = None,
    ) -> dict:
        """`text` is embedded; `lexical_text` (default `text`: the query and its typo corrections) is matched."""
        everywhere = self.lexical.groups
        lexical_text = lexical_text or text
        if self.hybrid:
            assert self.vectors is not None and self.queries is not None  # set together in __init__
            scope = everywhere if request.fallback else asked
            candidates = self.lexical.allowed(request.visible, scope, request.type, request.product)
            lexical, stems = self.lexical.scores(lexical_text, scope, collection, request.visible)
            words = (lexical > 0) & candidates
            raw = cosine = self.vectors.similarities(
                self.queries.vector(text), candidates, self.config.offsets(), asked[0] if request.locale else None
            )
            mine = self._in_groups(asked)
            # The model rates text in the query's language above text in another language, relevant or not:
            # other languages' cosines get that measured advantage back before anything compares them.
            if request.locale:
                cosine = np.where(mine, cosine, cosine + self.config.cross_language_bias)
            weight = self.config.weight_for(request.locale) if request.locale else self._weights(candidates)
            scaled = fusion.scaled_lexical(lexical, candidates)
            semantic = fusion.scaled_cosine(cosine, candidates)
            if request.locale:
                scores = fusion.blend_languages(scaled, semantic, weight, mine)
            else:
                scores = fusion.mix(scaled, semantic, weight)
            # A doc without vectors (a landing page, which lists every topic) is ranked on its words alone, as if its
            # cosine were the lowest: else one word of a long topic list outranked every doc that matched in meaning.
            scores = np.where(np.isfinite(cosine), scores, fusion.mix(scaled, 0.0, weight))
            # Being a hit on meaning alone takes the model's own cosine: the bias ranks, it does not admit (else a
            # translation would pass the bar its original, the same text in the asked language, does not).
            matched = candidates & (words | (raw >= self.config.min_similarity))
            if request.locale:
                scores = np.where(mine, scores, scores * self.config.other_language_weight)
            scores = np.where(self.deprecated, scores * self.config.deprecated_weight, scores).astype(np.float32)
            return {
                "matched": matched,
                "scores": scores,
                "stems": stems,
                "fallback": False,
                "candidates": candidates,
                "word_matches": int((words & mine).sum()),
            }
        # Lexical only: the asked language first; other languages only when it has no match.
        found = self._lexical(lexical_text, request, asked, collection)
        fallback = False
        others = tuple(g for g in everywhere if g not in asked)
        if not found["matched"].any() and request.fallback and others:
            found, fallback = self._lexical(lexical_text, request, others, collection), True
            fallback = bool(found["matched"].any())
        found["fallback"] = fallback
        return found

    def _lexical(self, text: str, request: SearchRequest, groups: tuple[str, ...], collection: np.ndarray) -> dict:
        candidates = self.lexical.allowed(request.visible, groups, request.type, request.product)
        lexical, stems = self.lexical.scores(text, groups, collection, request.visible)
        matched = (lexical > 0) & candidates
        scores = np.where(self.deprecated, lexical * self.config.deprecated_weight, lexical).astype(np.float32)
        return {
            "matched": matched,
            "scores": scores,
            "stems": stems,
            "fallback": False,
            "candidates": candidates,
            "word_matches": int(matched.sum()),
        }

    def _one_per_translation_family(
        self, matched: np.ndarray, scores: np.ndarray, mine: np.ndarray, candidates: np.ndarray
    ):
        """A doc and its translations are one answer: the version in the asked language when it matched, else the
        original (scored with the family's best; the caller may see it, and it need not have matched itself: it says
        what its translation says), else the family's best version."""
        matched = matched & ~(~mine & np.isin(self.family, self.family[matched & mine]))
        elsewhere = np.flatnonzero(matched & ~mine)
        if not elsewhere.size:
            return matched, scores
        matched, scores = matched.copy(), scores.copy()
        order = np.argsort(self.family[elsewhere], kind="stable")  # members grouped, each group in docnum order
        families, starts, counts = np.unique(self.family[elsewhere][order], return_index=True, return_counts=True)
        for family, start, count in zip(families, starts, counts):
            members = elsewhere[order[start : start + count]]
            originals = [d for d in members if self._is_original(int(d))]
            if not originals:  # only translations matched: the original answers if the caller may see it
                original = self._original_of(int(family))
                if original >= 0 and candidates[original] and not mine[original]:
                    originals = [original]
            if len(members) == 1 and (not originals or originals[0] == members[0]):
                continue
            best = float(scores[members].max())
            keep = originals[0] if originals else members[np.argmax(scores[members])]
            matched[members] = False
            matched[keep], scores[keep] = True, best
        return matched, scores

    def _original_of(self, family: int) -> int:
        """The docnum of a translation family's original (-1 when it is not indexed); found once per generation."""
        found = self._family_original.get(family)
        if found is None:
            members = np.flatnonzero(self.family == family)
            found = self._family_original[family] = next((int(d) for d in members if self._is_original(int(d))), -1)
        return found

    def _is_original(self, docnum: int) -> bool:
        """Whether a doc is not a translation; read from its stored fields once per generation."""
        found = self._originals.get(docnum)
        if found is None:
            found = self._originals[docnum] = self.lexical.stored(docnum)["translation_of"] == ""
        return found

    def _weights(self, candidates: np.ndarray) -> np.ndarray:
        """Per-doc lexical weight by the doc's own language (queries with no locale)."""
        weights = np.full(self.lexical.size, self.config.weight_for(None), dtype=np.float32)
        for group in set(self.doc_group[candidates].tolist()):
            weights[self._in_groups((group,))] = self.config.weight_for(group)
        return weights

    def _facets(self, docnums: np.ndarray) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        for name in FACETS:
            codes, names = self.lexical.column(name)
            tally = np.bincount(codes[docnums], minlength=len(names))
            counts = {names[i]: int(n) for i, n in enumerate(tally) if n and names[i]}
            facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return facets

    def _hits(self, chosen, scores, request: SearchRequest, asked: tuple[str, ...], stems) -> tuple[SearchHit, ...]:
        patterns: dict[str, re.Pattern | None] = {}  # compiled for the hits' languages only
        hits = []
        for docnum in chosen:
            fields = self.lexical.stored(int(docnum))
            snippet = ""
            if request.snippets:
                group = fields["lang"]
                if group not in patterns:
                    patterns[group] = stem_pattern(stems.get(group, ()))
                snippet = make_snippet(fields["text"], patterns[group]) or html.escape(fields["summary"])
            hits.append(
                SearchHit(
                    id=fields["id"],
                    title=fields["title"],
                    path=fields["path"],
                    url=fields["url"],
                    score=round(float(scores[docnum]), 4),
                    snippet=snippet,
                    locale=fields["locale"],
                    type=fields["type"],
                    product=fields["product"],
                    audience=fields["audience"],
                    status=fields["status"],
                    fallback=bool(request.locale) and fields["lang"] not in asked,
                    superseded_by=fields.get("superseded_by") or "",
                    translation_of=fields.get("translation_of") or "",
                )
            )
        return tuple(hits)

    # -- "did you mean": words of the query's language that documents the caller may see contain -------
    def suggest(self, text: str, audience: str, locale: str | None = None) -> str | None:
        """The query with its unknown words replaced by their closest known words, or None (nothing to correct)."""
        request = SearchRequest(query=text, audience=audience, locale=locale)
        everywhere = self.lexical.groups
        asked = (language_group(locale, everywhere),) if locale else everywhere
        fixes = self.corrections(text, request, asked, self.lexical.allowed(request.visible, everywhere))
        return _apply(text, fixes) if fixes else None

    def corrections(
        self, text: str, request: SearchRequest, groups: tuple[str, ...], collection: np.ndarray
    ) -> list[tuple[int, int, str]]:
        """(start, end, word) for each word of `text` that no visible doc contains as typed (in any language) nor
        stemmed (in `groups`), and that is not a stop word of `groups`: its closest word of those groups' spelling
        vocabulary (unstemmed words of the docs the caller may see, and the taxonomy's synonyms), 1 edit for words
        of 5 letters or fewer, else 2. `collection`: the docs the caller may see, every language."""
        visible = self.lexical.allowed(request.visible, groups)
        if not visible.any():
            return []
        found = []
        for match in re.finditer(r"\w+", text):
            folded = fold(match.group())
            stop = any(folded in self.lexical.stop_words(group) for group in groups)
            if len(folded) < 4 or not folded.isalpha() or stop or self._visible_df(folded, collection):
                continue  # a word some visible doc contains, in any language ("contrasena" asked in English), is no typo
            stemmed, _ = self.lexical.scores(folded, groups, collection, request.visible)  # "cobraron" meets "cobrar"
            if ((stemmed > 0) & visible).any():
                continue
            best = self._closest(folded, visible, groups)
            if best:
                found.append((match.start(), match.end(), best))
        return found

    def _visible_df(self, word: str, visible: np.ndarray, groups: tuple[str, ...] | None = None) -> int:
        docs = self.lexical.word_docs(word, groups)
        return int(visible[docs].sum()) if docs.size else 0

    def _closest(self, word: str, visible: np.ndarray, groups: tuple[str, ...] | None = None) -> str | None:
        """The nearest candidate; among equally near ones a longer word first (a letter left out is the commonest
        typo: "arived", "pase"), then a shorter one, then a word of the taxonomy's synonyms in that language (the
        KB's own terms: "mot de passe" before "pause"), then the most frequent."""
        candidates = self.lexical.similar_words(word, 1 if len(word) <= 5 else 2, groups)
        ranked = sorted((edit_distance(word, c), c) for c in candidates if c != word)
        controlled = frozenset().union(*(self.lexical.vocabulary_terms(g) for g in groups or self.lexical.groups))
        best: tuple | None = None
        for distance, candidate in ranked[:20]:
            df = self._visible_df(candidate, visible, groups)
            key = (
                distance,
                0 if len(candidate) > len(word) else 1 if len(candidate) == len(word) else 2,
                candidate not in controlled,
                -df,
                candidate,
            )
            if (df or candidate in controlled) and (best is None or key < best):
                best = key
        return best[-1] if best else None


def _apply(text: str, fixes: list[tuple[int, int, str]]) -> str:
    """`text` with each (start, end) span replaced by its word; everything else as typed."""
    parts, last = [], 0
    for start, end, word in fixes:
        parts += [text[last:start], word]
        last = end
    return "".join(parts + [text[last:]])


class SearchEngine:
    """Searches the live index generation; follows `kb index` swaps without a restart.

    Each call checks where `current` points (one readlink) and reopens when it moved, so a reader
    always works on one complete generation. Older generations stay on disk for slow readers.
    """

    def __init__(self, settings: Settings, config: SearchConfig | None = None):
        self.settings = settings
        self.config = config or search_config(settings)
        self.store = IndexStore(index_root(settings))
        self.backend = get_backend(self.config.backend)
        taxonomy = load_taxonomy(settings.taxonomy_path) if settings.taxonomy_path.is_file() else None
        self.synonyms = dict(taxonomy.synonyms) if taxonomy else {}
        embedder = embedder_for(self.config, settings.root)
        self.queries = QueryVectors(embedder) if embedder is not None else None
        self._searcher: GenerationSearcher | None = None
        self._generation: str | None = None
        self._lock = threading.Lock()

    def searcher(self) -> GenerationSearcher:
        generation = self.store.require_current()
        with self._lock:
            if self._searcher is None or generation.name != self._generation:
                for attempt in range(3):
                    try:
                        opened = self.open(generation)
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

    def open(self, generation: Path) -> GenerationSearcher:
        manifest = Manifest.read(generation)
        if manifest is None or manifest.schema != SCHEMA_VERSION:
            # An index written by another kbops version may not even unpickle (its analyzers moved): say so plainly.
            raise NotFoundError(
                f"the search index at {generation.parent} was built by another version of kb "
                f"(format {manifest.schema if manifest else 'unknown'}, this kb reads {SCHEMA_VERSION}); "
                "run `kb index` to rebuild it"
            )
        return GenerationSearcher(
            generation, self.backend.open(generation, self.config, self.synonyms), self.config, self.queries
        )

    @property
    def generation(self) -> str | None:
        return self._generation

    def request(
        self,
        query: str,
        audience: str = ANONYMOUS_AUDIENCE,
        locale: str | None = None,
        type: str | None = None,
        product: str | None = None,
        limit: int | None = None,
        **options,
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
        if locale is not None and not looks_like_locale(locale):
            raise UsageError(f"invalid locale {locale!r}; expected a code such as en, es or fr")
        return SearchRequest(
            query=query,
            audience=audience,
            locale=locale or None,
            type=type or None,
            product=product or None,
            limit=limit,
            **options,
        )

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
