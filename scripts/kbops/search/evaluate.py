"""`kb eval`: recall@1, recall@5 and MRR (cutoff 10) of the live index over labelled queries.

Searching as an audience scores only what that audience could find: a query whose answers are all above
the audience is left out (and counted), and answers above it are dropped from a query's relevant set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kbops.config import Settings
from kbops.errors import UsageError
from kbops.model.files import Refused, read_source
from kbops.model.loader import Corpus, load_corpus
from kbops.publishing import WIDEST_AUDIENCE, is_publishable, is_visible, require_audience
from kbops.search.backend import SearchRequest
from kbops.search.config import search_config
from kbops.search.engine import SearchEngine

CUTOFF = 10


@dataclass(frozen=True)
class LabelledQuery:
    """A query and the ids of the docs that answer it (any of them is a correct first hit)."""

    query: str
    relevant: tuple[str, ...]
    locale: str | None = None
    source: str = ""  # file:line or the doc whose sample_queries it came from


@dataclass(frozen=True)
class QueryOutcome:
    query: LabelledQuery
    rank: int | None  # 1-based rank of the first relevant hit within the cutoff
    found_at_5: float  # share of relevant docs in the top 5
    found_at_1: float
    top: tuple[str, ...]  # ids ranked first, for the "worst queries" list

    @property
    def reciprocal_rank(self) -> float:
        return 1.0 / self.rank if self.rank else 0.0

    def to_dict(self) -> dict:
        return {
            "query": self.query.query,
            "locale": self.query.locale,
            "relevant": list(self.query.relevant),
            "rank": self.rank,
            "top": list(self.top),
            "source": self.query.source,
        }


@dataclass(frozen=True)
class EvalReport:
    queries: int
    mrr: float
    recall_at_1: float
    recall_at_5: float
    mrr_floor: float
    outcomes: tuple[QueryOutcome, ...]
    audience: str = WIDEST_AUDIENCE
    excluded: int = 0  # labelled queries answerable only by docs above the audience

    @property
    def passed(self) -> bool:
        return self.mrr >= self.mrr_floor

    def worst(self, count: int = 10) -> list[QueryOutcome]:
        ranked = sorted(self.outcomes, key=lambda o: (o.reciprocal_rank, o.found_at_5, o.query.query))
        return [o for o in ranked if o.rank != 1][:count]

    def to_dict(self, worst: int = 10) -> dict:
        return {
            "queries": self.queries,
            "mrr": round(self.mrr, 4),
            "recall@1": round(self.recall_at_1, 4),
            "recall@5": round(self.recall_at_5, 4),
            "mrr_floor": self.mrr_floor,
            "passed": self.passed,
            "cutoff": CUTOFF,
            "audience": self.audience,
            "excluded": self.excluded,
            "worst": [o.to_dict() for o in self.worst(worst)],
        }


MAX_QUERIES_BYTES = 100_000_000


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def load_queries(path: Path) -> list[LabelledQuery]:
    """JSON lines `{"query": ..., "relevant": [ids], "locale": ...}`; every bad line is reported with its number."""
    try:
        lines = read_source(str(path), None, MAX_QUERIES_BYTES).decode("utf-8").splitlines()
    except Refused as exc:  # a FIFO, a folder, a file over the limit: never blocks
        raise UsageError(f"{path}: cannot read queries: {exc.message}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: cannot read queries: invalid UTF-8 at byte {exc.start}") from None
    queries: list[LabelledQuery] = []
    problems: list[str] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{number}: invalid JSON: {exc.msg}")
            continue
        except RecursionError:
            problems.append(f"{path}:{number}: invalid JSON: nested too deeply")
            continue
        except ValueError as exc:  # e.g. a number of more than 4,300 digits
            problems.append(f"{path}:{number}: invalid JSON: {str(exc).split(':')[0]}")
            continue
        query, relevant, locale = (
            (item.get("query"), item.get("relevant"), item.get("locale"))
            if isinstance(item, dict)
            else (None, None, None)
        )
        if isinstance(query, str) and not _is_text(query) or isinstance(locale, str) and not _is_text(locale):
            problems.append(f'{path}:{number}: "query" and "locale" must be valid Unicode text (no lone surrogates)')
        elif isinstance(relevant, list) and not all(isinstance(r, str) and _is_text(r) for r in relevant):
            problems.append(f'{path}:{number}: expected "relevant": a non-empty list of document ids')
        elif not isinstance(query, str) or not query.strip():
            problems.append(f'{path}:{number}: expected a non-empty string "query"')
        elif not (isinstance(relevant, list) and relevant and all(isinstance(r, str) for r in relevant)):
            problems.append(f'{path}:{number}: expected "relevant": a non-empty list of document ids')
        elif locale is not None and not isinstance(locale, str):
            problems.append(f'{path}:{number}: "locale" must be a string such as "es"')
        else:
            queries.append(LabelledQuery(query.strip(), tuple(relevant), locale or None, f"{path.name}:{number}"))
    if problems:
        raise UsageError(
            problems[:50]
            and "\n".join(problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else []))
        )
    if not queries:
        raise UsageError(f"{path}: no queries")
    return queries


def default_queries(settings: Settings, corpus: Corpus | None = None) -> list[LabelledQuery]:
    """Every publishable doc's `sample_queries`, each labelled with that doc."""
    found = []
    for doc in (corpus or load_corpus(settings)).docs:
        if is_publishable(doc):
            assert doc.frontmatter is not None  # is_publishable() requires validated front-matter
            for query in doc.frontmatter.sample_queries:
                found.append(LabelledQuery(query, (doc.frontmatter.id,), doc.frontmatter.locale, doc.relpath))
    return found


