"""Render a DeflectionReport: Rich tables for the terminal, Markdown, and self-contained HTML with charts.

Reports never contain user ids: only aggregate counts, doc ids and scrubbed, normalised queries.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rich.table import Table
from rich.text import Text

from kbops.analytics import actions
from kbops.analytics.report import DeflectionReport

TOP = 10
DEFINITIONS = (
    ("Searches", "`search` events with a non-empty query after trimming."),
    ("Zero-result rate", "searches with `results == 0` ÷ searches."),
    (
        "Click-through rate",
        "searches followed, in the same session, by at least one `click` before the session's next search and within 30 minutes ÷ searches.",
    ),
    (
        "Self-service session",
        "a session with at least one search or view; it runs from its first to its last search, click, view or feedback event.",
    ),
    (
        "Contacted session",
        "a self-service session with a `contact` in the same session, or by the same user when known, between the session's start and its end + W (inclusive).",
    ),
    ("Deflection rate", "1 − contacted sessions ÷ self-service sessions."),
    (
        "Self-service score",
        "distinct self-service users (a session without a user counts as one) ÷ distinct users with a contact in the period.",
    ),
    (
        "Contact-after-view rate",
        "sessions that viewed or clicked a doc and were contacted ÷ sessions that viewed or clicked it.",
    ),
    (
        "Excess contacts",
        'a doc\'s sessions × (the 95% Wilson lower bound of its contact-after-view rate − the usual rate): the contacts beyond what a typical doc gets that the sample size vouches for. The usual rate is the session-weighted median rate of docs of the same audience and language (of the same audience in every language when fewer than 5 such docs are read); docs are fixed in this order. Second reason: the 95% Wilson lower bound of the share of "not helpful" votes above one half and above that of the same docs.',
    ),
    (
        "Content gaps",
        "normalised queries (lowercased, accent-folded, whitespace collapsed), near-duplicates grouped by the search engine's analysis (shared stems, Jaccard ≥ 0.5), ranked by contacted sessions. The verdict runs up to 8 phrasings through search as the readers would (same audience and language): a doc first for at least half of them answers the gap (for one or two phrasings: the doc that helped readers, else search's first hit, since so few phrasings cannot show that no doc answers); when most of the gap's searches found nothing, add the phrasings to that doc, else improve it; an answer only in another language: translate it; when no doc answers and none covers the proposed title, write one.",
    ),
    (
        "Translation demand",
        "queries of readers browsing in one language who opened a doc that exists only in another language, or clicked nothing while search answers with such a doc; grouped by language and doc, ranked by sessions (per query, summed).",
    ),
    (
        "Audience",
        "customer metrics count public events (no key) by default; partner and internal (agent) searches are reported on their own; ticket contacts count for every audience.",
    ),
)


pct = actions.pct


def _period(report: DeflectionReport) -> str:
    """The period in the report's language ("Oct 1 – 30, 2026"); ISO dates when they cannot be read."""
    start = report.since or report.first_event
    end = report.until or report.last_event
    if not start or not end:
        return "no events"
    try:
        from babel.dates import format_interval

        first = dt.datetime.fromisoformat(start.rstrip("Z")).date()
        # `until` is an exclusive bound at midnight: the last day of the period is the one before.
        last_instant = dt.datetime.fromisoformat(end.rstrip("Z"))
        last = (
            last_instant.date() - dt.timedelta(days=1)
            if report.until and last_instant.time() == dt.time()
            else last_instant.date()
        )
        return format_interval(first, max(first, last), "yMMMd", locale=report.locale or "en")
    except (ImportError, ValueError, LookupError):
        return f"{start} → {end}"


def _headline(report: DeflectionReport) -> list[tuple[str, str, str]]:
    """(metric, value, one-line definition) of the first screen."""
    m = report.metrics
    w = f"{report.window_hours:g} h"
    return [
        (
            "Deflection rate",
            pct(m.deflection_rate),
            f"self-service sessions with no contact within {w} after ÷ all of them",
        ),
        ("Self-service sessions", f"{m.self_service_sessions:,}", "sessions with at least one search or doc view"),
        (
            "Contacted sessions",
            f"{m.contacted_sessions:,}",
            f"of those, sessions followed by a contact (same session or user) within {w}",
        ),
        ("Searches", f"{m.searches:,}", "searches with a non-empty query"),
        ("Zero-result rate", pct(m.zero_result_rate), "searches that returned nothing ÷ searches"),
        ("Click-through rate", pct(m.click_through_rate), "searches followed by a click within 30 min ÷ searches"),
        (
            "Self-service score",
            f"{m.self_service_score:.2f}",
            "people who self-served per person who contacted support",
        ),
        ("Contacts", f"{m.contacts:,}", "contact events and tickets in the period"),
        ("People who contacted", f"{m.contact_users:,}", "distinct users behind those contacts"),
    ]


