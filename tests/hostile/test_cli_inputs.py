"""Hostile input files of `kb eval --queries` and `kb deflection --events`, and a crash inside a command.

Each bad line is one diagnostic naming file:line; nothing hangs on a FIFO; a crash is exit 2 and one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.corpus import HANG, assert_no_traceback, make_hostile_kb, run, text

GOOD_QUERY = '{"query": "card declined", "relevant": ["valid"], "locale": "en"}'
BAD_QUERIES = {
    "deep-array": "[" * 100_000,
    "deep-object": '{"a":' * 5_000 + "1" + "}" * 5_000,
    "digits": '{"query": "card", "relevant": ["valid"], "weight": ' + "9" * 5_000 + "}",
    "lone-surrogate": '{"query": "card \\ud800", "relevant": ["valid"]}',
    "not-an-object": '"just a string"',
    "relevant-not-ids": '{"query": "card", "relevant": [{"a": 1}]}',
}
GOOD_EVENT = {
    "ts": "2026-11-02T10:15:03Z",
    "event": "search",
    "session": "s-1",
    "user": "u-1",
    "query": "card",
    "results": 3,
}
BAD_EVENTS = {
    "year-0": json.dumps({**GOOD_EVENT, "ts": "0000-01-01T00:00:00Z"}),
    "year-9999-offset": json.dumps({**GOOD_EVENT, "ts": "9999-12-31T23:59:59-23:59"}),
    "year-9999": json.dumps({**GOOD_EVENT, "ts": "9999-12-31T23:59:59Z"}),
    "rank-digits": '{"ts": "2026-11-02T10:16:00Z", "event": "click", "session": "s-1", "doc": "valid", "rank": '
    + "9" * 5_000
    + "}",
    "results-digits": json.dumps({k: v for k, v in GOOD_EVENT.items() if k != "results"})[:-1]
    + ', "results": '
    + "9" * 5_000
    + "}",
    "deep": '{"a":' * 5_000 + "1" + "}" * 5_000,
    "lone-surrogate": json.dumps(GOOD_EVENT)[:-1] + ', "query": "x\\ud800"}',
}


@pytest.fixture(scope="module")
def kb_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("inputs") / "kbroot"
    make_hostile_kb(root)
    result = run("index", cwd=root)
    assert result.returncode == 0, text(result)[1][-2000:]
    return root


@pytest.fixture(scope="module")
def eval_run(kb_root, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, dict[str, int]]:
    """One `kb eval` over a file whose every line but the first is hostile: every problem is reported at once."""
    queries = tmp_path_factory.mktemp("queries") / "queries.jsonl"
    names = sorted(BAD_QUERIES)
    queries.write_text("\n".join([GOOD_QUERY, *(BAD_QUERIES[n] for n in names)]) + "\n", encoding="utf-8")
    return queries, run("eval", "--queries", str(queries), cwd=kb_root), {n: i for i, n in enumerate(names, 2)}


@pytest.fixture(scope="module")
def deflection_run(kb_root, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, dict[str, int]]:
    events = tmp_path_factory.mktemp("events") / "events.jsonl"
    names = sorted(BAD_EVENTS)
    events.write_text("\n".join([json.dumps(GOOD_EVENT), *(BAD_EVENTS[n] for n in names)]) + "\n", encoding="utf-8")
    result = run("deflection", "--events", str(events), "--format", "json", cwd=kb_root)
    return events, result, {n: i for i, n in enumerate(names, 2)}


def test_eval_exits_2_listing_each_bad_line(eval_run):
    queries, result, lines = eval_run
    assert_no_traceback(result)
    _, err = text(result)
    assert result.returncode == 2, err
    assert len(err.strip().splitlines()) == len(lines), err


@pytest.mark.parametrize("case", sorted(BAD_QUERIES))
def test_eval_names_the_bad_query_line(eval_run, case):
    queries, result, lines = eval_run
    _, err = text(result)
    assert len([line for line in err.splitlines() if f"{queries}:{lines[case]}: " in line]) == 1, err


def test_eval_refuses_a_fifo_instead_of_waiting_on_it(kb_root, tmp_path):
    fifo = tmp_path / "queries.jsonl"
    os.mkfifo(fifo)
    result = run("eval", "--queries", str(fifo), cwd=kb_root, timeout=60)
    assert_no_traceback(result)
    _, err = text(result)
    assert result.returncode == 2 and f"{fifo}: cannot read queries: a named pipe (FIFO)" in err, err


def test_deflection_counts_good_lines_only(deflection_run):
    events, result, lines = deflection_run
    assert_no_traceback(result)
    out, err = text(result)
    assert result.returncode == 0, err
    report = json.loads(out)
    assert report["searches"] == 1
    assert report["input"]["records"] == 1 + len(lines) and report["input"]["valid_records"] == 1, report["input"]


@pytest.mark.parametrize("case", sorted(BAD_EVENTS))
def test_deflection_names_the_bad_event_line(deflection_run, case):
    events, result, lines = deflection_run
    report = json.loads(text(result)[0])
    named = [p for p in report["input"]["problem_lines"] if p["path"] == str(events) and p["line"] == lines[case]]
    assert len(named) == 1, report["input"]["problem_lines"]


def test_deflection_does_not_wait_on_a_fifo(kb_root, tmp_path):
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    result = run("deflection", "--events", str(fifo), cwd=kb_root, timeout=60)
    assert_no_traceback(result)
    assert result.returncode == 2, text(result)


def test_a_crash_inside_a_command_is_exit_2_with_one_line_and_a_hint(tmp_path):
    """The handler of the real entry point: a bug is not "findings" (exit 1) and prints no traceback."""
    program = (
        "import sys\n"
        "from kbops.cli import app, main\n"
        "@app.command('explode')\n"
        "def explode():\n"
        "    return {}['missing']\n"
        "sys.argv = ['kb', 'explode']\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=HANG,
        cwd=tmp_path,
        env={**os.environ, "KB_DEBUG": ""},
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error in `kb explode`: KeyError" in lines[0] and "KB_DEBUG=1" in lines[0], (
        lines
    )


def test_stale_reports_each_bad_event_line(kb_root, deflection_run):
    events, _, lines = deflection_run
    result = run("stale", "--events", str(events), "--format", "json", cwd=kb_root)
    assert_no_traceback(result)
    out, err = text(result)
    assert result.returncode in (0, 1), err
    bad = json.loads(out)["bad_lines"]
    for case in ("deep", "rank-digits"):
        assert [b for b in bad if b.startswith(f"{events}:{lines[case]}: invalid JSON")], bad
