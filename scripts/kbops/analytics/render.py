"""Render a DeflectionReport: Rich tables for the terminal, Markdown, and self-contained HTML with charts.

Reports never contain user ids: only aggregate counts, doc ids and scrubbed, normalised queries.
"""
from __future__ import annotations

from html import escape
from typing import Any, Optional

from rich.table import Table
from rich.text import Text

from kbops.analytics import actions
from kbops.analytics.report import DeflectionReport

TOP = 10
DEFINITIONS = (
    ("Searches", "`search` events with a non-empty query after trimming."),
    ("Zero-result rate", "searches with `results == 0` ÷ searches."),
    ("Click-through rate", "searches followed, in the same session, by at least one `click` before the session's next search and within 30 minutes ÷ searches."),
    ("Self-service session", "a session with at least one search or view; it runs from its first to its last search, click, view or feedback event."),
    ("Contacted session", "a self-service session with a `contact` in the same session, or by the same user when known, between the session's start and its end + W (inclusive)."),
    ("Deflection rate", "1 − contacted sessions ÷ self-service sessions."),
    ("Self-service score", "distinct self-service users (a session without a user counts as one) ÷ distinct users with a contact in the period."),
    ("Contact-after-view rate", "sessions that viewed or clicked a doc and were contacted ÷ sessions that viewed or clicked it."),
    ("Sure contacts", "a doc's sessions × the 95% Wilson lower bound of its contact-after-view rate: the contacts after reading it that the sample size vouches for; docs are fixed in this order."),
    ("Content gaps", "normalised queries (lowercased, accent-folded, whitespace collapsed), near-duplicates grouped by the search engine's analysis (shared stems, Jaccard ≥ 0.5), ranked by contacted sessions; the verdict runs the group's most searched phrasing through search."),
    ("Audience", "customer metrics count public events (no key) by default; partner and internal (agent) searches are reported on their own; ticket contacts count for every audience."),
)


pct = actions.pct


def _period(report: DeflectionReport) -> str:
    start = report.since or report.first_event or "–"
    end = report.until or report.last_event or "–"
    return f"{start} → {end}"


def _headline(report: DeflectionReport) -> list[tuple[str, str]]:
    m = report.metrics
    return [
        ("Deflection rate", pct(m.deflection_rate)),
        ("Self-service sessions", f"{m.self_service_sessions:,}"),
        ("Contacted sessions", f"{m.contacted_sessions:,}"),
        ("Searches", f"{m.searches:,}"),
        ("Zero-result rate", pct(m.zero_result_rate)),
        ("Click-through rate", pct(m.click_through_rate)),
        ("Self-service score", f"{m.self_service_score:.2f}"),
        ("Contacts (users)", f"{m.contacts:,} ({m.contact_users:,})"),
    ]


def _breakdown_rows(report: DeflectionReport, dimension: str) -> list[list[str]]:
    return [
        [r.value, f"{r.self_service_sessions:,}", f"{r.contacted_sessions:,}", pct(r.deflection_rate),
         f"{r.searches:,}", pct(r.zero_result_rate), pct(r.click_through_rate)]
        for r in report.breakdowns.get(dimension, ())
    ]


BREAKDOWN_HEADER = ["sessions", "contacted", "deflection", "searches", "zero-result", "click-through"]
SHORT_BREAKDOWN_HEADER = ["sessions", "contacted", "deflect.", "searches", "zero-res.", "CTR"]


def _gap_rows(report: DeflectionReport, key: str) -> list[list[str]]:
    return [[g.query, f"{g.searches:,}", f"{g.zero_result_searches:,}", f"{g.contacted_sessions:,}"] for g in report.gaps_by(key)[:TOP]]


GAP_HEADER = ["query", "searches", "zero-result", "contacted sessions"]


def _problem_lines(report: DeflectionReport) -> list[str]:
    i = report.input
    lines = [f"{p.path}:{p.line}: {p.problem}: {p.message}" + (f" ({p.value!r})" if p.value else "") for p in i.problem_lines]
    lines += [f"{p.path}:{p.line}: {p.problem}: {p.message}" for p in (*i.duplicate_lines, *i.out_of_order_lines)]
    return lines


def _problem_counts(report: DeflectionReport) -> list[list[str]]:
    return [[p.path, p.problem, f"{p.records:,}", str(p.first_line), p.message] for p in report.input.problems]


# -- terminal -------------------------------------------------------------------------------------

