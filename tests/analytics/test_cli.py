"""The real `kb deflection` command: formats, files written, publishing, exit codes."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_kb

KEYS = {
    "searches",
    "self_service_sessions",
    "contacted_sessions",
    "zero_result_rate",
    "click_through_rate",
    "deflection_rate",
    "self_service_score",
    "docs",
    "content_gaps",
    "breakdowns",
    "input",
    "notes",
}


def test_json_is_one_document_with_the_contract_keys(small_log, tmp_path):
    result = run_kb("deflection", "--events", str(small_log), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert KEYS <= set(data)
    assert (data["searches"], data["self_service_sessions"], data["contacted_sessions"]) == (7, 6, 3)
    assert data["deflection_rate"] == pytest.approx(0.5)
    assert set(data["breakdowns"]) == {"locale", "channel", "week"}


def test_window_flag(small_log, tmp_path):
    result = run_kb("deflection", "--events", str(small_log), "--window", "86399s", "--format", "json", cwd=tmp_path)
    assert json.loads(result.stdout)["contacted_sessions"] == 2


def test_text_md_and_html_formats(small_log, tmp_path):
    text = run_kb("deflection", "--events", str(small_log), cwd=tmp_path)
    assert text.returncode == 0 and "Deflection rate" in text.stdout and "50.0%" in text.stdout
    md = run_kb("deflection", "--events", str(small_log), "--format", "md", cwd=tmp_path)
    assert md.stdout.startswith("# Deflection report") and "| Deflection rate | 50.0% |" in md.stdout
    html = run_kb("deflection", "--events", str(small_log), "--format", "html", cwd=tmp_path)
    assert html.stdout.startswith("<!doctype html>") and "<svg" in html.stdout
    assert "http://" not in html.stdout.replace("http://www.w3.org/2000/svg", "")  # nothing to fetch


def test_out_writes_json_md_and_html_and_prints_only_their_paths(small_log, tmp_path):
    out = tmp_path / "report"
    result = run_kb("deflection", "--events", str(small_log), "--format", "html", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["deflection.html", "deflection.json", "deflection.md"]
    assert result.stdout.splitlines() == [
        str(out / name) for name in ("deflection.json", "deflection.md", "deflection.html")
    ]
    data = json.loads((out / "deflection.json").read_text())
    assert (data["searches"], data["contacted_sessions"]) == (7, 3)
    assert (out / "deflection.html").read_text().count("<svg") == 2


def test_text_redirected_to_a_file_never_folds_the_doc_column(tmp_path):
    # A doc id far longer than half of an 80-column terminal: piped output keeps it on one line.
    doc = "what-to-do-when-a-card-payment-is-declined-abroad-at-a-merchant-terminal"
    events = [
        {"ts": f"2026-11-02T10:{i:02d}:00Z", "event": "view", "session": f"s-{i}", "doc": doc} for i in range(6)
    ] + [{"ts": "2026-11-02T11:00:00Z", "event": "contact", "session": f"s-{i}"} for i in range(3)]
    # five peers read in 10 sessions each, never followed by a contact: the usual rate is 0
    events += [
        {"ts": f"2026-11-03T10:{i:02d}:00Z", "event": "view", "session": f"p-{i}", "doc": f"peer-{i % 5}"}
        for i in range(50)
    ]
    log = tmp_path / "long.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in events))
    result = run_kb("deflection", "--events", str(log), cwd=tmp_path)
    assert result.returncode == 0
    row = next(line for line in result.stdout.splitlines() if doc in line)
    # the whole row on one line: id, why, excess = 6 x (Wilson low of 3/6 = 18.8% - 0) = 1, 3 of 6, 50.0%
    cells = [c.strip() for c in row.split("│")]
    assert cells[0] == doc and cells[2:5] == ["1", "3 / 6", "50.0% (≥ 18.8%)"]
    assert cells[1].startswith("above the usual contact rate (50.0% vs 0.0% for docs")


def test_bad_lines_are_reported_on_stdout_and_do_not_fail(tmp_path):
    log = tmp_path / "bad.jsonl"
    log.write_text('{"ts": "2026-11-02T10:00:00Z", "event": "view", "session": "s", "doc": "d"}\n{oops\n')
    result = run_kb("deflection", "--events", str(log), cwd=tmp_path)
    assert result.returncode == 0
    assert f"{log}:2: malformed_json" in result.stdout


def test_empty_log_exit_0_with_a_note(tmp_path):
    log = tmp_path / "empty.jsonl"
    log.write_text("")
    result = run_kb("deflection", "--events", str(log), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["searches"] == 0 and data["deflection_rate"] == 0.0
    assert any("No valid events" in note for note in data["notes"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--events", "nowhere/*.jsonl"], "no file matches"),
        (["--window", "soon"], "invalid duration"),
        (["--format", "pdf"], "unknown format"),
        (["--map", "opened=Created"], "unknown ticket field"),
        (["--since", "last week"], "invalid date"),
    ],
)
def test_usage_errors_exit_2(small_log, tmp_path, args, message):
    events = [] if args[0] == "--events" else ["--events", str(small_log)]
    result = run_kb("deflection", *events, *args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_ticket_mapping_naming_a_missing_column_exits_2(small_log, tmp_path):
    tickets = tmp_path / "t.csv"
    tickets.write_text("Id,Created at,Requester\n1,2026-11-02T10:00:00Z,a@example.com\n")
    result = run_kb(
        "deflection",
        "--events",
        str(small_log),
        "--tickets",
        str(tickets),
        "--map",
        'created_at="Opened at"',
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "no such column" in result.stderr


def test_publish_writes_an_internal_doc_into_the_kb(small_log, kb_copy):
    result = run_kb("--today", "2026-11-20", "deflection", "--events", str(small_log), "--publish", cwd=kb_copy)
    assert result.returncode == 0, result.stderr
    doc = kb_copy / "kb" / "reports" / "deflection.md"
    text = doc.read_text()
    assert "audience: internal" in text and "status: published" in text and "owner: support-ops" in text
    assert "last_reviewed: 2026-11-20" in text and "| Deflection rate | 50.0% |" in text
    lint = run_kb("--today", "2026-11-20", "lint", str(doc), "--format", "json", cwd=kb_copy)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_events_accepts_several_paths_after_one_flag(tmp_path):
    # What `kb deflection --events logs/*.jsonl` looks like after the shell expands the glob.
    for name in ("a", "b"):
        (tmp_path / f"{name}.jsonl").write_text(
            f'{{"ts": "2026-11-02T10:00:00Z", "event": "search", "session": "{name}", "query": "pin", "results": 1}}\n'
        )
    result = run_kb(
        "deflection", "--events", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "--format", "json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["searches"] == 2
    missing = run_kb("deflection", "--format", "json", cwd=tmp_path)
    assert missing.returncode == 2 and "no event files" in missing.stderr


def test_until_date_includes_the_whole_day_and_late_contacts_still_count(small_log, tmp_path):
    # --until 2026-11-02: sessions s-1..s-5 (s-8 is on 11-08); s-4's contact on 11-03 13:12 is after
    # the period but within its W, so s-4 is still contacted: 3 of 5 -> 0.4. Contacts IN the period:
    # u-1, (s-3), u-5, u-6, u-7, u-10 = 6 users; self-service users u-1, u-2, (s-3), u-4, u-5 = 5.
    result = run_kb(
        "deflection",
        "--events",
        str(small_log),
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-02",
        "--format",
        "json",
        cwd=tmp_path,
    )
    data = json.loads(result.stdout)
    assert (data["self_service_sessions"], data["contacted_sessions"], data["contacts"]) == (5, 3, 6)
    assert data["deflection_rate"] == pytest.approx(0.4)
    assert data["self_service_score"] == pytest.approx(5 / 6)
    assert data["period"]["until"] == "2026-11-03T00:00:00Z"


def test_bad_analytics_configuration_exits_2(small_log, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kbops.analytics]\nwindow = "soon"\nticket_columns = {opened = "X"}\n'
    )
    result = run_kb("--root", str(tmp_path), "deflection", "--events", str(small_log), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "ticket_columns" in result.stderr and "window: invalid duration" in result.stderr  # both, in one go