def _breakdown_rows(report: DeflectionReport, dimension: str) -> list[list[str]]:
    return [
        [
            r.value,
            f"{r.self_service_sessions:,}",
            f"{r.contacted_sessions:,}",
            pct(r.deflection_rate),
            f"{r.searches:,}",
            pct(r.zero_result_rate),
            pct(r.click_through_rate),
        ]
        for r in report.breakdowns.get(dimension, ())
    ]


BREAKDOWN_HEADER = ["sessions", "contacted", "deflection", "searches", "zero-result", "click-through"]
SHORT_BREAKDOWN_HEADER = ["sessions", "contacted", "deflect.", "searches", "zero-res.", "CTR"]


def translation_rows(report: DeflectionReport, limit: int = TOP) -> list[list[str]]:
    return [
        [
            str(n),
            d.language,
            f"{d.title} ({d.doc})" if d.title else d.doc,
            f"{d.sessions:,}",
            f"{d.clicked_sessions:,}",
            f"{d.unanswered_sessions:,}",
            "; ".join(f"{q} ({s:,})" for q, s in d.queries),
        ]
        for n, d in enumerate(report.translation_demand[:limit], 1)
    ]


def translation_commands(report: DeflectionReport, limit: int = TOP) -> list[str]:
    return [f"{d.command}  # translation {n}" for n, d in enumerate(report.translation_demand[:limit], 1)]


TRANSLATION_HEADER = [
    "#",
    "language",
    "doc to translate",
    "sessions",
    "opened it in another language",
    "clicked nothing; search answers with it",
    "queries (sessions)",
]
DOCS_INTRO = (
    "Docs followed by more contacts than the usual rate of docs of the same audience and language, ranked by excess "
    "contacts = sessions × (95% lower bound of the doc's contact rate − the usual rate); docs most readers voted "
    "unhelpful follow. At least {min} sessions."
)
GAPS_INTRO = (
    "Near-duplicate queries grouped; the verdict runs the phrasings through search as the readers would "
    "(same audience and language)."
)
TRANSLATIONS_INTRO = (
    "Readers browsing in one language who opened a doc that exists only in another, or clicked nothing while "
    "search answers with such a doc; ranked by sessions."
)


def _gap_rows(report: DeflectionReport, key: str) -> list[list[str]]:
    return [
        [g.query, f"{g.searches:,}", f"{g.zero_result_searches:,}", f"{g.contacted_sessions:,}"]
        for g in report.gaps_by(key)[:TOP]
    ]


GAP_HEADER = ["query", "searches", "zero-result", "contacted sessions"]
HEADLINE_HEADER = ["metric", "value", "what it counts"]


def _problem_lines(report: DeflectionReport) -> list[str]:
    i = report.input
    lines = [
        f"{p.path}:{p.line}: {p.problem}: {p.message}" + (f" ({p.value!r})" if p.value else "") for p in i.problem_lines
    ]
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
        wide = header in (actions.GAP_HEADER, actions.DOC_HEADER, TRANSLATION_HEADER, HEADLINE_HEADER)
        table.add_column(
            name,
            justify="left" if index == 0 or wide else "right",
            overflow="fold",
            no_wrap=index > 0 and not wide,
            min_width=min(longest, 80 if index == 0 else 40)
            if name in ("doc", "gap (phrasings)", "doc to translate", "metric")
            else None,
        )
    for row in rows:
        table.add_row(*[Text(cell) for cell in row])
    return table


