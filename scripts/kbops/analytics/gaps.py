"""Content gaps grouped and diagnosed: near-duplicate queries clustered, each cluster run through search.

Six phrasings of one question ("exchange rate", "what exchange rate do you use", ...) are one gap.
Queries are already normalised in SQL (scrubbed, lower-cased, accent-folded); here each is analysed
by the search engine's own analyzer for its language (stop words out, Snowball stems, both accent
variants), and a query joins the first, larger cluster whose representative shares at least half of
its terms (Jaccard >= 0.5). Counts per cluster are then computed exactly in SQL (a session that
searched two phrasings counts once).

Each cluster's verdict comes from running its phrasings through the search engine
(kbops.analytics.verdicts).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from kbops.locale import DEFAULT_LOCALE, SNOWBALL_LANGUAGES, language_of

log = logging.getLogger(__name__)
SIMILARITY = 0.5
TOP_RANK = 3
MAX_SAMPLE_QUERIES = 6


@dataclass(frozen=True)
class GapCluster:
    representative: str
    locale: str
    queries: tuple[str, ...]  # phrasings, most searched first
    searches: int
    zero_result_searches: int
    sessions: int
    contacted_sessions: int
    clicked_doc: str | None = None  # the doc its readers clicked and then did not contact
    verdict: str | None = None  # no_doc | ranks_low | found | no_index
    doc: str | None = None
    doc_rank: int | None = None
    command: str | None = None
    title: str | None = None  # the proposed title of a new doc (no_doc), or the one checked against existing docs
    votes: int = 0  # phrasings whose first search hit is `doc`
    phrasings_run: int = 0

    @property
    def zero_result_share(self) -> float:
        return self.zero_result_searches / self.searches if self.searches else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "zero_result_share": round(self.zero_result_share, 4)}


@functools.lru_cache(maxsize=65536)
def query_terms(query: str, locale: str | None) -> frozenset[str]:
    """The search engine's analysis of a query: one stem per word position, stop words removed."""
    from kbops.search.text import language_group

    group = language_group(locale or DEFAULT_LOCALE, SNOWBALL_LANGUAGES)  # every language with a stemmer
    analysed = _default_backend().query_terms(query, group)
    return frozenset(variants[0] for variants in analysed if variants)


@functools.lru_cache(maxsize=1)
def _default_backend():
    """The default search backend, whose analyzer the index uses (behind the backend seam, not imported)."""
    from kbops.search.backend import get_backend
    from kbops.search.config import SearchConfig

    return get_backend(SearchConfig().backend)


def _language(locale: str | None) -> str:
    """The language of a locale; events without one ("unknown") are analysed as English, the default."""
    base = language_of(locale)
    return DEFAULT_LOCALE if not base or base == "unknown" else base


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= SIMILARITY


def cluster_queries(rows: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Greedy clustering of query rows (query, locale, searches, ...), strongest first.

    Each row joins the first cluster of the same language whose representative (its first row) is
    similar; a query whose terms are all stop words stays alone.
    """
    clusters: list[tuple[str, frozenset[str], list[dict[str, Any]]]] = []
    for row in rows:
        locale = _language(row.get("locale"))
        terms = query_terms(row["query"], locale)
        for c_locale, c_terms, members in clusters:
            if c_locale == locale and similar(terms, c_terms):
                members.append(row)
                break
        else:
            clusters.append((locale, terms, [row]))
    return [members for _, _, members in clusters]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def gap_clusters(con: duckdb.DuckDBPyConnection, queries: dict[str, str], limit: int) -> tuple[GapCluster, ...]:
    """Clusters of the gap queries in the open deflection connection, most contacted sessions first."""
    candidates = _rows(con, queries["candidates"])
    if not candidates:
        return ()
    # Strongest phrasing first, so that it becomes its cluster's representative.
    candidates.sort(key=lambda r: (-r["searches"], r["query"]))
    groups = cluster_queries(candidates)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE query_cluster AS "
        "SELECT unnest(CAST($1 AS VARCHAR[])) AS query, unnest(CAST($2 AS BIGINT[])) AS cluster",
        [[r["query"] for g in groups for r in g], [i for i, g in enumerate(groups) for _ in g]],
    )
    counts = {r["cluster"]: r for r in _rows(con, queries["cluster_counts"])}
    clusters = []
    for index, members in enumerate(groups):
        c = counts[index]
        rep = members[0]
        clusters.append(
            GapCluster(
                representative=rep["query"],
                locale=_language(rep.get("locale")),
                queries=tuple(m["query"] for m in members),
                searches=int(c["searches"]),
                zero_result_searches=int(c["zero_result_searches"]),
                sessions=int(c["sessions"]),
                contacted_sessions=int(c["contacted_sessions"]),
            )
        )
    clusters.sort(key=lambda g: (-g.contacted_sessions, -g.zero_result_searches, -g.searches, g.representative))
    top = clusters[:limit]
    clicks = [r for r in _rows(con, queries["clicks"]) if r["resolved"]]
    return tuple(dataclasses.replace(g, clicked_doc=_helpful_click(g, clicks)) for g in top)


def _helpful_click(cluster: GapCluster, clicks: list[dict[str, Any]]) -> str | None:
    """The doc most often clicked, without a contact after, by the cluster's own phrasings; failing that,
    by other queries similar to its representative (phrasings that were never a gap)."""
    names = set(cluster.queries)
    own = [r for r in clicks if r["query"] in names]
    if not own:
        rep_terms = query_terms(cluster.representative, cluster.locale)
        own = [
            r
            for r in clicks
            if _language(r.get("locale")) == cluster.locale
            and similar(query_terms(r["query"], cluster.locale), rep_terms)
        ]
    score: dict[str, int] = {}
    for row in own:
        score[row["doc"]] = score.get(row["doc"], 0) + int(row["resolved"])
    return max(sorted(score), key=lambda d: score[d]) if score else None