def answerable_by(queries: Iterable[LabelledQuery], corpus: Corpus, audience: str) -> tuple[list[LabelledQuery], int]:
    """The queries `audience` could answer, with answers above it removed; and how many were left out.

    Only published docs the audience may not see are removed: an id of no published doc (a typo, a
    draft) stays, so a wrong label still shows up as a miss.
    """
    hidden = {doc.id for doc in corpus.docs if is_publishable(doc) and not is_visible(doc, audience)}
    kept, excluded = [], 0
    for query in queries:
        relevant = tuple(doc_id for doc_id in query.relevant if doc_id not in hidden)
        if relevant:
            kept.append(
                query
                if relevant == query.relevant
                else LabelledQuery(query.query, relevant, query.locale, query.source)
            )
        else:
            excluded += 1
    return kept, excluded


def evaluate(
    settings: Settings,
    queries: Iterable[LabelledQuery] | None = None,
    audience: str = WIDEST_AUDIENCE,
    engine: SearchEngine | None = None,
) -> EvalReport:
    require_audience(audience)
    config = search_config(settings)
    corpus = load_corpus(settings)
    labelled = list(queries) if queries is not None else default_queries(settings, corpus)
    if not labelled:
        raise UsageError("no labelled queries: no publishable doc has sample_queries; pass --queries FILE")
    labelled, excluded = answerable_by(labelled, corpus, audience)
    if not labelled:
        raise UsageError(
            f"no labelled query is answerable by docs the {audience} audience may see ({excluded} left out)"
        )
    own = engine is None
    engine = engine or SearchEngine(settings, config)
    try:
        outcomes = tuple(judge(engine, q, audience) for q in labelled)
    finally:
        if own:
            engine.close()
    count = len(outcomes)
    return EvalReport(
        queries=count,
        mrr=sum(o.reciprocal_rank for o in outcomes) / count,
        recall_at_1=sum(o.found_at_1 for o in outcomes) / count,
        recall_at_5=sum(o.found_at_5 for o in outcomes) / count,
        mrr_floor=config.mrr_floor,
        outcomes=outcomes,
        audience=audience,
        excluded=excluded,
    )


def judge(engine: SearchEngine, labelled: LabelledQuery, audience: str) -> QueryOutcome:
    query = labelled.query[: engine.config.max_query_length]
    request = SearchRequest(
        query=query, audience=audience, locale=labelled.locale, limit=CUTOFF, snippets=False, facets=False
    )
    ranked = [hit.id for hit in engine.run(request).hits]
    relevant = set(labelled.relevant)
    rank = next((i for i, doc_id in enumerate(ranked, 1) if doc_id in relevant), None)
    return QueryOutcome(
        query=labelled,
        rank=rank,
        found_at_5=len(relevant & set(ranked[:5])) / len(relevant),
        found_at_1=len(relevant & set(ranked[:1])) / len(relevant),
        top=tuple(ranked[:3]),
    )
