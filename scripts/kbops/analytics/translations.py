"""Translation demand: which docs readers of a language need in their language, ranked by sessions.

A search by a reader browsing in language L is demand for doc D in L when
- the reader clicked D (or a translation of D) in another language, and D has no version in L; or
- the reader clicked nothing, and the search engine, asked in L as the reader asked, puts first a doc
  in another language whose family has no version in L (the engine answers across languages only when
  nothing in L answers well).
Demand is grouped by (L, D) with the queries that led to it; each row carries the
`kb new TYPE --translation-of D --locale L` command. The SQL is sql/translations.sql; only the
unclicked queries with most sessions per language (UNANSWERED_PER_LANGUAGE) are run through search.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from kbops.analytics.report import DocInfo
from kbops.locale import language_of

log = logging.getLogger(__name__)
UNANSWERED_PER_LANGUAGE = 25
QUERIES_PER_ROW = 5


@dataclass(frozen=True)
class TranslationDemand:
    language: str  # what the readers browse in
    doc: str  # the doc to translate (the original of its family)
    title: str | None
    doc_type: str | None
    sessions: int  # sessions per query, summed over the queries below
    clicked_sessions: int  # of which: readers who opened the doc in another language
    unanswered_sessions: int  # of which: readers who clicked nothing, where search answers with the doc
    queries: tuple[tuple[str, int], ...]  # (query, sessions), most first
    command: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "doc": self.doc,
            "title": self.title,
            "sessions": self.sessions,
            "clicked_sessions": self.clicked_sessions,
            "unanswered_sessions": self.unanswered_sessions,
            "queries": [{"query": q, "sessions": n} for q, n in self.queries],
            "command": self.command,
        }


def candidates(con: duckdb.DuckDBPyConnection, sql: str, doc_info: dict[str, DocInfo]) -> list[dict[str, Any]]:
    """The (language, query, doc, sessions) rows of sql/translations.sql over the open deflection connection."""
    docs = [
        (doc, language_of(info.locale), info.translation_of or doc) for doc, info in doc_info.items() if info.locale
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE kb_docs AS SELECT unnest(CAST($1 AS VARCHAR[])) AS doc, "
        "unnest(CAST($2 AS VARCHAR[])) AS language, unnest(CAST($3 AS VARCHAR[])) AS family",
        [[d for d, _, _ in docs], [lang for _, lang, _ in docs], [f for _, _, f in docs]],
    )
    cursor = con.execute(sql)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def demand(
    rows: Iterable[dict[str, Any]],
    doc_info: dict[str, DocInfo],
    settings: Any = None,
    audience: str = "public",
    *,
    engine: Any = None,
) -> tuple[TranslationDemand, ...]:
    """Group the candidate rows by (language, doc), asking search about the unclicked queries."""
    rows = list(rows)
    languages = {language_of(i.locale) for i in doc_info.values() if i.locale}
    family_languages: dict[str, set[str]] = {}
    for doc, info in doc_info.items():
        if info.locale:
            family_languages.setdefault(info.translation_of or doc, set()).add(language_of(info.locale))
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def add(language: str, doc: str, query: str, sessions: int, kind: str) -> None:
        entry = found.setdefault((language, doc), {"clicked": 0, "unanswered": 0, "queries": {}})
        entry[kind] += sessions
        entry["queries"][query] = entry["queries"].get(query, 0) + sessions

    for row in rows:
        if row["doc"] is not None:
            add(row["language"], row["doc"], row["query"], int(row["sessions"]), "clicked")
    unanswered = [r for r in rows if r["doc"] is None and r["language"] in languages]
    for (language, query, doc), sessions in _answers(
        unanswered, settings, audience, doc_info, family_languages, engine
    ):
        add(language, doc, query, sessions, "unanswered")
    result = []
    for (language, doc), entry in found.items():
        info = doc_info.get(doc, DocInfo())
        queries = tuple(sorted(entry["queries"].items(), key=lambda kv: (-kv[1], kv[0])))[:QUERIES_PER_ROW]
        result.append(
            TranslationDemand(
                language=language,
                doc=doc,
                title=info.title,
                doc_type=info.doc_type,
                sessions=entry["clicked"] + entry["unanswered"],
                clicked_sessions=entry["clicked"],
                unanswered_sessions=entry["unanswered"],
                queries=queries,
                command=translation_command(doc, info, language),
            )
        )
    result.sort(key=lambda d: (-d.sessions, d.language, d.doc))
    return tuple(result)


def _answers(
    rows: list[dict[str, Any]],
    settings: Any,
    audience: str,
    doc_info: dict[str, DocInfo],
    family_languages: dict[str, set[str]],
    engine: Any = None,
) -> list[tuple[tuple[str, str, str], int]]:
    """((language, query, doc), sessions) for unclicked queries that search answers in another language."""
    if (settings is None and engine is None) or not rows:
        return []
    from kbops.analytics.verdicts import open_engine
    from kbops.search.backend import SearchRequest

    per_language: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        bucket = per_language.setdefault(row["language"], [])
        if len(bucket) < UNANSWERED_PER_LANGUAGE:
            bucket.append(row)
    own = engine is None
    engine = open_engine(settings) if own else engine
    if engine is None:
        return []
    answers = []
    try:
        for language, bucket in per_language.items():
            for row in bucket:
                request = SearchRequest(
                    query=row["query"][: engine.config.max_query_length],
                    audience=audience,
                    locale=language,
                    limit=1,
                    snippets=False,
                    facets=False,
                )
                hits = engine.run(request).hits
                if not hits or language_of(hits[0].locale) == language:
                    continue
                family = hits[0].translation_of or hits[0].id
                if language not in family_languages.get(family, set()) and family in doc_info:
                    answers.append(((language, row["query"], family), int(row["sessions"])))
    finally:
        if own:
            engine.close()
    return answers


def translation_command(doc: str, info: DocInfo, language: str) -> str:
    """`kb new TYPE --title T --locale L --translation-of DOC` (the title is the source's, to translate)."""
    parts = [
        "kb",
        "new",
        info.doc_type or "article",
        "--title",
        info.title or doc,
        "--locale",
        language,
        "--translation-of",
        doc,
    ]
    return " ".join(shlex.quote(p) for p in parts)
