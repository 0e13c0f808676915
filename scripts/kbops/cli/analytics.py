"""Commands of the analytics domain: `kb deflection`."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import typer
from rich.console import Console

from kbops.cli._app import app, err, out, print_json, settings

FORMATS = ("text", "json", "md", "html")
log = logging.getLogger(__name__)


@app.command("deflection")
def deflection_command(
    events: list[str] | None = typer.Option(
        None,
        "--events",
        "-e",
        help="Event files, folders or globs: JSON lines, CSV or Parquet, optionally .gz (repeatable; more paths may follow, e.g. --events logs/*.jsonl).",
    ),
    more_events: list[str] | None = typer.Argument(
        None, metavar="[PATH]...", help="More event files (what a shell glob after --events expands to)."
    ),
    tickets: list[str] | None = typer.Option(
        None, "--tickets", help="Help-desk ticket CSV exports (Zendesk, Freshdesk) counted as contacts (repeatable)."
    ),
    mapping: list[str] | None = typer.Option(
        None,
        "--map",
        help='Ticket column mapping, e.g. created_at="Created at",requester="Requester",channel=Via (fields: id, created_at, requester, channel).',
    ),
    window: str | None = typer.Option(
        None, "--window", help="W: a contact up to this long after a session's end counts against it (default 24h)."
    ),
    since: str | None = typer.Option(None, "--since", help="First day (YYYY-MM-DD or ISO date-time, UTC)."),
    until: str | None = typer.Option(
        None, "--until", help="Last day, included (YYYY-MM-DD, UTC); an ISO date-time is an exclusive bound."
    ),
    audience: str | None = typer.Option(
        None,
        "--audience",
        help="Whose sessions the metrics count: public (customers, default) | partner | internal | all. Agent searches always get their own section.",
    ),
    format: str = typer.Option("text", "--format", "-f", help="text | json | md | html"),
    out_dir: Path | None = typer.Option(
        None,
        "--out",
        help="Write deflection.json, deflection.md and deflection.html (with charts) to this folder and print only their paths.",
    ),
    publish: bool = typer.Option(
        False,
        "--publish",
        help="Write the Markdown report into the knowledge base as an internal doc (kb/reports/deflection.md).",
    ),
) -> None:
    """Deflection, zero-result, click-through and self-service metrics from event logs and ticket exports."""
    from kbops.analytics import render
    from kbops.analytics.engine import compute_deflection
    from kbops.analytics.options import DeflectionOptions
    from kbops.analytics.publish import doc_info, publish_report, write_reports
    from kbops.analytics.verdicts import ask_search
    from kbops.errors import UsageError

    events = [*(events or []), *(more_events or [])]
    if not events:
        raise UsageError("no event files: pass --events PATH... (files, folders or globs)")
    if format not in FORMATS:
        raise UsageError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    kb_settings = settings()
    options = DeflectionOptions.build(
        kb_settings,
        events,
        tickets=tickets,
        mapping=mapping,
        window=window,
        since=since,
        until=until,
        audience=audience,
    )
    progress = (lambda message: err.print(f"deflection: {message}", markup=False)) if err.is_terminal else None
    docs = doc_info(kb_settings)
    report = compute_deflection(options, doc_info=docs, progress=progress)
    report = ask_search(dataclasses.replace(report, locale=kb_settings.default_locale), kb_settings, docs)
    if out_dir:
        for path in write_reports(report, out_dir):
            print(path)
    elif format == "json":
        print_json(report.as_dict())
    elif format == "md":
        print(render.markdown(report), end="")
    elif format == "html":
        print(render.html(report), end="")
    else:
        # Not a terminal (a file, a pipe): wide enough that no column folds; lines are not padded.
        console = out if out.is_terminal else Console(width=240, soft_wrap=True, highlight=False, force_terminal=False)
        for block in render.text(report):
            console.print(block)
    if publish:
        err.print(f"published {publish_report(report, kb_settings)}", markup=False)


@app.command("suggest-queries")
def suggest_queries_command(
    events: list[str] | None = typer.Option(
        None, "--events", "-e", help="Event files, folders or globs (as kb deflection)."
    ),
    more_events: list[str] | None = typer.Argument(None, metavar="[PATH]..."),
    tickets: list[str] | None = typer.Option(
        None, "--tickets", help="Ticket exports: their requesters' sessions count as contacted."
    ),
    per_doc: int = typer.Option(5, "--per-doc", min=1, help="At most this many new sample_queries per doc."),
    min_sessions: int = typer.Option(
        2, "--min-sessions", min=1, help="A query must have led this many sessions to the doc."
    ),
    holdout: float = typer.Option(
        0.3, "--holdout", min=0.0, max=0.9, help="Share of sessions held out to evaluate the proposal."
    ),
    audience: str | None = typer.Option(
        None, "--audience", help="Whose sessions: public (default) | partner | internal | all."
    ),
    write: bool = typer.Option(
        False, "--write", help="Write the proposal into the docs (default: print it as a patch)."
    ),
    run_eval: bool = typer.Option(
        False, "--eval", help="kb eval of the held-out queries before and after, on a scratch copy of the KB."
    ),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
    doc: str | None = typer.Option(
        None,
        "--doc",
        help="Propose the --query phrasings (e.g. a content gap's, from kb deflection) for this doc instead of learning from events.",
    ),
    queries: list[str] | None = typer.Option(
        None, "--query", "-q", help="With --doc: a phrasing to add to its sample_queries (repeatable)."
    ),
) -> None:
    """Propose sample_queries: from the logs (queries that led readers to a doc, with no contact after), or given phrasings for one doc (--doc ID --query ..., as kb deflection prints for a content gap)."""
    from kbops.analytics.options import DeflectionOptions
    from kbops.analytics.suggest import (
        eval_before_after,
        given_queries,
        proposed_texts,
        suggest_queries,
        unified_diff,
        write_changes,
    )
    from kbops.errors import UsageError

    events = [*(events or []), *(more_events or [])]
    if format not in ("text", "json"):
        raise UsageError(f"unknown format {format!r}; expected text or json")
    if bool(doc) != bool(queries):
        raise UsageError("--doc and --query go together: kb suggest-queries --doc ID --query 'phrasing' ...")
    if not events and not doc:
        raise UsageError("no event files: pass --events PATH... (files, folders or globs), or --doc ID --query ...")
    if doc and (events or run_eval):
        raise UsageError("--doc/--query propose given phrasings: leave out --events and --eval")
    kb_settings = settings()
    if doc:
        found, evaluation = given_queries(kb_settings, doc, list(queries or [])), None
    else:
        options = DeflectionOptions.build(kb_settings, events, tickets=tickets, audience=audience)
        found = suggest_queries(options, kb_settings, per_doc=per_doc, min_sessions=min_sessions, holdout=holdout)
        evaluation = eval_before_after(kb_settings, found, options.metric_search_audience) if run_eval else None
    changes = proposed_texts(kb_settings, found)
    written = write_changes(changes) if write else []
    if format == "json":
        print_json(
            {**found.as_dict(), "written": [str(p.relative_to(kb_settings.root)) for p in written], "eval": evaluation}
        )
        return
    if write:
        for path in written:
            print(path.relative_to(kb_settings.root))
    else:
        print(unified_diff(kb_settings, changes), end="")
    total = sum(len(d.queries) for d in found.docs)
    err.print(
        f"{total} sample quer{'y' if total == 1 else 'ies'} proposed for {len(found.docs)} doc(s)"
        + (
            f"; skipped: {', '.join(f'{n} {why}' for why, n in sorted(found.skipped.items()))}" if found.skipped else ""
        ),
        markup=False,
    )
    if evaluation and evaluation.get("queries"):
        b, a = evaluation["before"], evaluation["after"]
        err.print(
            f"kb eval on {evaluation['queries']} held-out queries: MRR {b['mrr']:.3f} -> {a['mrr']:.3f}, "
            f"recall@1 {b['recall@1']:.3f} -> {a['recall@1']:.3f}, recall@5 {b['recall@5']:.3f} -> {a['recall@5']:.3f}"
            + (
                f"; {evaluation['unseen_phrasings']} phrasings not proposed: MRR {b['unseen_mrr']:.3f} -> {a['unseen_mrr']:.3f}"
                if evaluation.get("unseen_phrasings")
                else ""
            ),
            markup=False,
        )
