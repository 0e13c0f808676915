"""Render a DeflectionReport: Rich tables for the terminal, Markdown, and self-contained HTML with charts.

Reports never contain user ids: only aggregate counts, doc ids and scrubbed, normalised queries.
"""
from __future__ import annotations

from html import escape
from typing import Any, Optional

from rich.table import Table
from rich.text import Text

from kbops.analytics import charts
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
    ("Content gaps", "normalised queries (lowercased, accent-folded, whitespace collapsed) ranked by zero-result searches and by contacted sessions."),
)


def pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


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


def _doc_rows(report: DeflectionReport) -> list[list[str]]:
    return [
        [d.doc, f"{d.sessions:,}", f"{d.contacted_sessions:,}", pct(d.contact_after_view_rate), f"{d.views:,}",
         f"{d.clicks:,}", f"{d.helpful_yes}/{d.helpful_no}"]
        for d in report.worst_docs[:TOP]
    ]


DOC_HEADER = ["doc", "sessions", "contacted", "contact after view", "views", "clicks", "helpful yes/no"]
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
        table.add_column(name, justify="left" if index == 0 else "right", overflow="fold", no_wrap=index > 0)
    for row in rows:
        table.add_row(*[Text(cell) for cell in row])
    return table


def text(report: DeflectionReport) -> list[Any]:
    """Rich renderables for the terminal, in reading order."""
    blocks: list[Any] = [Text(f"Deflection report  {_period(report)}  (W = {report.window_hours:g} h)", style="bold")]
    blocks.append(_table("Summary", ["metric", "value"], [list(row) for row in _headline(report)]))
    for dimension in ("week", "locale", "channel"):
        blocks.append(_table(f"By {dimension}", [dimension, *SHORT_BREAKDOWN_HEADER], _breakdown_rows(report, dimension)))
    blocks.append(_table("Content gaps by zero-result searches", GAP_HEADER, _gap_rows(report, "zero_result")))
    blocks.append(_table("Content gaps by contacted sessions", GAP_HEADER, _gap_rows(report, "contacted")))
    blocks.append(_table(f"Worst docs (read, then contacted; ≥ {report.min_doc_sessions} sessions)", DOC_HEADER, _doc_rows(report)))
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
    parts.append(f"Period {_period(report)} (UTC); contact window W = {report.window_hours:g} h.\n")
    parts.append("## Summary\n\n" + _md_table(["metric", "value"], [list(r) for r in _headline(report)]))
    for dimension in ("week", "locale", "channel"):
        parts.append(f"## By {dimension}\n\n" + _md_table([dimension, *BREAKDOWN_HEADER], _breakdown_rows(report, dimension)))
    parts.append("## Content gaps\n\nBy zero-result searches:\n\n" + _md_table(GAP_HEADER, _gap_rows(report, "zero_result")))
    parts.append("By contacted sessions:\n\n" + _md_table(GAP_HEADER, _gap_rows(report, "contacted")))
    parts.append(f"## Worst docs\n\nRead or clicked, then contacted anyway (at least {report.min_doc_sessions} sessions).\n\n"
                 + _md_table(DOC_HEADER, _doc_rows(report)))
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


