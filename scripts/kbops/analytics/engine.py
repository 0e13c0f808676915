"""Run the deflection SQL (sql/*.sql) over event logs and ticket exports in DuckDB; return a report.

No Python touches individual events: files are read by DuckDB, and the only per-value Python work is
`kbops.pii.scrub` over the DISTINCT query strings (a few thousand for millions of events), joined
back in SQL (sql/queries.sql). Memory is bounded by DuckDB's `memory_limit`; larger inputs spill
to a temporary folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from kbops.analytics import jsonl
from kbops.analytics.gaps import gap_clusters
from kbops.analytics.joins import id_shapes, identity_join, pseudonymise_users
from kbops.analytics.options import DeflectionOptions
from kbops.analytics.report import (
    PROBLEM_MESSAGES,
    AgentQuery,
    AgentSearch,
    BreakdownRow,
    ContentGap,
    DeflectionReport,
    DocInfo,
    DocStats,
    IdentityJoin,
    InputFile,
    InputSummary,
    Metrics,
    ProblemCount,
    ProblemLine,
)
from kbops.analytics.sources import (
    Source,
    expand,
    sql_text,
    tabular_records_sql,
    ticket_records_sql,
)
from kbops.analytics.translations import candidates as translation_candidates
from kbops.pii import redact

log = logging.getLogger(__name__)
Progress = Callable[[str], None] | None

_EMPTY_RECORDS = (
    "SELECT CAST(NULL AS BIGINT) AS file_id, CAST(NULL AS BIGINT) AS line_no, CAST(NULL AS VARCHAR) AS record_problem, "
    + ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in ("ts", "ts_text", "event", "session", '"user"'))
    + ", false AS from_ticket, "
    + ", ".join(
        f"CAST(NULL AS VARCHAR) AS {c}"
        for c in ("query", "results", "doc", "rank", "helpful", "locale", "channel", "audience")
    )
    + " WHERE false"
)


def sql_file(name: str) -> str:
    """The text of one packaged SQL file (kbops/analytics/sql/NAME)."""
    return resources.files("kbops.analytics").joinpath("sql", name).read_text(encoding="utf-8")


def named_queries(name: str) -> dict[str, str]:
    """Queries of a file split by `-- name: X` markers."""
    parts = re.split(r"^-- name: (\w+)\s*$", sql_file(name), flags=re.MULTILINE)
    return {parts[i]: parts[i + 1].strip().rstrip(";") for i in range(1, len(parts), 2)}


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, (int, float)):
        return repr(value)
    return sql_text(str(value))


def connect(options: DeflectionOptions, temp_dir: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = {sql_text(options.memory_limit)}")
    con.execute(f"SET temp_directory = {sql_text(temp_dir)}")
    # The staged events live in a database file in the temporary folder, not in memory: DuckDB writes
    # a table that size compressed (about 1/6 of its in-memory size), so 10M events stay well inside
    # memory_limit and the later steps do not spill. The file is thrown away with the folder.
    con.execute(f"ATTACH {sql_text(str(Path(temp_dir) / 'staged.duckdb'))} AS store")
    con.execute("USE store")
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("SET preserve_insertion_order = false")
    # One-byte types of the staged table (sql/stage.sql); an event type outside the list is a problem.
    con.execute("CREATE TYPE event_kind AS ENUM ('search', 'click', 'view', 'feedback', 'contact')")
    con.execute("CREATE TYPE ts_zone_kind AS ENUM ('utc', 'offset', 'naive')")
    if options.threads:
        con.execute(f"SET threads = {int(options.threads)}")
    variables = {
        "window_seconds": options.window.total_seconds(),
        "click_seconds": options.click_window.total_seconds(),
        "since": options.since,
        "until": options.until,
        "gap_limit": options.gap_limit,
        "example_limit": options.example_limit,
        "audience": None if options.audience == "all" else options.audience,
    }
    for name, value in variables.items():
        literal = _literal(value)
        if name in ("since", "until"):
            literal = f"CAST({literal} AS TIMESTAMP)"  # typed even when NULL (unbounded)
        con.execute(f"SET VARIABLE {name} = {literal}")
    return con


def _records_sql(
    con: duckdb.DuckDBPyConnection, sources: list[Source], options: DeflectionOptions, exact: set[int]
) -> str:
    """The SELECT of raw_records over every source (a UNION ALL BY NAME of per-format parts).

    JSON lines go through the fast, verified reader (kbops.analytics.jsonl) unless their file id is in
    `exact`, which are parsed line by line in SQL (sql/jsonl_records.sql).
    """
    parts: list[str] = []
    json_lines = [s for s in sources if s.role == "events" and s.format == "jsonl"]
    fast = [s for s in json_lines if s.file_id not in exact]
    slow = [s for s in json_lines if s.file_id in exact]
    if fast:
        for statement in jsonl.line_check_sql(fast):
            con.execute(statement)
        blanks = _one_row(con, "SELECT count(*) FROM jsonl_line_problems WHERE kind = 'blank_line'")[0]
        parts.append(jsonl.fast_records_sql(fast, has_blank_lines=blanks > 0))
    if slow:
        con.execute(jsonl.raw_lines_view_sql(slow))
        con.execute(sql_file("jsonl_records.sql"))
        parts.append("SELECT * FROM jsonl_records")
    for source in sources:
        if source.role == "tickets":
            parts.append(ticket_records_sql(con, source, options.ticket_columns))
        elif source.format in ("csv", "parquet"):
            parts.append(tabular_records_sql(con, source))
    parts.append(_EMPTY_RECORDS)
    return "\nUNION ALL BY NAME\n".join(f"({p})" for p in parts)


def _stage(
    con: duckdb.DuckDBPyConnection, sources: list[Source], options: DeflectionOptions, exact: set[int] | None = None
) -> list[tuple[Source, str]]:
    """Create `staged`; a file DuckDB cannot read at all is set aside and reported, the rest go on."""
    exact = set(exact or ())
    unreadable: list[tuple[Source, str]] = []
    readable = list(sources)
    while True:
        try:
            con.execute("CREATE OR REPLACE TEMP VIEW raw_records AS " + _records_sql(con, readable, options, exact))
            con.execute(sql_file("stage.sql"))
            fast = [s for s in readable if s.role == "events" and s.format == "jsonl" and s.file_id not in exact]
            mismatched = jsonl.mismatched_files(con, fast)
            if not mismatched:
                return unreadable
            log.info("JSON lines of file(s) %s read the exact way", mismatched)
            exact.update(mismatched)
        except duckdb.Error as exc:
            if not readable:
                raise
            log.info("staging failed (%s); checking files one by one", exc)
            still: list[Source] = []
            for source in readable:
                try:
                    con.execute("SELECT count(*) FROM (" + _records_sql(con, [source], options, exact) + ")").fetchall()
                    still.append(source)
                except duckdb.Error as file_exc:
                    unreadable.append((source, str(file_exc).splitlines()[0][:300]))
            if len(still) == len(readable):
                raise
            readable = still


def _scrub_queries(con: duckdb.DuckDBPyConnection) -> int:
    """Scrub each distinct query once in Python, hand the pairs back to DuckDB, normalise in SQL."""
    distinct = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT query FROM staged WHERE problem IS NULL AND query IS NOT NULL"
        ).fetchall()
    ]
    scrubbed = [redact(q) for q in distinct]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE scrubbed_queries AS "
        "SELECT unnest(CAST($1 AS VARCHAR[])) AS query, unnest(CAST($2 AS VARCHAR[])) AS query_scrubbed",
        [distinct, scrubbed],
    )
    con.execute(sql_file("queries.sql"))
    return sum(1 for a, b in zip(distinct, scrubbed) if a != b)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


@dataclass
class Prepared:
    """An open DuckDB connection with sessions, contacts and search outcomes computed (see `prepared`)."""

    con: duckdb.DuckDBPyConnection
    sources: list[Source]
    unreadable: list[tuple[Source, str]]
    scrubbed_queries: int
    joined: IdentityJoin | None
    summary: InputSummary


@contextlib.contextmanager
def prepared(options: DeflectionOptions, progress: Progress = None) -> Iterator[Prepared]:
    """Read, validate, pseudonymise and scrub the files, and compute sessions, contacts and search outcomes.

    The tables (`events`, `sessions`, `contacted_sessions`, `search_outcomes`, `query_forms`) stay
    open for the caller: the deflection report, and the query suggestions of kbops.analytics.suggest.
    """
    say = progress or (lambda message: None)
    sources = expand(options.events, "events")
    sources += expand(options.tickets, "tickets", start_id=len(sources)) if options.tickets else []
    with tempfile.TemporaryDirectory(prefix="kb-deflection-") as temp_dir:
        con = connect(options, temp_dir)
        try:
            say(f"reading {len(sources)} file(s)")
            exact = {s.file_id for s in sources} if options.exact_json else set()
            unreadable = _stage(con, sources, options, exact)
            say("pseudonymising users and scrubbing queries")
            has_tickets = any(s.role == "tickets" for s in sources)
            shapes = id_shapes(con) if has_tickets else ({}, {})
            pseudonymise_users(con, options.user_salt)
            scrubbed = _scrub_queries(con)
            say("computing sessions and metrics")
            con.execute(sql_file("events.sql"))
            summary = _input_summary(con, sources, unreadable)
            # Everything else reads the valid, de-duplicated events (the all_events view over staged).
            con.execute(sql_file("prune.sql"))
            for name in ("sessions.sql", "searches.sql"):
                con.execute(sql_file(name))
            joined = identity_join(con, *shapes, options.salt_configured) if has_tickets else None
            yield Prepared(con, sources, unreadable, scrubbed, joined, summary)
        finally:
            con.close()


def compute_deflection(
    options: DeflectionOptions, *, doc_info: dict[str, DocInfo] | None = None, progress: Progress = None
) -> DeflectionReport:
    """Deflection, zero-result, click-through and self-service metrics over the given files."""
    with prepared(options, progress) as p:
        return _assemble(p.con, options, p.summary, p.scrubbed_queries, doc_info or {}, p.joined)


def _redacted(row: dict[str, Any], key: str) -> dict[str, Any]:
    """Doc ids, channels and bad values are echoed in reports: personal data in them is redacted (kbops.pii)."""
    value = row.get(key)
    return {**row, key: redact(value)} if isinstance(value, str) else row


def _rate(value: float | None) -> float:
    return float(value) if value is not None else 0.0


def _one_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The row of an aggregate query without GROUP BY (count, min, max): there is always exactly one."""
    row = con.execute(sql).fetchone()
    assert row is not None
    return row


