"""Input files: expand paths and globs, recognise formats, and express each file as SQL records.

Every source becomes rows of the same shape (`raw_records`, see sql/stage.sql) with its file and
line number, so that every problem can be reported as `path:line`:
- JSON lines: see kbops.analytics.jsonl (raw lines with their numbers; a malformed line keeps its
  line number).
- CSV event files: one row per line after the header (line numbers assume no quoted line breaks).
- Parquet event files: the row number within the file stands in for the line.
- Help-desk ticket exports (CSV): mapped to `contact` events through a column mapping.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kbops.analytics.options import REQUIRED_TICKET_FIELDS, TICKET_COLUMNS
from kbops.errors import UsageError

EVENT_FIELDS = (
    "ts",
    "event",
    "session",
    "user",
    "query",
    "results",
    "doc",
    "rank",
    "helpful",
    "locale",
    "channel",
    "audience",
)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json", ".log")
CSV_SUFFIXES = (".csv", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
COMPRESSION_SUFFIXES = (".gz", ".zst")


@dataclass(frozen=True)
class Source:
    """One input file: its position (file_id), path, format and role."""

    file_id: int
    path: str
    format: str  # jsonl | csv | parquet
    role: str  # events | tickets


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_name(value: str) -> str:
    """A SQL quoted identifier."""
    return '"' + value.replace('"', '""') + '"'


def file_format(path: str) -> str:
    name = path.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    return "jsonl"  # .jsonl, .ndjson, .json, .log and anything else: the server's format


def expand(patterns: tuple[str, ...], role: str, start_id: int = 0) -> list[Source]:
    """Files named by paths, folders (every file inside) and globs, in a stable order; no file = usage error."""
    found: list[str] = []
    missing: list[str] = []
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        elif os.path.isdir(pattern):
            matches = sorted(str(p) for p in Path(pattern).rglob("*") if p.is_file() and not p.name.startswith("."))
        elif os.path.isfile(pattern):
            matches = [pattern]
        else:
            matches = []
        if not matches:
            missing.append(pattern)
        found.extend(m for m in matches if m not in found)
    if missing:
        flag = "--events" if role == "events" else "--tickets"
        raise UsageError("\n".join(f"{flag} {p}: no file matches" for p in missing))
    return [Source(start_id + i, path, file_format(path), role) for i, path in enumerate(found)]


def _columns(con: duckdb.DuckDBPyConnection, reader: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    return {row[0]: row[1] for row in rows}


def _csv_reader(path: str) -> str:
    return f"read_csv({sql_text(path)}, all_varchar = true, header = true, strict_mode = false)"


def tabular_records_sql(con: duckdb.DuckDBPyConnection, source: Source) -> str:
    """raw_records rows of a CSV or Parquet event file; absent columns are NULL."""
    if source.format == "parquet":
        reader = f"read_parquet({sql_text(source.path)}, file_row_number = true)"
        line = "file_row_number + 1"
    else:
        reader = _csv_reader(source.path) + " WITH ORDINALITY"
        line = "ordinality + 1"  # line 1 is the header
    columns = _columns(con, reader.replace(" WITH ORDINALITY", ""))
    select = [f"{source.file_id} AS file_id", f"{line} AS line_no", "CAST(NULL AS VARCHAR) AS record_problem"]
    for name in EVENT_FIELDS:
        select.append(
            f"{sql_name(name)} AS {sql_name(name)}" if name in columns else f"CAST(NULL AS VARCHAR) AS {sql_name(name)}"
        )
        if name == "ts":
            is_text = columns.get("ts") == "VARCHAR"
            select.append('"ts" AS ts_text' if is_text else "CAST(NULL AS VARCHAR) AS ts_text")
        if name == "user":
            select.append("false AS from_ticket")
    return f"SELECT {', '.join(select)} FROM {reader}"


def ticket_columns_for(
    con: duckdb.DuckDBPyConnection, source: Source, mapping: dict[str, str]
) -> dict[str, str | None]:
    """Which export column feeds each ticket field; a mapped column that does not exist is a usage error."""
    available = _columns(con, _csv_reader(source.path))
    chosen: dict[str, str | None] = {}
    problems: list[str] = []
    for name, candidates in TICKET_COLUMNS.items():
        if name in mapping:
            if mapping[name] not in available:
                problems.append(
                    f"{source.path}: --map {name}={mapping[name]!r}: no such column; columns are: {', '.join(available)}"
                )
            chosen[name] = mapping[name]
        else:
            chosen[name] = next((c for c in candidates if c in available), None)
    for name in REQUIRED_TICKET_FIELDS:
        if name not in mapping and chosen[name] is None:
            problems.append(
                f"{source.path}: no column for ticket field {name!r} (tried {', '.join(TICKET_COLUMNS[name])}); "
                f'name it with --map {name}="Column"'
            )
    if problems:
        raise UsageError("\n".join(problems))
    return chosen


def ticket_records_sql(con: duckdb.DuckDBPyConnection, source: Source, mapping: dict[str, str]) -> str:
    """raw_records rows of a ticket export: one `contact` per ticket, requester to be pseudonymised."""
    cols = ticket_columns_for(con, source, mapping)

    def col(name: str) -> str:
        column = cols.get(name)
        return sql_name(column) if column else "CAST(NULL AS VARCHAR)"

    return (
        f"SELECT {source.file_id} AS file_id, ordinality + 1 AS line_no, CAST(NULL AS VARCHAR) AS record_problem, "
        f"{col('created_at')} AS ts, {col('created_at')} AS ts_text, 'contact' AS event, "
        f'CAST(NULL AS VARCHAR) AS session, {col("requester")} AS "user", true AS from_ticket, '
        "CAST(NULL AS VARCHAR) AS query, CAST(NULL AS VARCHAR) AS results, CAST(NULL AS VARCHAR) AS doc, "
        "CAST(NULL AS VARCHAR) AS rank, CAST(NULL AS VARCHAR) AS helpful, CAST(NULL AS VARCHAR) AS locale, "
        f"{col('channel')} AS channel, CAST(NULL AS VARCHAR) AS audience FROM {_csv_reader(source.path)} WITH ORDINALITY"
    )