# -- HTML -----------------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px auto;max-width:1200px;color:#111827;padding:0 16px}
h1{font-size:26px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.muted{color:#6b7280;font-size:13px} .cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:16px 0}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:12px 14px} .card .v{font-size:24px;font-weight:650} .card .k{font-size:12px;color:#6b7280}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:18px} table{border-collapse:collapse;font-size:13px;width:100%}
th,td{padding:4px 8px;border-bottom:1px solid #f3f4f6;text-align:right} th:first-child,td:first-child{text-align:left}
th{background:#f9fafb;font-weight:600} svg{max-width:100%;height:auto} pre{background:#f9fafb;padding:8px;font-size:12px;overflow:auto} li{font-size:13px;margin:2px 0}
"""


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "<p class='muted'>None.</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html(report: DeflectionReport) -> str:
    """A standalone HTML page: summary cards, inline SVG charts, tables; no scripts, no external files."""
    weeks = report.breakdowns.get("week", ())
    trend = charts.line_chart(
        "Weekly deflection and zero-result rates",
        [w.value for w in weeks],
        {"deflection rate": [w.deflection_rate for w in weeks], "zero-result rate": [w.zero_result_rate for w in weeks]},
    )
    gaps = charts.bar_chart(
        "Top content gaps (zero-result searches)",
        [(g.query, g.zero_result_searches) for g in report.gaps_by("zero_result")[:TOP]],
        value_label=lambda v: f"{v:,.0f}", color=charts.PALETTE[1],
    )
    contacted = charts.bar_chart(
        "Top content gaps (contacted sessions)",
        [(g.query, g.contacted_sessions) for g in report.gaps_by("contacted")[:TOP]],
        value_label=lambda v: f"{v:,.0f}", color=charts.PALETTE[3],
    )
    worst = charts.bar_chart(
        "Worst docs (contact after view)",
        [(d.title or d.doc, d.contact_after_view_rate or 0.0) for d in report.worst_docs[:TOP]],
        value_label=charts.percent, maximum=1.0, color=charts.PALETTE[2],
    )
    cards = "".join(f"<div class='card'><div class='v'>{escape(v)}</div><div class='k'>{escape(k)}</div></div>" for k, v in _headline(report))
    i = report.input
    sections = [
        f"<h1>Deflection report</h1><div class='muted'>Period {escape(_period(report))} (UTC) · contact window W = {report.window_hours:g} h</div>",
        f"<div class='cards'>{cards}</div>",
        f"<div class='grid'><div>{trend}</div><div>{worst}</div><div>{gaps}</div><div>{contacted}</div></div>",
        "<h2>By week</h2>" + _html_table(["week", *BREAKDOWN_HEADER], _breakdown_rows(report, "week")),
        "<div class='grid'><div><h2>By locale</h2>" + _html_table(["locale", *BREAKDOWN_HEADER], _breakdown_rows(report, "locale"))
        + "</div><div><h2>By channel</h2>" + _html_table(["channel", *BREAKDOWN_HEADER], _breakdown_rows(report, "channel")) + "</div></div>",
        f"<h2>Worst docs</h2><p class='muted'>Read or clicked, then contacted anyway (at least {report.min_doc_sessions} sessions).</p>"
        + _html_table(DOC_HEADER, _doc_rows(report)),
        "<div class='grid'><div><h2>Content gaps: zero results</h2>" + _html_table(GAP_HEADER, _gap_rows(report, "zero_result"))
        + "</div><div><h2>Content gaps: contacted</h2>" + _html_table(GAP_HEADER, _gap_rows(report, "contacted")) + "</div></div>",
        f"<h2>Input</h2><p class='muted'>{len(i.files)} file(s), {i.records:,} records: {i.valid_records:,} valid, {i.bad_records:,} invalid, "
        f"{i.duplicate_records_removed:,} duplicates removed, {i.out_of_order_events:,} out of order, {i.blank_lines:,} blank lines.</p>"
        + (_html_table(["file", "problem", "records", "first line", "meaning"], _problem_counts(report)) if i.problems else ""),
    ]
    problem_lines = _problem_lines(report)
    if problem_lines:
        sections.append("<pre>" + escape("\n".join(problem_lines)) + "</pre>")
    if report.notes:
        sections.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in report.notes) + "</ul>")
    sections.append("<h2>Definitions</h2><ul>" + "".join(
        f"<li><b>{escape(n)}</b>: {escape(t).replace('`', '')}</li>" for n, t in DEFINITIONS) + "</ul>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Deflection report</title>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{STYLE}</style></head><body>"
        + "\n".join(sections) + "</body></html>\n"
    )
