"""Learning from the logs: real queries that led readers to a doc, and no contact after, as sample_queries.

For each doc, the searches clicked through to it in sessions that were not contacted are candidate
`sample_queries`. Sessions are split deterministically (an MD5 of the session id) into a training part,
which proposes queries, and a held-out part, which labels evaluation queries: `kb eval` on the held-out
queries before and after the proposal shows its effect on searches the proposal never saw.

A query is proposed only when it never contained personal data (the scrubbed text equals the raw
text, and scrubbing it again changes nothing), is 3-120 characters long, is in the doc's language,
is not already one of the doc's sample_queries, and came from at least `min_sessions` sessions; at
most `per_doc` per doc, most frequent first.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbops.analytics.engine import prepared
from kbops.analytics.options import DeflectionOptions
from kbops.authoring.sample_queries import add_sample_queries
from kbops.config import Settings, load_settings
from kbops.errors import UsageError
from kbops.locale import same_language
from kbops.pii import scrub
from kbops.search.text import fold

PAIRS_SQL = """
WITH clicked AS (
    SELECT o.session, o.locale, o.clicked_doc AS doc, o.query_norm,
           trim(regexp_replace(q.query_scrubbed, '\\s+', ' ', 'g')) AS shown,
           q.query <> q.query_scrubbed AS had_personal_data,
           CAST(('0x' || left(md5(o.session), 8)) AS BIGINT) % 1000 < {holdout_permille} AS held_out
    FROM search_outcomes AS o
    JOIN events AS e ON e.event_id = o.event_id
    JOIN query_forms AS q ON q.query = e.query
    WHERE o.clicked_doc IS NOT NULL AND o.query_norm <> ''
      AND o.session NOT IN (SELECT session FROM contacted_sessions)
)
SELECT query_norm, doc, held_out, mode(shown) AS query, bool_or(had_personal_data) AS had_personal_data,
       mode(locale) AS locale, count(DISTINCT session) AS sessions
