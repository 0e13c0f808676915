"""The HTML deflection report: its first screen answers "what do I fix first?".

Self-contained (inline CSS and SVG, no script, nothing fetched). Colours mean what they say: red for
contacts and failures (lower is better), green for deflection (higher is better), amber for gaps.
"""

from __future__ import annotations

from html import escape

from kbops.analytics import actions, charts
from kbops.analytics.render import (
    BREAKDOWN_HEADER,
    DEFINITIONS,
    DOCS_INTRO,
    GAP_HEADER,
    GAPS_INTRO,
    TOP,
    TRANSLATIONS_INTRO,
    _breakdown_rows,
    _gap_rows,
    _headline,
    _period,
    _problem_counts,
    _problem_lines,
)
from kbops.analytics.report import DeflectionReport

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:20px auto;max-width:1240px;color:#111827;padding:0 16px}
h1{font-size:24px;margin:0 0 2px} h2{font-size:18px;margin:26px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
h2.fix{border-color:#fca5a5} a{color:#1d4ed8;text-decoration:none} a:hover{text-decoration:underline}
.muted{color:#6b7280;font-size:12px} td.l code{display:block;margin-top:3px} .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(128px,1fr));gap:8px;margin:12px 0}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:8px 10px} .card .v{font-size:19px;font-weight:650} .card .k{font-size:12px;font-weight:600;color:#374151}
.card .d{font-size:11px;color:#6b7280;margin-top:2px;line-height:1.3} td.gap{min-width:16em;max-width:30em}
.card.good .v{color:#047857} .card.bad .v{color:#b91c1c}
.warn{background:#fef2f2;border:2px solid #dc2626;color:#7f1d1d;border-radius:8px;padding:10px 14px;margin:12px 0;font-size:14px}
.warn b{color:#b91c1c}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:18px} table{border-collapse:collapse;font-size:13px;width:100%}
th,td{padding:4px 7px;border-bottom:1px solid #f3f4f6;text-align:right;vertical-align:top} th:first-child,td:first-child{text-align:left}
th{background:#f9fafb;font-weight:600} td.l,th.l{text-align:left} .fixgrid{display:grid;grid-template-columns:44% 56%;gap:16px}
td.n{white-space:nowrap} svg{max-width:100%;height:auto}
pre{background:#f9fafb;padding:8px;font-size:12px;overflow:auto} li{font-size:13px;margin:2px 0}
code{background:#f3f4f6;padding:1px 4px;border-radius:4px;font-size:11.5px;word-break:break-all}
.bar{display:inline-block;height:10px;background:#dc2626;border-radius:2px;vertical-align:middle;margin-right:6px}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:11px;font-weight:600;white-space:nowrap}
.b-no_doc{background:#fee2e2;color:#991b1b} .b-ranks_low{background:#fef3c7;color:#92400e} .b-found{background:#dbeafe;color:#1e40af}
.b-translate{background:#ede9fe;color:#5b21b6} .b-no_index{background:#f3f4f6;color:#374151} .id{color:#6b7280;font-size:11px} .why{color:#991b1b;font-size:12px}
"""


def _table(header: list[str], rows: list[list[str]], raw: bool = False, left: tuple[int, ...] = (0,)) -> str:
    if not rows:
        return "<p class='muted'>None.</p>"

    def cls(i: int) -> str:
        return " class='l'" if i in left else ""

    head = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c if raw else escape(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cards(report: DeflectionReport) -> str:
    tone = {"Deflection rate": "good", "Contacted sessions": "bad", "Zero-result rate": "bad"}
    # The definition is on the card itself (and its title, a tooltip that needs no script).
    return "".join(
        f"<div class='card {tone.get(k, '')}' title='{escape(d, quote=True)}'><div class='v'>{escape(v)}</div>"
        f"<div class='k'>{escape(k)}</div><div class='d'>{escape(d)}</div></div>"
        for k, v, d in _headline(report)
    )


def _doc_table(report: DeflectionReport) -> str:
    rows_ = report.worst_docs[: actions.FIX_DOCS]
    if not rows_:
        return "<p class='muted'>No doc is followed by more contacts than its peers, or voted unhelpful.</p>"
    top = max(r.excess_contacts for r in rows_) or 1
    rows = []
    for r in rows_:
        d = r.stats
        title = escape(d.title or d.doc)
        name = f"<a href='{escape(d.url, quote=True)}'>{title}</a>" if d.url else title
        rows.append(
            [
                f"{name}<br><span class='id'>{escape(d.doc)} · {escape(d.owner or 'no owner')} · reviewed {escape(d.last_reviewed or '–')}</span>"
                + "".join(f"<br><span class='why'>{escape(reason)}</span>" for reason in r.reasons),
                f"<span style='white-space:nowrap'><span class='bar' style='width:{40 * r.excess_contacts / top:.0f}px'></span>{r.excess_contacts:,.0f}</span>",
                f"{d.contacted_sessions:,} / {d.sessions:,}",
                f"{actions.pct(d.contact_after_view_rate)}<br><span class='id'>≥ {actions.pct(d.rate_lower_bound)}; usual "
                f"{actions.pct(r.baseline.contact_rate)}</span>",
                f"{d.helpful_yes} / {d.helpful_no}",
            ]
        )
    return _table(
        [
            "doc · owner · last review · why",
            "excess contacts",
            "contacted / sessions",
            "contact rate",
            "helpful yes / no",
        ],
        rows,
        raw=True,
    )


def _gap_table(report: DeflectionReport) -> str:
    rows = []
    for g in report.gap_clusters[: actions.FIX_GAPS]:
        examples = "; ".join(q if len(q) <= 60 else q[:59] + "…" for q in g.queries[1:3])
        verdict = g.verdict or ""
        action = escape(actions.gap_action(report, g)) + (f"<code>{escape(g.command)}</code>" if g.command else "")
        rows.append(
            [
                f"<b>{escape(g.representative)}</b>"
                + (
                    f"<br><span class='id'>{len(g.queries) - 1} more phrasing(s): {escape(examples)}"
                    f"{'…' if len(g.queries) > 3 else ''}</span>"
                    if examples
                    else ""
                ),
                f"{g.contacted_sessions:,}",
                f"{g.zero_result_searches:,} / {g.searches:,}<br><span class='id'>{actions.pct(g.zero_result_share)} found nothing</span>",
                (
                    f"<span class='badge b-{verdict}'>{escape(actions.VERDICTS.get(verdict, verdict))}</span><br>"
                    f"<span class='id'>{escape(actions.gap_reason(g))}</span><br>"
                    if verdict
                    else ""
                )
                + action,
            ]
        )
    table = _table(
        ["gap and phrasings", "contacted", "zero-result / searches", "verdict, why and action"],
        rows,
        raw=True,
        left=(0, 3),
    )
    return table.replace("<tr><td class='l'>", "<tr><td class='l gap'>")


def _translation_table(report: DeflectionReport) -> str:
    rows = []
    for d in report.translation_demand[:TOP]:
        queries = "; ".join(f"{escape(q)} ({n:,})" for q, n in d.queries)
        rows.append(
            [
                f"<b>{escape(d.language)}</b>: {escape(d.title or d.doc)}<br><span class='id'>{escape(d.doc)}</span>",
                f"{d.sessions:,}",
                f"{d.clicked_sessions:,}",
                f"{d.unanswered_sessions:,}",
                f"{queries}<code>{escape(d.command)}</code>",
            ]
        )
    return _table(
        [
            "language: doc to translate",
            "sessions",
            "opened it in another language",
            "clicked nothing; search answers with it",
            "queries (sessions) and command",
        ],
        rows,
        raw=True,
        left=(0, 4),
    )


def page(report: DeflectionReport) -> str:
    weeks = report.breakdowns.get("week", ())
    trend = charts.line_chart(
        "Weekly deflection (green, higher is better) and zero-result (red) rates",
        [w.value for w in weeks],
        {
            "deflection rate": [w.deflection_rate for w in weeks],
            "zero-result rate": [w.zero_result_rate for w in weeks],
        },
        colors=(charts.GOOD, charts.BAD),
    )
    zero = charts.bar_chart(
        "Queries with most zero-result searches",
        [(g.query, g.zero_result_searches) for g in report.gaps_by("zero_result")[:TOP]],
        value_label=lambda v: f"{v:,.0f}",
        color=charts.WARN,
    )
    i = report.input
    warnings = "".join(f"<div class='warn'><b>Warning.</b> {escape(w)}</div>" for w in report.warnings)
    join = actions.join_summary(report)
    sections = [
        f"<h1>Deflection report</h1><div class='muted'>Period {escape(_period(report))} (UTC) · contact window W = "
        f"{report.window_hours:g} h · audience {escape(report.audience)} · red = contacts and failures, green = deflection</div>",
        warnings,
        f"<div class='cards'>{_cards(report)}</div>",
        "<h2 class='fix'>Fix first: docs</h2>"
        f"<p class='muted'>{escape(DOCS_INTRO.format(min=report.min_doc_sessions))}</p>" + _doc_table(report),
        f"<h2 class='fix'>Fix first: content gaps</h2><p class='muted'>{escape(GAPS_INTRO)}</p>" + _gap_table(report),
        f"<h2 class='fix'>Translate next</h2><p class='muted'>{escape(TRANSLATIONS_INTRO)}</p>"
        + _translation_table(report),
        (f"<p class='muted'>Tickets: {escape(join)}</p>" if join else ""),
        f"<div class='grid'><div>{trend}</div><div>{zero}</div></div>",
        "<h2>By week</h2>" + _table(["week", *BREAKDOWN_HEADER], _breakdown_rows(report, "week")),
        "<div class='grid'><div><h2>By locale</h2>"
        + _table(["locale", *BREAKDOWN_HEADER], _breakdown_rows(report, "locale"))
        + "</div><div><h2>By channel</h2>"
        + _table(["channel", *BREAKDOWN_HEADER], _breakdown_rows(report, "channel"))
        + "</div></div>",
        "<div class='grid'><div><h2>Queries: zero results</h2>"
        + _table(GAP_HEADER, _gap_rows(report, "zero_result"))
        + "</div><div><h2>Queries: contacted</h2>"
        + _table(GAP_HEADER, _gap_rows(report, "contacted"))
        + "</div></div>",
        f"<h2>Agent search</h2><p class='muted'>{escape(actions.agent_summary(report))}</p>"
        + (_table(actions.AGENT_HEADER, actions.agent_rows(report)) if report.agents.queries else ""),
        f"<h2>Input</h2><p class='muted'>{len(i.files)} file(s), {i.records:,} records: {i.valid_records:,} valid, {i.bad_records:,} invalid, "
        f"{i.duplicate_records_removed:,} duplicates removed, {i.out_of_order_events:,} out of order, {i.blank_lines:,} blank lines.</p>"
        + (
            _table(["file", "problem", "records", "first line", "meaning"], _problem_counts(report))
            if i.problems
            else ""
        ),
    ]
    problem_lines = _problem_lines(report)
    if problem_lines:
        sections.append("<pre>" + escape("\n".join(problem_lines)) + "</pre>")
    if report.notes:
        sections.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in report.notes) + "</ul>")
    sections.append(
        "<h2>Definitions</h2><ul>"
        + "".join(f"<li><b>{escape(n)}</b>: {escape(t).replace('`', '')}</li>" for n, t in DEFINITIONS)
        + "</ul>"
    )
    return (
        f"<!doctype html><html lang='{escape(report.locale or 'en', quote=True)}'><head><meta charset='utf-8'><title>Deflection report</title>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{STYLE}</style></head><body>"
        + "\n".join(s for s in sections if s)
        + "</body></html>\n"
    )
