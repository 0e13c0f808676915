"""What to fix first, as rows every report format shares: worst docs, diagnosed gap clusters, agent search."""

from __future__ import annotations

from kbops.analytics.fix_first import FixDoc
from kbops.analytics.report import DeflectionReport

FIX_DOCS = 10
FIX_GAPS = 10

DOC_HEADER = [
    "doc",
    "why",
    "excess contacts",
    "contacted / sessions",
    "contact rate (95% low)",
    "usual rate",
    "helpful yes/no",
    "owner",
    "last review",
]
GAP_HEADER = ["#", "gap (phrasings)", "contacted", "zero-result / searches", "verdict", "why", "action"]
AGENT_HEADER = ["query", "searches", "zero-result", "sessions"]

VERDICTS = {
    "no_doc": "no doc answers: write one",
    "ranks_low": "a doc answers; readers' words miss it",
    "found": "readers find the doc and still contact: improve it",
    "translate": "the answer exists only in another language: translate it",
    "no_index": "no search index (run kb index)",
}


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def doc_label(report: DeflectionReport, doc_id: str | None) -> str:
    if not doc_id:
        return ""
    title = next((d.title for d in report.docs if d.doc == doc_id and d.title), None)
    return f"{title} ({doc_id})" if title else doc_id


def doc_row(row: FixDoc) -> list[str]:
    d = row.stats
    return [
        f"{d.title} ({d.doc})" if d.title else d.doc,
        "; ".join(row.reasons),
        f"{row.excess_contacts:,.0f}",
        f"{d.contacted_sessions:,} / {d.sessions:,}",
        f"{pct(d.contact_after_view_rate)} (≥ {pct(d.rate_lower_bound)})",
        f"{pct(row.baseline.contact_rate)} ({row.baseline.label})",
        f"{d.helpful_yes}/{d.helpful_no}",
        d.owner or "–",
        d.last_reviewed or "–",
    ]


def doc_rows(report: DeflectionReport, limit: int = FIX_DOCS) -> list[list[str]]:
    return [doc_row(d) for d in report.worst_docs[:limit]]


def gap_reason(cluster) -> str:
    """Why the verdict: what readers' searches got, and what search answers now."""
    found = f"{cluster.zero_result_searches:,} of {cluster.searches:,} searches found nothing"
    if cluster.verdict == "no_doc":
        return f'{found}; no doc is search\'s first hit for most phrasings, nor covers "{cluster.title}"'
    if cluster.verdict in ("ranks_low", "found", "translate") and cluster.votes and len(cluster.queries) < 3:
        return f"{found}; search puts the doc first for the {len(cluster.queries)} phrasing(s) (too few to rule out a new doc)"
    if cluster.verdict in ("ranks_low", "found", "translate") and cluster.votes:
        return f"{found}; search puts the doc first for {cluster.votes} of the {cluster.phrasings_run} phrasings tried"
    if cluster.verdict == "ranks_low" and cluster.clicked_doc == cluster.doc:
        return f"{found}; readers who clicked it did not contact support"
    if cluster.verdict == "ranks_low":
        return f'{found}; its title covers "{cluster.title}"'
    return found


def gap_action(report: DeflectionReport, cluster) -> str:
    """What to do, in words (the ready command is `cluster.command`, listed under the table)."""
    if cluster.verdict == "no_doc":
        return f'write "{cluster.title}"'
    where = f"rank {cluster.doc_rank}" if cluster.doc_rank else "not in the top 10"
    if cluster.verdict == "ranks_low":
        return f"add these phrasings to {doc_label(report, cluster.doc)} ({where} for the top phrasing)"
    if cluster.verdict == "translate":
        return f"translate {doc_label(report, cluster.doc)} into {cluster.locale}"
    if cluster.verdict == "found":
        return f"improve {doc_label(report, cluster.doc)} ({where}): it does not answer the question"
    if cluster.clicked_doc:
        return f"readers were helped by {doc_label(report, cluster.clicked_doc)}"
    return ""


def gap_rows(report: DeflectionReport, limit: int = FIX_GAPS) -> list[list[str]]:
    rows = []
    for number, g in enumerate(report.gap_clusters[:limit], 1):
        more = f" (+{len(g.queries) - 1} phrasings)" if len(g.queries) > 1 else ""
        rows.append(
            [
                str(number),
                g.representative + more,
                f"{g.contacted_sessions:,}",
                f"{g.zero_result_searches:,} / {g.searches:,} ({pct(g.zero_result_share)})",
                VERDICTS.get(g.verdict or "", "–"),
                gap_reason(g) if g.verdict else "",
                gap_action(report, g),
            ]
        )
    return rows


def gap_commands(report: DeflectionReport, limit: int = FIX_GAPS) -> list[str]:
    """Each listed gap's ready command, its row number as a trailing shell comment (copy-pasteable)."""
    return [f"{g.command}  # gap {n}" for n, g in enumerate(report.gap_clusters[:limit], 1) if g.command]


def agent_rows(report: DeflectionReport, limit: int = 10) -> list[list[str]]:
    return [
        [q.query, f"{q.searches:,}", f"{q.zero_result_searches:,}", f"{q.sessions:,}"]
        for q in report.agents.queries[:limit]
    ]


def agent_summary(report: DeflectionReport) -> str:
    a = report.agents
    if not a.searches:
        return "No agent searches (partner or internal audience) in the period."
    per = ", ".join(f"{k} {v:,}" for k, v in sorted(a.by_audience.items()))
    return (
        f"{a.searches:,} agent searches ({per}) in {a.sessions:,} sessions, zero-result rate {pct(a.zero_result_rate)}; "
        "kept out of the customer metrics. What agents cannot find is a gap in partner docs."
    )


def join_summary(report: DeflectionReport) -> str | None:
    j = report.identity
    if j is None:
        return None
    shapes = lambda s: ", ".join(f"{v:,} {k}" for k, v in sorted(s.items())) or "none"  # noqa: E731
    return (
        f"{j.matched:,} of {j.requesters:,} ticket requesters ({pct(j.match_rate)}) matched a self-service user. "
        f"Distinct ids: events {shapes(j.event_id_shapes)}; requesters {shapes(j.requester_id_shapes)}."
    )