FROM clicked
GROUP BY query_norm, doc, held_out
"""


@dataclass(frozen=True)
class DocSuggestion:
    doc: str
    path: str
    queries: tuple[str, ...]
    sessions: tuple[int, ...]


@dataclass(frozen=True)
class EvalQuery:
    query: str
    relevant: tuple[str, ...]
    locale: str | None


@dataclass
class Suggestions:
    docs: list[DocSuggestion] = field(default_factory=list)
    held_out: list[EvalQuery] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> candidate (query, doc) pairs

    def as_dict(self) -> dict[str, Any]:
        return {
            "docs": [
                {"doc": d.doc, "path": d.path, "queries": list(d.queries), "sessions": list(d.sessions)}
                for d in self.docs
            ],
            "proposed": sum(len(d.queries) for d in self.docs),
            "held_out_queries": len(self.held_out),
            "skipped": self.skipped,
        }


def _key(query: str) -> str:
    return " ".join(fold(query).split()).rstrip("?!. ")


def suggest_queries(
    options: DeflectionOptions,
    settings: Settings,
    *,
    per_doc: int = 5,
    min_sessions: int = 2,
    holdout: float = 0.3,
) -> Suggestions:
    from kbops.model.loader import load_corpus

    corpus = load_corpus(settings)
    docs = {d.id: d for d in corpus.docs if d.id and d.frontmatter is not None}
    with prepared(options) as p:
        cursor = p.con.execute(PAIRS_SQL.format(holdout_permille=int(round(holdout * 1000))))
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, r)) for r in cursor.fetchall()]
    result = Suggestions()

    def skip(reason: str) -> None:
        result.skipped[reason] = result.skipped.get(reason, 0) + 1

    held: dict[tuple[str, str | None], set[str]] = {}
    proposals: dict[str, list[tuple[int, str]]] = {}
    for row in sorted(rows, key=lambda r: (-r["sessions"], r["query"], r["doc"])):
        doc = docs.get(row["doc"])
        locale = None if row["locale"] in (None, "unknown") else row["locale"]
        if row["held_out"]:
            held.setdefault((row["query"], locale), set()).add(row["doc"])
            continue
        if doc is None:
            skip("doc not in the knowledge base")
            continue
        query = row["query"]
        fm, doc_id = doc.frontmatter, doc.id
        assert fm is not None and doc_id is not None  # `docs` holds only docs with an id and a valid front-matter
        if row["had_personal_data"] or scrub(query) != query:
            skip("contained personal data")
        elif not 3 <= len(query) <= 120:
            skip("too short or too long")
        elif locale and not same_language(locale, str(fm.locale)):
            skip("not in the doc's language")
        elif row["sessions"] < min_sessions:
            skip(f"fewer than {min_sessions} sessions")
        elif _key(query) in {_key(q) for q in fm.sample_queries} | {_key(q) for _, q in proposals.get(doc_id, [])}:
            skip("already a sample query")
        elif len(proposals.get(doc_id, [])) >= per_doc:
            skip(f"over the cap of {per_doc} per doc")
        else:
            proposals.setdefault(doc_id, []).append((int(row["sessions"]), query))
    result.docs = [
        DocSuggestion(doc_id, docs[doc_id].relpath, tuple(q for _, q in found), tuple(n for n, _ in found))
        for doc_id, found in sorted(proposals.items())
    ]
    result.held_out = [
        EvalQuery(q, tuple(sorted(ids)), loc) for (q, loc), ids in sorted(held.items(), key=lambda kv: kv[0][0])
    ]
    return result


def given_queries(settings: Settings, doc_id: str, queries: list[str]) -> Suggestions:
    """A proposal of the given phrasings (a content gap's, from `kb deflection`) as one doc's sample_queries.

    The same filters as learned queries, except the session count: no personal data, 3-120 characters,
    not already a sample query of the doc."""
    from kbops.model.loader import load_corpus

    doc = next((d for d in load_corpus(settings).docs if d.id == doc_id and d.frontmatter is not None), None)
    if doc is None:
        raise UsageError(f"--doc {doc_id}: no such doc in the knowledge base")
    fm = doc.frontmatter
    assert fm is not None  # chosen for its valid front-matter
    result = Suggestions()
    present = {_key(q) for q in fm.sample_queries}
    kept: list[str] = []
    for query in queries:
        query = " ".join(query.split())
        reason = (
            "contained personal data"
            if scrub(query) != query
            else "too short or too long"
            if not 3 <= len(query) <= 120
            else "already a sample query"
            if _key(query) in present | {_key(q) for q in kept}
            else None
        )
        if reason:
            result.skipped[reason] = result.skipped.get(reason, 0) + 1
        else:
            kept.append(query)
    if kept:
        result.docs = [DocSuggestion(doc_id, doc.relpath, tuple(kept), tuple(0 for _ in kept))]
    return result


def proposed_texts(settings: Settings, suggestions: Suggestions) -> dict[Path, tuple[str, str]]:
    """File -> (current text, text with the proposed queries)."""
    changed: dict[Path, tuple[str, str]] = {}
    for item in suggestions.docs:
        path = settings.root / item.path
        before = path.read_text(encoding="utf-8")
        changed[path] = (before, add_sample_queries(before, list(item.queries), item.path))
    return changed


def unified_diff(settings: Settings, changes: dict[Path, tuple[str, str]]) -> str:
    """The proposal as a reviewable patch (`git apply`-able, paths relative to the repository root)."""
    parts: list[str] = []
    for path, (before, after) in changes.items():
        rel = path.relative_to(settings.root).as_posix()
        parts.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"a/{rel}",
                tofile=f"b/{rel}",
            )
        )
    return "".join(parts)


def write_changes(changes: dict[Path, tuple[str, str]]) -> list[Path]:
    for path, (_, after) in changes.items():
        path.write_text(after, encoding="utf-8")
    return list(changes)


KB_FILES = ("kb", "sops", "playbooks", "governance.yml", "taxonomy.yml", "pyproject.toml", "mkdocs.yml")


def eval_before_after(settings: Settings, suggestions: Suggestions, audience: str = "public") -> dict[str, Any]:
    """`kb eval` of the held-out queries on a scratch copy of the KB, without and with the proposal."""
    from kbops.search.evaluate import LabelledQuery, evaluate
    from kbops.search.indexer import build_index

    queries = [LabelledQuery(q.query, q.relevant, q.locale, "held-out log") for q in suggestions.held_out]
    if not queries:
        return {"queries": 0}
    proposed = {_key(q) for d in suggestions.docs for q in d.queries}
    unseen = [q for q in queries if _key(q.query) not in proposed]
    with tempfile.TemporaryDirectory(prefix="kb-suggest-eval-") as scratch:
        root = Path(scratch) / "kb"
        root.mkdir()
        for name in KB_FILES:
            source = settings.root / name
            if source.is_dir():
                shutil.copytree(source, root / name)
            elif source.is_file():
                shutil.copy2(source, root / name)
        copy = load_settings(root, **({"today": settings.today} if settings.today else {}))
        results: dict[str, Any] = {"queries": 0, "unseen_phrasings": 0}
        for stage in ("before", "after"):
            if stage == "after":
                write_changes(
                    {root / p.relative_to(settings.root): t for p, t in proposed_texts(settings, suggestions).items()}
                )
            build_index(copy, rebuild=True)
            try:  # kb eval scores only the queries this audience could answer
                report = evaluate(copy, queries, audience=audience)
            except UsageError:
                return {"queries": 0, "unseen_phrasings": 0}
            results["queries"] = report.queries
            results[stage] = {
                "mrr": round(report.mrr, 4),
                "recall@1": round(report.recall_at_1, 4),
                "recall@5": round(report.recall_at_5, 4),
            }
            try:
                part = evaluate(copy, unseen, audience=audience) if unseen else None
            except UsageError:
                part = None
            if part is not None:
                results["unseen_phrasings"] = part.queries
                results[stage]["unseen_mrr"] = round(part.mrr, 4)
        return results
