"""What to fix first, as rows every report format shares: worst docs, diagnosed gap clusters, agent search."""
from __future__ import annotations

from typing import Optional

from kbops.analytics.report import DeflectionReport, DocStats

FIX_DOCS = 10
FIX_GAPS = 10

DOC_HEADER = ["doc", "owner", "last review", "sessions", "contacted", "contact rate (95% low)", "sure contacts", "helpful yes/no"]
GAP_HEADER = ["gap (phrasings)", "searches", "zero-result", "contacted", "verdict", "action"]
AGENT_HEADER = ["query", "searches", "zero-result", "sessions"]

VERDICTS = {
    "no_doc": "no doc answers",
    "ranks_low": "a doc exists, search ranks it low",
    "found": "search finds a doc; readers still contact",
    "no_index": "no search index (run kb index)",
}


def pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def doc_label(report: DeflectionReport, doc_id: Optional[str]) -> str:
    if not doc_id:
        return ""
    title = next((d.title for d in report.docs if d.doc == doc_id and d.title), None)
    return f"{title} ({doc_id})" if title else doc_id


def doc_row(d: DocStats) -> list[str]:
    return [
        f"{d.title} ({d.doc})" if d.title else d.doc,
        d.owner or "–",
        d.last_reviewed or "–",
        f"{d.sessions:,}",
        f"{d.contacted_sessions:,}",
        f"{pct(d.contact_after_view_rate)} (≥ {pct(d.rate_lower_bound)})",
        f"{d.sure_contacts:,.0f}",
        f"{d.helpful_yes}/{d.helpful_no}",
    ]


def doc_rows(report: DeflectionReport, limit: int = FIX_DOCS) -> list[list[str]]:
    return [doc_row(d) for d in report.worst_docs[:limit]]


def gap_action(report: DeflectionReport, cluster) -> str:
    if cluster.verdict == "no_doc":
        return cluster.command or ""
    if cluster.verdict == "ranks_low":
        where = f"rank {cluster.doc_rank}" if cluster.doc_rank else "not in the top 10"
        return f"{doc_label(report, cluster.doc)}: {where}; add these phrasings to its sample_queries"
    if cluster.verdict == "found":
        return f"{doc_label(report, cluster.doc)} (rank {cluster.doc_rank}): make it answer the question"
    if cluster.clicked_doc:
        return f"readers were helped by {doc_label(report, cluster.clicked_doc)}"
    return ""


def gap_rows(report: DeflectionReport, limit: int = FIX_GAPS) -> list[list[str]]:
    rows = []
    for g in report.gap_clusters[:limit]:
        more = f" (+{len(g.queries) - 1} phrasings)" if len(g.queries) > 1 else ""
        rows.append([g.representative + more, f"{g.searches:,}", f"{g.zero_result_searches:,}", f"{g.contacted_sessions:,}",
                     VERDICTS.get(g.verdict or "", "–"), gap_action(report, g)])
    return rows


def agent_rows(report: DeflectionReport, limit: int = 10) -> list[list[str]]:
    return [[q.query, f"{q.searches:,}", f"{q.zero_result_searches:,}", f"{q.sessions:,}"] for q in report.agents.queries[:limit]]


def agent_summary(report: DeflectionReport) -> str:
    a = report.agents
    if not a.searches:
        return "No agent searches (partner or internal audience) in the period."
    per = ", ".join(f"{k} {v:,}" for k, v in sorted(a.by_audience.items()))
    return (f"{a.searches:,} agent searches ({per}) in {a.sessions:,} sessions, zero-result rate {pct(a.zero_result_rate)}; "
            "kept out of the customer metrics. What agents cannot find is a gap in partner docs.")


def join_summary(report: DeflectionReport) -> Optional[str]:
    j = report.identity
    if j is None:
        return None
    shapes = lambda s: ", ".join(f"{v:,} {k}" for k, v in sorted(s.items())) or "none"  # noqa: E731
    return (f"{j.matched:,} of {j.requesters:,} ticket requesters ({pct(j.match_rate)}) matched a self-service user. "
            f"Distinct ids: events {shapes(j.event_id_shapes)}; requesters {shapes(j.requester_id_shapes)}.")
