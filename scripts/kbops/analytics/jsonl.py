"""JSON-lines ingest with exact line numbers: DuckDB's fast JSON reader, verified line by line count.

DuckDB's `read_json(..., ignore_errors = true)` is the fastest way to turn JSON lines into columns, but
it gives no line numbers. It does, however, return exactly one row per non-blank line (an all-NULL row
for a line it cannot parse) in file order, so row k is the k-th non-blank line. One cheap scan of the
raw lines (`json_valid` only) finds the blank and bad lines and counts the lines; row numbers are then
mapped to line numbers and bad lines flagged by joining that small list. After staging, each file's
row count is checked against its line count; a file that does not match (an exotic line the two
readers split differently) is staged again through the exact path, sql/jsonl_records.sql, which
parses raw lines in SQL.
"""

from __future__ import annotations

from kbops.analytics.sources import EVENT_FIELDS, Source, sql_name, sql_text

# The delimiter is NUL: it never occurs in a text log, so every line stays one whole value.
RAW_LINES_OPTIONS = (
    "columns = {'line': 'VARCHAR'}, delim = chr(0), quote = '', escape = '', header = false, "
    "auto_detect = false, strict_mode = false, max_line_size = 16777216"
)
JSON_COLUMNS = "{" + ", ".join(f"{sql_text(name)}: 'VARCHAR'" for name in EVENT_FIELDS) + "}"


def raw_lines(source: Source) -> str:
    """`(file_id, line_no, line)` of one file, blank lines included, numbered from 1."""
    return (
        f"SELECT {source.file_id} AS file_id, ordinality AS line_no, line "
        f"FROM read_csv({sql_text(source.path)}, {RAW_LINES_OPTIONS}) WITH ORDINALITY"
    )


def raw_lines_view_sql(sources: list[Source]) -> str:
    """The `raw_lines(file_id, line_no, line)` view read by the exact path (sql/jsonl_records.sql)."""
    return "CREATE OR REPLACE TEMP VIEW raw_lines AS\n" + "\nUNION ALL\n".join(raw_lines(s) for s in sources)


def line_check_sql(sources: list[Source]) -> list[str]:
    """Statements creating jsonl_lines(file_id, lines) and jsonl_line_problems(file_id, line_no, kind)."""
    scans = "\nUNION ALL\n".join(
        "SELECT file_id, line_no, CASE "
        "WHEN line IS NULL OR trim(line) = '' THEN 'blank_line' "
        "WHEN NOT json_valid(line) THEN 'malformed_json' "
        "WHEN NOT starts_with(ltrim(line), '{') THEN 'not_an_object' END AS kind "
        f"FROM ({raw_lines(s)})"
        for s in sources
    )
    return [
        "CREATE OR REPLACE TEMP TABLE jsonl_lines AS "
        "SELECT file_id, count(*) AS lines, "
        "list({'line_no': line_no, 'kind': kind}) FILTER (WHERE kind IS NOT NULL) AS problems "
        f"FROM ({scans}) GROUP BY file_id",
        "CREATE OR REPLACE TEMP TABLE jsonl_line_problems AS "
        "SELECT file_id, p.line_no AS line_no, p.kind AS kind "
        "FROM (SELECT file_id, unnest(problems) AS p FROM jsonl_lines WHERE problems IS NOT NULL)",
    ]


def fast_records_sql(sources: list[Source], has_blank_lines: bool) -> str:
    """raw_records rows of JSON-lines files read by read_json, with line numbers and bad lines flagged."""
    rows = "\nUNION ALL\n".join(
        f"SELECT {s.file_id} AS file_id, ordinality AS row_no, * FROM read_json({sql_text(s.path)}, "
        f"format = 'newline_delimited', ignore_errors = true, maximum_object_size = 16777216, "
        f"columns = {JSON_COLUMNS}) WITH ORDINALITY"
        for s in sources
    )
    if has_blank_lines:
        # Row k follows the blank lines whose "non-blank lines before" count is below k (ASOF join).
        mapped = (
            "blank_offsets AS (SELECT file_id, line_no - n AS threshold, max(n) AS blanks_before FROM ("
            "SELECT file_id, line_no, row_number() OVER (PARTITION BY file_id ORDER BY line_no) AS n "
            "FROM jsonl_line_problems WHERE kind = 'blank_line') GROUP BY file_id, threshold), "
            "mapped AS (SELECT j.*, j.row_no + coalesce(o.blanks_before, 0) AS line_no FROM json_rows AS j "
            "ASOF LEFT JOIN blank_offsets AS o ON j.file_id = o.file_id AND j.row_no > o.threshold)"
        )
    else:
        mapped = "mapped AS (SELECT *, row_no AS line_no FROM json_rows)"
    fields = ", ".join(f"m.{sql_name(f)} AS {sql_name(f)}" for f in EVENT_FIELDS)
    ids = ", ".join(str(s.file_id) for s in sources)
    # The bad lines are flagged by membership tests against the (few) problem lines, not by a LEFT JOIN:
    # DuckDB may build a join's hash table on the 10M-row side (it cannot estimate read_json's rows),
    # which cost 14 of 35 CPU-seconds of staging at 10M events; an IN (subquery) always builds on the subquery.
    key = "m.file_id * 1099511627776 + m.line_no"
    problem = " ".join(
        f"WHEN {key} IN (SELECT file_id * 1099511627776 + line_no FROM jsonl_line_problems WHERE kind = '{kind}') "
        f"THEN '{kind}'"
        for kind in ("malformed_json", "not_an_object")
    )
    return (
        f"WITH json_rows AS ({rows}), {mapped} "
        f"SELECT m.file_id, m.line_no, CASE {problem} END AS record_problem, {fields}, m.ts AS ts_text, "
        "false AS from_ticket "
        "FROM mapped AS m "
        "UNION ALL BY NAME "
        "SELECT file_id, line_no, 'blank_line' AS record_problem, false AS from_ticket "
        f"FROM jsonl_line_problems WHERE kind = 'blank_line' AND file_id IN ({ids})"
    )


def mismatched_files(con, sources: list[Source]) -> list[int]:
    """File ids whose staged record count differs from their line count (to be read the exact way)."""
    if not sources:
        return []
    ids = ", ".join(str(s.file_id) for s in sources)
    rows = con.execute(
        "SELECT l.file_id FROM jsonl_lines AS l LEFT JOIN "
        f"(SELECT file_id, count(*) AS n FROM staged_lines WHERE file_id IN ({ids}) GROUP BY file_id) AS s USING (file_id) "
        f"WHERE l.file_id IN ({ids}) AND l.lines IS DISTINCT FROM coalesce(s.n, 0)"
    ).fetchall()
    return [row[0] for row in rows]