def text(report: DeflectionReport) -> list[Any]:
    """Rich renderables for the terminal, in reading order: warnings, what to fix first, then the numbers."""
    blocks: list[Any] = [
        Text(
            f"Deflection report  {_period(report)} (UTC)  (W = {report.window_hours:g} h, audience {report.audience})",
            style="bold",
        )
    ]
    for warning in report.warnings:
        blocks.append(Text(f"WARNING: {warning}", style="bold red"))
    blocks.append(_table("Summary", HEADLINE_HEADER, [list(row) for row in _headline(report)]))
    blocks.append(
        _table(
            "Fix first: docs. " + DOCS_INTRO.format(min=report.min_doc_sessions),
            actions.DOC_HEADER,
            actions.doc_rows(report),
        )
    )
    blocks.append(_table("Fix first: content gaps. " + GAPS_INTRO, actions.GAP_HEADER, actions.gap_rows(report)))
    blocks.extend(Text(f"  {line}") for line in actions.gap_commands(report))
    blocks.append(_table("Translate next. " + TRANSLATIONS_INTRO, TRANSLATION_HEADER, translation_rows(report)))
    blocks.extend(Text(f"  {line}") for line in translation_commands(report))
    join = actions.join_summary(report)
    if join:
        blocks.append(Text(f"Tickets: {join}"))
    for dimension in ("week", "locale", "channel"):
        blocks.append(
            _table(f"By {dimension}", [dimension, *SHORT_BREAKDOWN_HEADER], _breakdown_rows(report, dimension))
        )
    blocks.append(_table("Queries by zero-result searches", GAP_HEADER, _gap_rows(report, "zero_result")))
    blocks.append(_table("Queries by contacted sessions", GAP_HEADER, _gap_rows(report, "contacted")))
    blocks.append(Text(f"Agent search: {actions.agent_summary(report)}"))
    if report.agents.queries:
        blocks.append(
            _table(
                "Agent searches (partner and internal), zero results first",
                actions.AGENT_HEADER,
                actions.agent_rows(report),
            )
        )
    i = report.input
    blocks.append(
        Text(
            f"Input: {len(i.files)} file(s), {i.records:,} records, {i.valid_records:,} valid, {i.bad_records:,} invalid, "
            f"{i.duplicate_records_removed:,} duplicates removed, {i.out_of_order_events:,} out of order, {i.blank_lines:,} blank lines"
        )
    )
    if i.problems:
        blocks.append(
            _table(
                "Input problems", ["file", "problem", "records", "first line"], [r[:4] for r in _problem_counts(report)]
            )
        )
    for line in _problem_lines(report):
        blocks.append(Text(line, style="yellow"))
    for note in report.notes:
        blocks.append(Text(f"note: {note}", style="cyan"))
    return blocks


# -- Markdown -------------------------------------------------------------------------------------

_NUMERIC = re.compile(r"^[\d,.%/()≥–\s-]*$")


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "_None._\n"

    def cell(value: str) -> str:
        return value.replace("|", "\\|").replace("\n", " ")

    # Numbers align right, words left (a column is numeric when every cell is a count, a rate or a ratio).
    numeric = [
        i > 0 and any(row[i] for row in rows) and all(_NUMERIC.match(row[i]) for row in rows)
        for i in range(len(header))
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _md_commands(lines: list[str]) -> str:
    return ("\nCommands:\n\n```bash\n" + "\n".join(lines) + "\n```\n") if lines else ""


def markdown(report: DeflectionReport, *, heading: bool = True) -> str:
    """The report as Markdown (also the body of the published internal doc)."""
    parts: list[str] = []
    if heading:
        parts.append("# Deflection report\n")
    parts.append(
        f"Period {_period(report)} (UTC); contact window W = {report.window_hours:g} h; audience {report.audience}.\n"
    )
    for warning in report.warnings:
        parts.append(f"> **Warning.** {warning}\n")
    parts.append("## Summary\n\n" + _md_table(HEADLINE_HEADER, [list(r) for r in _headline(report)]))
    parts.append(
        "## Fix first: docs\n\n"
        + DOCS_INTRO.format(min=report.min_doc_sessions)
        + "\n\n"
        + _md_table(actions.DOC_HEADER, actions.doc_rows(report))
    )
    parts.append(
        "## Fix first: content gaps\n\n"
        + GAPS_INTRO
        + "\n\n"
        + _md_table(actions.GAP_HEADER, actions.gap_rows(report))
        + _md_commands(actions.gap_commands(report))
    )
    parts.append(
        "## Translate next\n\n"
        + TRANSLATIONS_INTRO
        + "\n\n"
        + _md_table(TRANSLATION_HEADER, translation_rows(report))
        + _md_commands(translation_commands(report))
    )
    join = actions.join_summary(report)
    if join:
        parts.append(f"## Tickets\n\n{join}\n")
    for dimension in ("week", "locale", "channel"):
        parts.append(
            f"## By {dimension}\n\n" + _md_table([dimension, *BREAKDOWN_HEADER], _breakdown_rows(report, dimension))
        )
    parts.append("## Queries\n\nBy zero-result searches:\n\n" + _md_table(GAP_HEADER, _gap_rows(report, "zero_result")))
    parts.append("By contacted sessions:\n\n" + _md_table(GAP_HEADER, _gap_rows(report, "contacted")))
    parts.append(
        f"## Agent search\n\n{actions.agent_summary(report)}\n\n"
        + (_md_table(actions.AGENT_HEADER, actions.agent_rows(report)) if report.agents.queries else "")
    )
    i = report.input
    parts.append(
        f"## Input\n\n{len(i.files)} file(s), {i.records:,} records: {i.valid_records:,} valid, {i.bad_records:,} invalid, "
        f"{i.duplicate_records_removed:,} duplicates removed, {i.out_of_order_events:,} out of order, {i.blank_lines:,} blank lines.\n\n"
        + (
            _md_table(["file", "problem", "records", "first line", "meaning"], _problem_counts(report))
            if i.problems
            else ""
        )
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