def _table(title: str, header: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for index, name in enumerate(header):
        longest = max([len(name)] + [len(row[index]) for row in rows]) if rows else len(name)
        # Labels never fold below a readable width, whatever the console's.
        table.add_column(name, justify="left" if index == 0 or header is actions.GAP_HEADER else "right",
                         overflow="fold", no_wrap=index > 0 and header is not actions.GAP_HEADER,
                         min_width=min(longest, 28) if index == 0 else None)
    for row in rows:
        table.add_row(*[Text(cell) for cell in row])
    return table


def text(report: DeflectionReport) -> list[Any]:
    """Rich renderables for the terminal, in reading order: warnings, what to fix first, then the numbers."""
    blocks: list[Any] = [Text(f"Deflection report  {_period(report)}  (W = {report.window_hours:g} h, audience {report.audience})", style="bold")]
    for warning in report.warnings:
        blocks.append(Text(f"WARNING: {warning}", style="bold red"))
    blocks.append(_table("Summary", ["metric", "value"], [list(row) for row in _headline(report)]))
    blocks.append(_table(f"Fix first: docs read, then contacted anyway (≥ {report.min_doc_sessions} sessions; "
                         "ranked by sure contacts = sessions × 95% lower bound of the rate)", actions.DOC_HEADER, actions.doc_rows(report)))
    blocks.append(_table("Fix first: content gaps (near-duplicate queries grouped, verdict from search)",
                         actions.GAP_HEADER, actions.gap_rows(report)))
    join = actions.join_summary(report)
    if join:
        blocks.append(Text(f"Tickets: {join}"))
    for dimension in ("week", "locale", "channel"):
        blocks.append(_table(f"By {dimension}", [dimension, *SHORT_BREAKDOWN_HEADER], _breakdown_rows(report, dimension)))
    blocks.append(_table("Queries by zero-result searches", GAP_HEADER, _gap_rows(report, "zero_result")))
    blocks.append(_table("Queries by contacted sessions", GAP_HEADER, _gap_rows(report, "contacted")))
    blocks.append(Text(f"Agent search: {actions.agent_summary(report)}"))
    if report.agents.queries:
        blocks.append(_table("Agent searches (partner and internal), zero results first", actions.AGENT_HEADER, actions.agent_rows(report)))
    i = report.input
    blocks.append(Text(
        f"Input: {len(i.files)} file(s), {i.records:,} records, {i.valid_records:,} valid, {i.bad_records:,} invalid, "
        f"{i.duplicate_records_removed:,} duplicates removed, {i.out_of_order_events:,} out of order, {i.blank_lines:,} blank lines"
    ))
    if i.problems:
        blocks.append(_table("Input problems", ["file", "problem", "records", "first line"], [r[:4] for r in _problem_counts(report)]))
    for line in _problem_lines(report):
        blocks.append(Text(line, style="yellow"))
    for note in report.notes:
        blocks.append(Text(f"note: {note}", style="cyan"))
    return blocks


# -- Markdown -------------------------------------------------------------------------------------

def _md_table(header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "_None._\n"

    def cell(value: str) -> str:
        return value.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def markdown(report: DeflectionReport, *, heading: bool = True) -> str:
    """The report as Markdown (also the body of the published internal doc)."""
    parts: list[str] = []
    if heading:
        parts.append("# Deflection report\n")
    parts.append(f"Period {_period(report)} (UTC); contact window W = {report.window_hours:g} h; audience {report.audience}.\n")
    for warning in report.warnings:
        parts.append(f"> **Warning.** {warning}\n")
    parts.append("## Summary\n\n" + _md_table(["metric", "value"], [list(r) for r in _headline(report)]))
    parts.append(f"## Fix first: docs\n\nRead or clicked, then contacted anyway (at least {report.min_doc_sessions} sessions), ranked by "
                 "sure contacts: sessions × the 95% Wilson lower bound of the contact rate.\n\n"
                 + _md_table(actions.DOC_HEADER, actions.doc_rows(report)))
    parts.append("## Fix first: content gaps\n\nNear-duplicate queries grouped; the verdict comes from running the "
                 "representative query through search.\n\n" + _md_table(actions.GAP_HEADER, actions.gap_rows(report)))
    join = actions.join_summary(report)
    if join:
        parts.append(f"## Tickets\n\n{join}\n")
    for dimension in ("week", "locale", "channel"):
        parts.append(f"## By {dimension}\n\n" + _md_table([dimension, *BREAKDOWN_HEADER], _breakdown_rows(report, dimension)))
    parts.append("## Queries\n\nBy zero-result searches:\n\n" + _md_table(GAP_HEADER, _gap_rows(report, "zero_result")))
    parts.append("By contacted sessions:\n\n" + _md_table(GAP_HEADER, _gap_rows(report, "contacted")))
    parts.append(f"## Agent search\n\n{actions.agent_summary(report)}\n\n"
                 + (_md_table(actions.AGENT_HEADER, actions.agent_rows(report)) if report.agents.queries else ""))
    i = report.input
    parts.append(
        f"## Input\n\n{len(i.files)} file(s), {i.records:,} records: {i.valid_records:,} valid, {i.bad_records:,} invalid, "
        f"{i.duplicate_records_removed:,} duplicates removed, {i.out_of_order_events:,} out of order, {i.blank_lines:,} blank lines.\n\n"
        + (_md_table(["file", "problem", "records", "first line", "meaning"], _problem_counts(report)) if i.problems else "")
    )
    problem_lines = _problem_lines(report)
    if problem_lines:
        parts.append("```text\n" + "\n".join(problem_lines) + "\n```\n")
    if report.notes:
        parts.append("## Notes\n\n" + "".join(f"- {n}\n" for n in report.notes))
    parts.append("## Definitions\n\n" + "".join(f"- **{name}**: {text_}\n" for name, text_ in DEFINITIONS))
    return "\n".join(parts)


def html(report: DeflectionReport) -> str:
    """A standalone HTML page (kbops.analytics.render_html)."""
    from kbops.analytics.render_html import page

    return page(report)
