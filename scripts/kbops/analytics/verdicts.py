"""A verdict for each content gap, from the search engine the readers use (same audience, same locale).

Each gap's phrasings (up to RUN_PHRASINGS, most searched first) are run through `SearchEngine.run`.

- **A confident answer** is a doc that search puts first for at least half of three or more phrasings;
  for a gap of only one or two phrasings, search's first hit for the top one (too few phrasings to prove
  that no doc answers: the report says so). What readers did then names the verdict, driven by the share
  of the gap's searches that found nothing:
  - most of them found nothing (`ranks_low`): the doc exists but readers' words do not reach it -> add
    the phrasings to its `sample_queries` (a ready `kb suggest-queries --doc ... --query ...`);
  - most of them had results and readers still contacted support (`found`): improve that doc.
- **No confident answer**, but readers who typed a phrasing clicked a doc and did not contact support:
  that doc helped; search ranks it low (`ranks_low`).
- **Nothing**: a clean proposed title (kbops.analytics.titles) is searched too; when its first hit's title
  covers it, an existing doc already covers the topic (`ranks_low` for that doc); otherwise `no_doc`,
  with a ready `kb new article --title ... --sample-query ...`.
- `translate`: the doc that answers exists only in another language than the gap's (`kb new --translation-of`).
- `no_index`: there is no search index to ask (run `kb index`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import shlex
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from kbops.analytics.gaps import MAX_SAMPLE_QUERIES, TOP_RANK, GapCluster, query_terms
from kbops.analytics.titles import proposed_title

log = logging.getLogger(__name__)
RUN_PHRASINGS = 8
MOSTLY_ZERO = 0.5  # zero-result share from which a gap is about findability, not the doc's content


def ask_search(report: Any, settings: Any, doc_info: dict[str, Any]) -> Any:
    """The report with what the search engine says: gap verdicts and translation demand (one engine, one
    model load, for both)."""
    from kbops.analytics.translations import demand

    engine = open_engine(settings)
    try:
        clusters = diagnose(report.gap_clusters, settings, report.audience, engine=engine)
        clusters = tuple(_translate_instead(c, doc_info) for c in clusters)
        return dataclasses.replace(
            report,
            gap_clusters=clusters,
            translation_demand=demand(
                report.translation_rows, doc_info, settings, search_audience(report.audience), engine=engine
            ),
        )
    finally:
        if engine is not None:
            engine.close()


def search_audience(audience: str) -> str:
    from kbops.analytics.options import ALL_AUDIENCES
    from kbops.publishing import WIDEST_AUDIENCE

    return WIDEST_AUDIENCE if audience == ALL_AUDIENCES else audience


def open_engine(settings: Any) -> Any | None:
    """The search engine on the live index, or None when there is none (run `kb index`)."""
    from kbops.errors import KbError
    from kbops.search.engine import SearchEngine

    try:
        engine = SearchEngine(settings)
        engine.searcher()
        return engine
    except (KbError, OSError) as exc:
        log.info("no search index to ask: %s", exc)
        return None


def _translate_instead(cluster: GapCluster, doc_info: dict[str, Any]) -> GapCluster:
    """A gap in one language answered by a doc that exists only in another: translate it (`translate`)."""
    from kbops.analytics.translations import translation_command
    from kbops.locale import language_of

    info = doc_info.get(cluster.doc or "")
    if info is None or not info.locale or language_of(info.locale) == cluster.locale:
        return cluster
    family = info.translation_of or cluster.doc
    if family is None:  # never: `info` was found under cluster.doc
        return cluster
    if any(language_of(i.locale) == cluster.locale and (i.translation_of or d) == family for d, i in doc_info.items()):
        return cluster
    return dataclasses.replace(
        cluster,
        verdict="translate",
        doc=family,
        command=translation_command(family, doc_info.get(family, info), cluster.locale),
    )


def diagnose(
    clusters: Iterable[GapCluster], settings: Any, audience: str = "public", *, engine: Any = None
) -> tuple[GapCluster, ...]:
    """Run each gap's phrasings through the search engine (opened here unless given) and give its verdict."""
    clusters = tuple(clusters)
    if not clusters:
        return clusters
    own = engine is None
    engine = open_engine(settings) if own else engine
    if engine is None:
        return tuple(dataclasses.replace(c, verdict="no_index") for c in clusters)
    try:
        return tuple(_verdict(c, _Searcher(engine, search_audience(audience), c.locale)) for c in clusters)
    finally:
        if own:
            engine.close()


