"""The event collector: schema, scrubbing, pseudonymous users, durable appends across workers and restarts."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kbops.server.events import EventLog, pseudonym, validate_event
from tests.search.conftest import copy_fixture_kb
from tests.server.conftest import running_server

SALT = b"test-salt"


def read_events(root: Path) -> list[dict]:
    lines = []
    for path in sorted((root / ".kb" / "events").glob("*.jsonl")):
        lines += path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]  # every line must be whole JSON


def test_queries_are_scrubbed_and_users_pseudonymized():
    event, errors, ignored = validate_event(
        {
            "event": "search",
            "session": "s-1",
            "results": 0,
            "user": "maria@example.com",
            "page": "/x",
            "query": "refund to ES91 2100 0418 4502 0005 1332 card 4111 1111 1111 1111 call +34 612 345 678 maria@example.com",
        },
        SALT,
        256,
    )
    assert not errors and ignored == {"page"}
    assert event["query"] == "refund to [iban] card [card] call [phone] [email]"
    assert event["user"] == pseudonym("maria@example.com", SALT) and event["user"].startswith("u-")
    assert "maria" not in json.dumps(event)
    assert event["ts"].endswith("Z") and event["channel"] == "site"
    assert pseudonym(event["user"], SALT) == event["user"]  # already pseudonymous: kept


def test_schema_errors_name_each_field():
    _, errors, _ = validate_event({"event": "click", "ts": "yesterday", "rank": "1"}, SALT, 256)
    assert errors == [
        "ts: expected an ISO 8601 time with a time zone, e.g. 2026-11-02T10:15:03Z",
        "session: required, a string of 1-128 characters",
        "doc: required for a click event",
        "rank: an integer from 1 to 2147483647",
    ]


def test_event_log_appends_whole_lines(tmp_path: Path):
    log = EventLog(tmp_path, fsync="always")
    path = log.append([{"event": "view", "n": 1}, {"event": "view", "n": 2}])
    log.append([{"event": "view", "n": 3}])
    assert [json.loads(line)["n"] for line in path.read_text().splitlines()] == [1, 2, 3]


def test_events_survive_a_restart_with_nothing_lost(tmp_path: Path):
    """Two uvicorn workers, 40 concurrent clients; stop, restart, send more: every acknowledged event is on disk."""
    root = copy_fixture_kb(tmp_path / "kb")

    def send(client, number: int) -> int:
        events = [
            {"event": "view", "session": f"s-{number}", "doc": f"doc-{number}-{i}", "locale": "es"} for i in range(3)
        ]
        response = client.post(
            "/api/events", content=json.dumps(events), headers={"Content-Type": "text/plain;charset=UTF-8"}
        )
        assert response.status_code == 202, response.text
        return response.json()["accepted"]

    acknowledged = 0
    for run in range(2):
        with running_server(root, "--workers", "2") as server, server.client() as client:
            with ThreadPoolExecutor(max_workers=40) as pool:
                acknowledged += sum(pool.map(lambda n: send(client, n), range(run * 200, run * 200 + 200)))
            search = client.get(
                "/api/search", params={"q": "tarjeta rechazada", "session": f"run-{run}", "locale": "es"}
            )
            assert search.status_code == 200
    events = read_events(root)
    views = [e for e in events if e["event"] == "view"]
    assert acknowledged == 1200 and len(views) == 1200
    assert len({e["doc"] for e in views}) == 1200  # no duplicates, no torn lines
    searches = [e for e in events if e["event"] == "search"]
    assert [(e["session"], e["channel"], e["results"] > 0) for e in searches] == [
        ("run-0", "api", True),
        ("run-1", "api", True),
    ]


def test_api_searches_are_logged_scrubbed(served_kb):
    root, server, _ = served_kb
    client = server.client()
    client.get("/api/search", params={"q": "card declined jane.doe@example.com", "session": "s-42", "user": "jane"})
    logged = [e for e in read_events(root) if e.get("session") == "s-42"]
    assert len(logged) == 1
    assert logged[0]["query"] == "card declined [email]" and logged[0]["channel"] == "api"
    assert logged[0]["user"] == pseudonym("jane", b"fixture-salt")