def _assemble(
    con: duckdb.DuckDBPyConnection,
    options: DeflectionOptions,
    summary: InputSummary,
    scrubbed_queries: int,
    doc_info: dict[str, DocInfo],
    joined: IdentityJoin | None = None,
) -> DeflectionReport:
    head = _rows(con, sql_file("metrics.sql"))[0]
    values: dict[str, Any] = {
        k: (_rate(v) if k.endswith(("_rate", "_score")) else int(v or 0)) for k, v in head.items()
    }
    metrics = Metrics(**values)
    breakdowns: dict[str, list[BreakdownRow]] = {"locale": [], "channel": [], "week": []}
    for row in _rows(con, sql_file("breakdown.sql")):
        breakdowns[row["dimension"]].append(BreakdownRow(**_redacted(row, "value")))
    docs = tuple(
        DocStats(**_redacted(row, "doc"), **dataclasses.asdict(doc_info.get(row["doc"], DocInfo())))
        for row in _rows(con, sql_file("docs.sql"))
    )
    gap_queries = named_queries("gaps.sql")
    con.execute(gap_queries["query_stats"])
    gaps = tuple(ContentGap(**row) for row in _rows(con, gap_queries["ranked"]))
    span = _one_row(con, "SELECT min(ts), max(ts) FROM events WHERE in_period")
    notes = _notes(metrics, summary, options, scrubbed_queries, head, joined)
    return DeflectionReport(
        metrics=metrics,
        window_hours=options.window.total_seconds() / 3600,
        since=options.since.isoformat() + "Z" if options.since else None,
        until=options.until.isoformat() + "Z" if options.until else None,
        first_event=span[0].isoformat() + "Z" if span[0] else None,
        last_event=span[1].isoformat() + "Z" if span[1] else None,
        breakdowns={k: tuple(v) for k, v in breakdowns.items()},
        docs=docs,
        content_gaps=gaps,
        input=summary,
        notes=tuple(notes),
        min_doc_sessions=options.min_doc_sessions,
        audience=options.audience,
        identity=joined,
        agents=_agent_search(con),
        gap_clusters=gap_clusters(con, named_queries("clusters.sql"), options.gap_limit),
        translation_rows=tuple(translation_candidates(con, named_queries("translations.sql")["candidates"], doc_info)),
    )