class _Searcher:
    """The engine as one audience in one locale sees it; each query run once."""

    def __init__(self, engine: Any, audience: str, locale: str):
        self.engine, self.audience, self.locale = engine, audience, locale
        self.cache: dict[str, tuple[Any, ...]] = {}

    def hits(self, query: str) -> tuple[Any, ...]:
        from kbops.search.backend import SearchRequest

        query = query[: self.engine.config.max_query_length].strip()
        if not query:
            return ()
        if query not in self.cache:
            request = SearchRequest(
                query=query, audience=self.audience, locale=self.locale, limit=10, snippets=False, facets=False
            )
            self.cache[query] = tuple(self.engine.run(request).hits)
        return self.cache[query]

    def covers(self, query: str) -> str | None:
        """The first hit when its title covers more than half of the query's stems, else None."""
        hits = self.hits(query)
        if not hits:
            return None
        wanted = query_terms(query, self.locale)
        title = query_terms(hits[0].title, self.locale)
        return hits[0].id if wanted and len(wanted & title) * 2 > len(wanted) else None


def confident_answer(cluster: GapCluster, searcher: _Searcher) -> tuple[str | None, int, int]:
    """(doc, phrasings that put it first, phrasings run): the doc search answers the gap with, if any.

    Three or more phrasings vote; one or two cannot outvote search's first hit, which answers them (a gap
    of one phrasing is never proved to lack a doc: search always returns its nearest one)."""
    phrasings = list(cluster.queries[:RUN_PHRASINGS])
    needed = math.ceil(len(phrasings) / 2)
    firsts: list[str] = []
    run = 0
    for phrasing in phrasings:  # stop as soon as a doc has its majority (most gaps: after half the phrasings)
        run += 1
        hits = searcher.hits(phrasing)
        if hits:
            firsts.append(hits[0].id)
        if len(phrasings) >= 3 and firsts and Counter(firsts).most_common(1)[0][1] >= needed:
            break
    if not firsts:
        return None, 0, run
    doc, votes = Counter(firsts).most_common(1)[0]
    if len(phrasings) >= 3:
        return (doc if votes >= needed else None), votes, run
    first = searcher.hits(cluster.representative)
    return (first[0].id if first else doc), firsts.count(first[0].id) if first else votes, run


def _rank(searcher: _Searcher, query: str, doc: str) -> int | None:
    ranked = [h.id for h in searcher.hits(query)]
    return ranked.index(doc) + 1 if doc in ranked else None


def _verdict(cluster: GapCluster, searcher: _Searcher) -> GapCluster:
    doc, votes, run = confident_answer(cluster, searcher)
    if run < 3 and cluster.clicked_doc:  # what helped readers outweighs search's guess for one or two phrasings
        doc, votes = cluster.clicked_doc, 0
    rank = _rank(searcher, cluster.representative, doc) if doc else None
    share = cluster.zero_result_searches / cluster.searches if cluster.searches else 0.0
    common: dict[str, Any] = dict(votes=votes, phrasings_run=run)
    if doc is not None:
        verdict = "ranks_low" if share >= MOSTLY_ZERO or rank is None or rank > TOP_RANK else "found"
        command = add_phrasings_command(doc, cluster) if verdict == "ranks_low" else None
        return dataclasses.replace(cluster, verdict=verdict, doc=doc, doc_rank=rank, command=command, **common)
    if cluster.clicked_doc:
        clicked = cluster.clicked_doc
        return dataclasses.replace(
            cluster,
            verdict="ranks_low",
            doc=clicked,
            doc_rank=_rank(searcher, cluster.representative, clicked),
            command=add_phrasings_command(clicked, cluster),
            **common,
        )
    title = proposed_title(cluster.queries, cluster.locale, lambda q: query_terms(q, cluster.locale))
    covered = searcher.covers(title)
    if covered:
        return dataclasses.replace(
            cluster,
            verdict="ranks_low",
            doc=covered,
            doc_rank=_rank(searcher, cluster.representative, covered),
            command=add_phrasings_command(covered, cluster),
            title=title,
            **common,
        )
    return dataclasses.replace(
        cluster, verdict="no_doc", title=title, command=new_doc_command(cluster, title), **common
    )


def _phrasings(cluster: GapCluster) -> Sequence[str]:
    return cluster.queries[:MAX_SAMPLE_QUERIES]


def new_doc_command(cluster: GapCluster, title: str) -> str:
    """`kb new article --title ... --locale ... --sample-query ...` for a gap no doc answers."""
    parts = ["kb", "new", "article", "--title", title, "--locale", cluster.locale]
    for query in _phrasings(cluster):
        parts += ["--sample-query", query]
    return " ".join(_quote(p) for p in parts)


def add_phrasings_command(doc: str, cluster: GapCluster) -> str:
    """`kb suggest-queries --doc ID --query ...`: the gap's phrasings as the doc's sample_queries (a patch)."""
    parts = ["kb", "suggest-queries", "--doc", doc]
    for query in _phrasings(cluster):
        parts += ["--query", query]
    return " ".join(_quote(p) for p in parts)


def _quote(word: str) -> str:
    """Shell quoting that stays readable: double quotes unless the word needs shlex's single quotes."""
    quoted = shlex.quote(word)
    if quoted == word or "'" not in word or any(c in word for c in '"$`\\!'):
        return quoted
    return f'"{word}"'
