"""The collector records the caller's audience from its key; deflection keeps agents out of customer metrics."""

from __future__ import annotations

import json

from kbops.analytics.engine import compute_deflection
from kbops.analytics.options import DeflectionOptions
from kbops.server.events import validate_event


def test_validate_event_records_the_given_audience_and_ignores_a_claimed_one():
    clean, errors, ignored = validate_event(
        {"event": "view", "session": "s", "doc": "d", "audience": "internal"}, b"salt", 256, audience="partner"
    )
    assert errors == [] and clean["audience"] == "partner" and ignored == {"audience"}
    clean, _, _ = validate_event({"event": "view", "session": "s", "doc": "d"}, b"salt", 256)
    assert clean["audience"] == "public"


def test_events_over_http_carry_the_keys_audience_and_analytics_separates_agents(served_kb):
    root, server, keys = served_kb
    client = server.client()
    stamp = "2026-11-02T10:0{}:00Z"
    customer = [
        {"ts": stamp.format(0), "event": "search", "session": "aud-c1", "query": "card declined", "results": 2},
        {"ts": stamp.format(1), "event": "view", "session": "aud-c1", "doc": "card-declined"},
        {"ts": stamp.format(2), "event": "search", "session": "aud-c2", "query": "refund", "results": 1},
        {"ts": stamp.format(3), "event": "contact", "session": "aud-c2"},
    ]
    agent = [
        {
            "ts": stamp.format(4),
            "event": "search",
            "session": "aud-a1",
            "query": "chargeback sop",
            "results": 0,
            "audience": "public",
        },  # a client cannot pass itself off as a customer
        {"ts": stamp.format(5), "event": "search", "session": "aud-a1", "query": "Chargeback SOP", "results": 0},
        {"ts": stamp.format(6), "event": "search", "session": "aud-a2", "query": "escalation", "results": 3},
    ]
    assert client.post("/api/events", json=customer).status_code == 202
    reply = client.post("/api/events", json=agent, headers={"Authorization": f"Bearer {keys['partner']}"})
    assert reply.status_code == 202 and reply.json()["ignored_fields"] == ["audience"]
    lines = [
        json.loads(line)
        for path in sorted((root / ".kb" / "events").glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    mine = [e for e in lines if e["session"].startswith("aud-")]
    assert [e["audience"] for e in mine] == ["public"] * 4 + ["partner"] * 3

    log = root / "audience-test.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in mine))
    report = compute_deflection(DeflectionOptions(events=(str(log),)))
    # customers only (default): sessions aud-c1, aud-c2; aud-c2 contacted -> 1 - 1/2
    m = report.metrics
    assert (m.searches, m.self_service_sessions, m.contacted_sessions, m.deflection_rate) == (2, 2, 1, 0.5)
    # agents on their own: 3 searches in 2 sessions, 2 with zero results, both "chargeback sop"
    a = report.agents
    assert (a.searches, a.zero_result_searches, a.sessions, a.by_audience) == (3, 2, 2, {"partner": 3})
    assert [(q.query, q.searches, q.zero_result_searches) for q in a.queries] == [
        ("chargeback sop", 2, 2),
        ("escalation", 1, 0),
    ]
    partner = compute_deflection(DeflectionOptions(events=(str(log),), audience="partner")).metrics
    assert (partner.searches, partner.self_service_sessions, partner.contacted_sessions) == (3, 2, 0)
    everyone = compute_deflection(DeflectionOptions(events=(str(log),), audience="all")).metrics
    assert (everyone.searches, everyone.self_service_sessions, everyone.contacted_sessions) == (5, 4, 1)