def _agent_search(con: duckdb.DuckDBPyConnection) -> AgentSearch:
    queries = named_queries("agents.sql")
    totals = _rows(con, queries["totals"])
    if not totals:
        return AgentSearch()
    return AgentSearch(
        searches=sum(int(r["searches"]) for r in totals),
        zero_result_searches=sum(int(r["zero_result_searches"]) for r in totals),
        sessions=sum(int(r["sessions"]) for r in totals),
        by_audience={r["audience"]: int(r["searches"]) for r in totals},
        queries=tuple(AgentQuery(**r) for r in _rows(con, queries["queries"])),
    )


def _input_summary(
    con: duckdb.DuckDBPyConnection, sources: list[Source], unreadable: list[tuple[Source, str]]
) -> InputSummary:
    queries = named_queries("input.sql")
    path = {s.file_id: s.path for s in sources}
    per_file: dict[int, list[int]] = {s.file_id: [0, 0] for s in sources}
    for file_id, records, bad in con.execute(
        "SELECT file_id, count(*), count(*) FILTER (WHERE problem IS NOT NULL AND problem <> 'blank_line') "
        "FROM staged_lines GROUP BY file_id"
    ).fetchall():
        per_file[file_id] = [records, bad]
    problems = [
        ProblemCount(
            path[r["file_id"]],
            r["problem"],
            PROBLEM_MESSAGES.get(r["problem"], r["problem"]),
            r["records"],
            r["first_line"],
        )
        for r in _rows(con, queries["problems_by_file"])
        if r["problem"] != "blank_line"
    ]
    problems += [
        ProblemCount(s.path, "unreadable_file", f"file could not be read: {why}", 1, 0) for s, why in unreadable
    ]
    lines = tuple(
        ProblemLine(
            path[r["file_id"]],
            r["line_no"],
            r["problem"],
            PROBLEM_MESSAGES.get(r["problem"], r["problem"]),
            redact(r["problem_value"]) if isinstance(r["problem_value"], str) else r["problem_value"],
        )
        for r in _rows(con, queries["problem_examples"])
    )
    counts = _rows(con, queries["record_counts"])[0]
    late = _rows(con, queries["out_of_order"])
    duplicates = _rows(con, queries["duplicates"])[0]
    width = 1099511627776  # record_id = file_id * 2^40 + line_no (sql/stage.sql)
    duplicate_lines = tuple(
        ProblemLine(
            path[r["last_copy_id"] // width],
            r["last_copy_id"] % width,
            "duplicate",
            f"exact duplicate of line {r['event_id'] % width} of {path[r['event_id'] // width]} ({r['copies']} copies); counted once",
        )
        for r in _rows(con, queries["duplicate_examples"])
    )
    late_lines = tuple(
        ProblemLine(
            path[r["file_id"]],
            r["first_line"],
            "out_of_order",
            f"{r['records']} event(s) in this file are earlier than a line above them; ordered by time",
        )
        for r in late
    )
    files = tuple(InputFile(s.path, s.role, s.format, per_file[s.file_id][0], per_file[s.file_id][1]) for s in sources)
    return InputSummary(
        files=files,
        records=int(counts["records"] or 0),
        valid_records=int(counts["valid_records"] or 0),
        blank_lines=int(counts["blank_lines"] or 0),
        duplicate_records_removed=int(duplicates["removed_records"] or 0),
        out_of_order_events=sum(int(r["records"]) for r in late),
        offset_timestamps=int(counts["offset_timestamps"] or 0),
        naive_timestamps=int(counts["naive_timestamps"] or 0),
        email_user_ids=int(counts["email_user_ids"] or 0),
        problems=tuple(problems),
        problem_lines=lines,
        duplicate_lines=duplicate_lines,
        out_of_order_lines=late_lines,
    )


def _notes(
    metrics: Metrics,
    summary: InputSummary,
    options: DeflectionOptions,
    scrubbed_queries: int,
    head: dict[str, Any],
    joined: IdentityJoin | None = None,
) -> list[str]:
    notes: list[str] = []
    if summary.valid_records == 0:
        notes.append("No valid events in the input: every count is 0 and every rate is reported as 0.")
    else:
        if head["zero_result_rate"] is None:
            notes.append("No searches in the period: zero-result and click-through rates are reported as 0.")
        if head["deflection_rate"] is None:
            notes.append("No self-service sessions in the period: the deflection rate is reported as 0.")
        if head["self_service_score"] is None:
            notes.append("No contacts in the period: the self-service score is undefined and reported as 0.")
    if summary.bad_records:
        notes.append(
            f"{summary.bad_records} record(s) were not counted because they are invalid; see the input problems."
        )
    if summary.duplicate_records_removed:
        notes.append(f"{summary.duplicate_records_removed} exact duplicate record(s) were counted once.")
    if summary.offset_timestamps or summary.naive_timestamps:
        notes.append(
            f"Timestamps normalised to UTC: {summary.offset_timestamps} with a UTC offset, "
            f"{summary.naive_timestamps} without a zone (taken as UTC)."
        )
    if summary.email_user_ids:
        notes.append(f"{summary.email_user_ids} event(s) carried an e-mail as user id; it was pseudonymised at ingest.")
    if scrubbed_queries:
        notes.append(f"{scrubbed_queries} distinct quer(y/ies) contained personal data and were scrubbed.")
    # (Requesters that all matched were pseudonymised as the events were: a log made with the default salt,
    # such as bench/gen_events.py's in a KB without one. Then there is nothing to warn about.)
    all_matched = joined is not None and joined.requesters > 0 and joined.matched == joined.requesters
    if not options.salt_configured and (options.tickets or summary.email_user_ids) and not all_matched:
        notes.append(
            "No user salt configured ([tool.kbops.analytics] or [tool.kbops.server] user_salt, env KB_USER_SALT, "
            "or the collector's .kb/user-salt): requesters were hashed with a default salt and will not match "
            "the collector's user ids."
        )
    return notes
