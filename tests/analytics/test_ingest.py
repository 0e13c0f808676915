"""Ingest robustness: bad lines with exact line numbers, gzip, CSV, Parquet, globs, duplicates, time zones."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import duckdb
import pytest

from kbops.errors import UsageError
from tests.analytics.conftest import SMALL_LOG, deflection, ev, write_jsonl

GOOD = ev("2026-11-02T10:00:00Z", "search", "s-1", "u-1", query="card declined", results=3)
BAD_LINES = [
    GOOD,  # 1
    '{"ts": "2026-11-02T10:01:00Z", "event": "view", "session": "s-1"',  # 2 malformed JSON
    "",  # 3 blank (not a problem)
    '["not", "an", "object"]',  # 4
    ev("2026-11-02T10:02:00Z", "purchase", "s-1"),  # 5 unknown event type
    {"event": "view", "session": "s-1", "doc": "x"},  # 6 missing ts
    ev("yesterday at noon", "view", "s-1", doc="x"),  # 7 invalid ts
    ev("2026-11-02T10:03:00Z", "search", "s-1", query="x"),  # 8 missing results
    ev("2026-11-02T10:03:00Z", "search", "s-1", query="x", results=-1),  # 9 invalid results
    ev("2026-11-02T10:04:00Z", "view", None, doc="x"),  # 10 missing session
    ev("2026-11-02T10:04:00Z", "feedback", "s-1", doc="x", helpful="maybe"),  # 11 invalid helpful
    ev("2026-11-02T10:05:00Z", "click", "s-1", doc="card-declined", rank=1),  # 12 good
]
EXPECTED = {
    2: "malformed_json",
    4: "not_an_object",
    5: "unknown_event_type",
    6: "missing_ts",
    7: "invalid_ts",
    8: "missing_results",
    9: "invalid_results",
    10: "missing_session",
    11: "invalid_helpful",
}


def problems_by_line(report):
    return {p.line: p.problem for p in report.input.problem_lines}


def test_bad_lines_are_reported_with_their_line_numbers_and_the_rest_is_counted(tmp_path):
    report = deflection(write_jsonl(tmp_path / "bad.jsonl", BAD_LINES))
    assert problems_by_line(report) == EXPECTED
    assert report.input.records == 12 and report.input.valid_records == 2 and report.input.blank_lines == 1
    assert report.input.bad_records == len(EXPECTED)
    assert (report.metrics.searches, report.metrics.clicked_searches) == (1, 1)
    assert {p.problem: p.first_line for p in report.input.problems}["invalid_ts"] == 7
    assert any(p.value == "purchase" for p in report.input.problem_lines)


def test_gzip_gives_the_same_lines(tmp_path):
    plain = write_jsonl(tmp_path / "bad.jsonl", BAD_LINES)
    packed = tmp_path / "bad.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    report = deflection(packed)
    assert problems_by_line(report) == EXPECTED
    assert report.input.files[0].path.endswith(".gz")


def test_line_numbers_stay_exact_in_a_large_file(tmp_path):
    # Large enough for DuckDB to read in several parallel chunks: bad lines at known places.
    bad_at = {7, 33_333, 88_888, 120_000}
    records = []
    for line in range(1, 120_001):
        records.append(
            "{broken" if line in bad_at else json.dumps(ev("2026-11-02T10:00:00Z", "view", f"s-{line}", doc="d"))
        )
    path = tmp_path / "large.jsonl"
    path.write_text("\n".join(records) + "\n")
    report = deflection(path)
    assert {p.line for p in report.input.problem_lines} == bad_at
    assert report.metrics.self_service_sessions == 120_000 - len(bad_at)


def test_several_files_and_globs_keep_per_file_line_numbers(tmp_path):
    write_jsonl(tmp_path / "logs" / "a.jsonl", [GOOD, "oops"])
    write_jsonl(tmp_path / "logs" / "b.jsonl", ["oops", GOOD, GOOD])
    report = deflection(str(tmp_path / "logs" / "*.jsonl"))
    assert sorted((p.path.rsplit("/", 1)[1], p.line) for p in report.input.problem_lines) == [
        ("a.jsonl", 2),
        ("b.jsonl", 1),
    ]
    assert report.input.duplicate_records_removed == 2  # GOOD appears 3 times over the two files
    assert report.metrics.searches == 1


def test_no_matching_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no file matches"):
        deflection(str(tmp_path / "nothing-*.jsonl"))


def test_exact_duplicates_are_counted_once_and_reported(tmp_path, small_log):
    doubled = write_jsonl(tmp_path / "doubled.jsonl", SMALL_LOG + SMALL_LOG[:5])
    report = deflection(doubled)
    assert report.metrics == deflection(small_log).metrics
    assert report.input.duplicate_records_removed == 5
    first = report.input.duplicate_lines[0]
    assert first.line == len(SMALL_LOG) + 1 and "line 1 " in first.message


def test_other_time_zones_are_normalised_to_utc(tmp_path, small_log):
    # The same instants written with +02:00 and -05:00 offsets, and as epoch seconds.
    def shift(record, index):
        instant = dt.datetime.fromisoformat(record["ts"].replace("Z", "+00:00"))
        if index % 3 == 0:
            return {**record, "ts": instant.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()}
        if index % 3 == 1:
            return {**record, "ts": instant.astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat()}
        return {**record, "ts": int(instant.timestamp())}

    zoned = write_jsonl(tmp_path / "zoned.jsonl", [shift(r, i) for i, r in enumerate(SMALL_LOG)])
    report = deflection(zoned)
    assert report.metrics == deflection(small_log).metrics
    assert report.input.offset_timestamps > 0
    assert any("normalised to UTC" in n for n in report.notes)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_csv_and_parquet_event_files_give_the_same_metrics(tmp_path, small_log, fmt):
    target = tmp_path / f"events.{fmt}"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"COPY (SELECT * FROM read_json('{small_log}', columns = {{ts: 'VARCHAR', event: 'VARCHAR', session: 'VARCHAR', "
        "user: 'VARCHAR', query: 'VARCHAR', results: 'BIGINT', doc: 'VARCHAR', rank: 'BIGINT', helpful: 'BOOLEAN', "
        f"locale: 'VARCHAR', channel: 'VARCHAR'}})) TO '{target}' (FORMAT {fmt})"
    )
    report = deflection(target)
    assert report.metrics == deflection(small_log).metrics
    assert report.input.files[0].format == fmt


def test_csv_bad_rows_report_file_lines_counting_the_header(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "ts,event,session,query,results\n"
        "2026-11-02T10:00:00Z,search,s-1,card,3\n"
        "2026-11-02T10:01:00Z,search,s-1,card,many\n"
        "not a time,search,s-2,card,1\n"
    )
    assert problems_by_line(deflection(path)) == {3: "invalid_results", 4: "invalid_ts"}


def test_unreadable_file_is_reported_and_the_others_are_counted(tmp_path, small_log):
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"this is not gzip data at all")
    report = deflection(small_log, broken)
    assert report.metrics == deflection(small_log).metrics
    assert [(p.path, p.problem) for p in report.input.problems] == [(str(broken), "unreadable_file")]


def test_fast_and_exact_json_readers_agree_line_for_line(tmp_path):
    # Blank lines, whitespace lines, a tab-only line and two objects on a line: the fast reader either
    # maps them exactly or the file is re-read the exact way; both give the same report.
    lines = BAD_LINES[:3] + ["   ", "\t", '{"a": 1}{"b": 2}', "", GOOD, BAD_LINES[4], "[]", "", BAD_LINES[11]]
    path = write_jsonl(tmp_path / "odd.jsonl", lines)
    fast, exact = deflection(path), deflection(path, exact_json=True)
    assert fast.input == exact.input
    assert fast.metrics == exact.metrics
    # lines 3, 4, 7, 11 are blank (spaces only count as blank; a tab is not JSON whitespace here)
    assert problems_by_line(exact) == {
        2: "malformed_json",
        5: "malformed_json",
        6: "malformed_json",
        9: "unknown_event_type",
        10: "not_an_object",
    }
    assert exact.input.blank_lines == 4 and exact.input.duplicate_records_removed == 1


def test_backslashes_and_control_characters_keep_lines_whole(tmp_path):
    # A JSON string may contain a backslash sequence like \x1f (valid); a raw control character inside
    # a string is invalid JSON and must be reported on its own line, not split or cut.
    path = tmp_path / "ctl.jsonl"
    path.write_text(
        json.dumps(ev("2026-11-02T10:00:00Z", "search", "s1", query='C:\\x1f\\t|,;"', results=1))
        + "\n"
        + '{"ts": "2026-11-02T10:00:00Z", "event": "search", "session": "s2", "query": "a\x1fb", "results": 0}\n'
        + '{"ts": "2026-11-02T10:00:00Z", "event": "view", "session": "s3", "doc": "d"}\x1f trailing\n'
    )
    for exact in (False, True):
        report = deflection(path, exact_json=exact)
        assert problems_by_line(report) == {2: "malformed_json", 3: "malformed_json"}
        assert report.metrics.searches == 1
