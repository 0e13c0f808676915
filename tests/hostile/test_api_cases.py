"""Hostile requests from issue 13: every one gets a JSON 4xx (or is accepted), never a 500 or a traceback."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import pytest

from tests.hostile.api_support import api_client, stored_events

VALID = {"event": "view", "session": "s-ok", "doc": "card-declined", "locale": "en"}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-api") / "kb"
    with api_client(root) as client:
        yield root, client


def raw(body: str | bytes, path: str = "/api/events", **headers):
    return (
        "POST",
        path,
        {
            "content": body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body,
            "headers": {"Content-Type": "application/json", **headers},
        },
    )


CASES = {
    "30,000 nested [": raw("[" * 30_000 + "]" * 30_000),
    '5,000 nested {"a":': raw('{"a":' * 5_000 + "1" + "}" * 5_000),
    "unclosed 30,000 [": raw("[" * 30_000),
    "event is a list": raw('{"event": [], "session": "s", "doc": "d"}'),
    "event is an object": raw('{"event": {"a": 1}, "session": "s"}'),
    "results with 5,000 digits": raw(
        '{"event": "search", "session": "s", "query": "q", "results": ' + "9" * 5_000 + "}"
    ),
    "rank with 4,000 digits": raw('{"event": "click", "session": "s", "doc": "d", "rank": ' + "9" * 4_000 + "}"),
    "results 1e999": raw('{"event": "search", "session": "s", "query": "q", "results": 1e999}'),
    "results NaN": raw('{"event": "search", "session": "s", "query": "q", "results": NaN}'),
    "results -Infinity": raw('{"event": "search", "session": "s", "query": "q", "results": -Infinity}'),
    "ts 9999-12-31T23:59:59-23:59": raw(json.dumps({**VALID, "ts": "9999-12-31T23:59:59-23:59"})),
    "ts 0001-01-01T00:00:00+23:59": raw(json.dumps({**VALID, "ts": "0001-01-01T00:00:00+23:59"})),
    "ts a number": raw(json.dumps({**VALID, "ts": 1e308})),
    "unknown key with a lone surrogate": raw('{"event": "view", "session": "s", "doc": "d", "\\ud800": 1}'),
    "non-UTF-8 body": raw(b'{"event": "\xff"}'),
    "UTF-8 BOM": raw(b"\xef\xbb\xbf" + json.dumps(VALID).encode()),
    "bogus content-length": ("POST", "/api/events", {"content": b"{}", "headers": {"Content-Length": "-1"}}),
    "trailing slash on events": raw(json.dumps(VALID), "/api/events/"),
    "limit=²": ("GET", "/api/search", {"params": {"q": "card", "limit": "²"}}),
    "limit=5,000 nines": ("GET", "/api/search", {"params": {"q": "card", "limit": "9" * 5_000}}),
    "limit=-1": ("GET", "/api/search", {"params": {"q": "card", "limit": "-1"}}),
    "limit=٣ (Arabic-Indic three)": ("GET", "/api/search", {"params": {"q": "card", "limit": "٣"}}),
    "q with NUL": ("GET", "/api/search", {"params": {"q": "card\x00declined"}}),
    "q of 60,000 characters": ("GET", "/api/search", {"params": {"q": "a" * 60_000}}),
    "q undecodable %ff": ("GET", "/api/search?q=%ff%fe%ed%a0%80", {}),
    "locale=ä": ("GET", "/api/search", {"params": {"q": "card", "locale": "ä"}}),
    "locale of 5,000 letters": ("GET", "/api/search", {"params": {"q": "card", "locale": "x" * 5_000}}),
    "type and product junk": (
        "GET",
        "/api/search",
        {"params": {"q": "card", "type": "\u202e", "product": "../../etc"}},
    ),
    "session and user junk in search": (
        "GET",
        "/api/search",
        {"params": {"q": "card", "session": "\ud7ff" * 300, "user": "x" * 5_000}},
    ),
    "trailing slash on search": ("GET", "/api/search/", {"params": {"q": "card"}}),
    "bearer of 100 KB": ("GET", "/api/whoami", {"headers": {"Authorization": "Bearer " + "k" * 100_000}}),
    "latin-1 key": ("GET", "/api/whoami", {"headers": {"X-KB-Key": b"kb_\xe9\xff\x80"}}),
    "cookie junk": ("GET", "/api/whoami", {"headers": {"Cookie": 'kb_key="\\\\\\"; ;;=;' + "x" * 5000}}),
    "login form junk": (
        "POST",
        "/login",
        {
            "content": b"key=%ff%00&key=" + b"a" * 50_000,
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
    ),
    "DELETE on an API path": ("DELETE", "/api/events", {}),
    "PUT deep path": ("PUT", "/api/" + "a/" * 2_000, {}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_request_gets_a_json_answer_below_500(api, name, caplog):
    _, client = api
    method, path, kwargs = CASES[name]
    with caplog.at_level(logging.ERROR):
        response = client.request(method, path, **kwargs)
    assert response.status_code < 500, f"{name}: {response.status_code} {response.text[:300]}"
    assert not [r for r in caplog.records if r.exc_info], f"{name}: an exception was logged"
    if path.startswith("/api/") and response.status_code >= 400:
        body = response.json()
        assert body["status"] == response.status_code and body["error"]


@pytest.mark.parametrize("field", ["event", "session", "user", "query", "doc", "locale", "channel", "ts"])
def test_a_lone_surrogate_rejects_its_event_only(api, field):
    """The valid events of the batch are stored; the bad one is reported by index and field."""
    root, client = api
    marker = f"s-{uuid.uuid4().hex[:12]}"
    bad = {"event": "search", "session": marker, "query": "q", "results": 1, field: "x\ud800y"}
    good = [{**VALID, "session": marker, "doc": f"doc-{i}"} for i in range(2)]
    body = json.dumps([good[0], bad, good[1]])  # ASCII JSON: the surrogate is the escape \ud800
    response = client.post("/api/events", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["accepted"] == 2
    assert [r["index"] for r in answer["rejected"]] == [1]
    assert any(e.startswith(f"{field}:") for e in answer["rejected"][0]["errors"])
    stored = [e["doc"] for e in stored_events(root) if e.get("session") == marker]
    assert stored == ["doc-0", "doc-1"]


def test_a_malformed_event_never_drops_the_valid_ones(api):
    root, client = api
    marker = f"s-{uuid.uuid4().hex[:12]}"
    batch = [
        {**VALID, "session": marker, "doc": "first"},
        {"event": [], "session": marker},
        {"event": "search", "session": marker, "query": "q", "results": 10**4000},
        {**VALID, "session": marker, "ts": "9999-12-31T23:59:59-23:59"},
        "not an object",
        {**VALID, "session": marker, "doc": "last"},
    ]
    response = client.post("/api/events", content=json.dumps(batch))
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 2
    assert [r["index"] for r in response.json()["rejected"]] == [1, 2, 3, 4]
    assert [e["doc"] for e in stored_events(root) if e.get("session") == marker] == ["first", "last"]


def test_trailing_slash_is_the_same_endpoint(api):
    root, client = api
    marker = f"s-{uuid.uuid4().hex[:12]}"
    assert client.post("/api/events/", json={**VALID, "session": marker}).status_code == 202
    assert [e["session"] for e in stored_events(root) if e.get("session") == marker] == [marker]
    assert client.get("/api/search/", params={"q": "card"}).json()["hits"]
    wrong = client.get("/api/events/")
    assert wrong.status_code == 405 and wrong.json()["error"] == "Method Not Allowed: use POST /api/events"


def test_limits_are_explained(api):
    _, client = api
    for value, message in (
        ("²", "whole number"),
        ("9" * 5_000, "limit must be between"),
        ("0", "limit must be between"),
    ):
        response = client.get("/api/search", params={"q": "card", "limit": value})
        assert response.status_code == 400 and message in response.json()["error"], (value, response.text)


def test_issue_cases_over_real_http(tmp_path: Path):
    """The same requests through a real uvicorn on 127.0.0.1 (the probe's transport)."""
    from tests.search.conftest import copy_fixture_kb
    from tests.server.conftest import running_server

    root = copy_fixture_kb(tmp_path / "kb")
    with running_server(root) as server, server.client() as client:
        for name in (
            "30,000 nested [",
            '5,000 nested {"a":',
            "event is a list",
            "results with 5,000 digits",
            "ts 9999-12-31T23:59:59-23:59",
            "limit=²",
            "limit=5,000 nines",
            "trailing slash on events",
            "unknown key with a lone surrogate",
        ):
            method, path, kwargs = CASES[name]
            response = client.request(method, path, **kwargs)
            assert response.status_code < 500, f"{name}: {response.status_code} {response.text[:200]}"
    log = server.log.read_text()
    assert "Traceback" not in log, log[-2000:]
