"""Ticket exports as contacts (Zendesk and Freshdesk columns, custom mappings) and privacy of reports."""

from __future__ import annotations

import pytest

from kbops.analytics import render
from kbops.errors import UsageError
from kbops.pii import pseudonymous_id
from tests.analytics.conftest import deflection, ev, write_jsonl

SALT = "test-salt"


@pytest.fixture
def sessions_log(tmp_path):
    # Two self-service sessions of known users (ids pseudonymised by the collector with SALT).
    ana = pseudonymous_id("ana@example.com", SALT)
    bo = pseudonymous_id("bo@example.com", SALT)
    return write_jsonl(
        tmp_path / "events.jsonl",
        [
            ev("2026-11-02T10:00:00Z", "search", "s-ana", ana, query="card declined", results=2),
            ev("2026-11-02T10:05:00Z", "view", "s-ana", ana, doc="card-declined"),
            ev("2026-11-02T11:00:00Z", "search", "s-bo", bo, query="refund", results=0),
        ],
    )


def test_zendesk_export_maps_to_contacts_of_hashed_requesters(tmp_path, sessions_log):
    tickets = tmp_path / "zendesk.csv"
    tickets.write_text(
        "Id,Subject,Created at,Requester,Via\n"
        "101,Card,2026-11-02 11:30:00 +0100, ana@example.com ,Web form\n"  # 10:30 UTC: within s-ana's window
        "102,Other,2026-11-02 12:00:00,nobody@example.com,Email\n"  # no matching user
        "103,Broken,yesterday,bo@example.com,Email\n"  # unreadable date: line 4
    )
    report = deflection(sessions_log, tickets=(str(tickets),), user_salt=SALT)
    # s-ana contacted via ticket 101 (same pseudonymous user); s-bo's requester's ticket is invalid.
    assert (report.metrics.self_service_sessions, report.metrics.contacted_sessions) == (2, 1)
    assert report.metrics.deflection_rate == pytest.approx(0.5)
    # contact users: ana, nobody (a ticket with no matching user still counts as a contact) -> 2/2
    assert (report.metrics.contacts, report.metrics.contact_users, report.metrics.self_service_score) == (2, 2, 1.0)
    assert [(p.line, p.problem) for p in report.input.problem_lines] == [(4, "invalid_ts")]
    assert {f.role for f in report.input.files} == {"events", "tickets"}


def test_freshdesk_export_columns_are_recognised(tmp_path, sessions_log):
    tickets = tmp_path / "freshdesk.csv"
    tickets.write_text(
        "Ticket ID,Subject,Status,Created time,Contact ID,Source\n"
        '7,"Refund, please",Open,2026-11-02 12:00:00,bo@example.com,Portal\n'
    )
    report = deflection(sessions_log, tickets=(str(tickets),), user_salt=SALT)
    assert report.metrics.contacted_sessions == 1  # s-bo


def test_a_different_salt_matches_nobody(tmp_path, sessions_log):
    tickets = tmp_path / "t.csv"
    tickets.write_text("Id,Created at,Requester,Via\n1,2026-11-02T10:30:00Z,ana@example.com,web\n")
    report = deflection(sessions_log, tickets=(str(tickets),), user_salt="another-salt")
    assert report.metrics.contacted_sessions == 0


def test_custom_mapping_and_bad_mapping(tmp_path, sessions_log):
    tickets = tmp_path / "custom.csv"
    tickets.write_text("opened,who,medium\n2026-11-02T10:30:00Z,ana@example.com,phone\n")
    with pytest.raises(UsageError, match="no column for ticket field 'created_at'"):
        deflection(sessions_log, tickets=(str(tickets),), user_salt=SALT)
    with pytest.raises(UsageError, match="no such column"):
        deflection(
            sessions_log,
            tickets=(str(tickets),),
            user_salt=SALT,
            ticket_columns={"created_at": "Opened at", "requester": "who"},
        )
    report = deflection(
        sessions_log,
        tickets=(str(tickets),),
        user_salt=SALT,
        ticket_columns={"created_at": "opened", "requester": "who", "channel": "medium"},
    )
    assert report.metrics.contacted_sessions == 1


def test_an_email_user_id_is_pseudonymised_like_the_collector_does(tmp_path):
    # An e-mail in an event's user field gets the collector's pseudonym (same salt), so it matches a
    # contact the collector logged for that user.
    log = write_jsonl(
        tmp_path / "raw-user.jsonl",
        [
            ev("2026-11-02T10:00:00Z", "search", "s-1", "carla@example.com", query="pin", results=1),
            ev("2026-11-02T10:30:00Z", "contact", "s-2", pseudonymous_id("carla@example.com", SALT)),
        ],
    )
    report = deflection(log, user_salt=SALT)
    assert report.metrics.contacted_sessions == 1
    assert report.input.email_user_ids == 1


def test_pseudonym_is_the_collectors(tmp_path):
    from kbops.identity import user_pseudonym
    from kbops.server.events import pseudonym

    for value in ("ana@example.com", " Ana@Example.com", "12345", "cust-1042", pseudonymous_id("x", SALT)):
        assert user_pseudonym(value, SALT) == pseudonym(value, SALT.encode())


def test_salt_comes_from_the_same_places_as_the_collectors(tmp_path, monkeypatch):
    from kbops.analytics.options import AnalyticsConfig, resolve_salt
    from kbops.config import load_settings

    monkeypatch.delenv("KB_USER_SALT", raising=False)
    settings = load_settings(tmp_path)
    assert resolve_salt(settings, AnalyticsConfig()) == ("kbops-unsalted", False)
    (tmp_path / ".kb").mkdir()
    (tmp_path / ".kb" / "user-salt").write_text("from-the-collector\n")
    assert resolve_salt(settings, AnalyticsConfig()) == ("from-the-collector", True)
    monkeypatch.setenv("KB_USER_SALT", "from-env")
    assert resolve_salt(settings, AnalyticsConfig()) == ("from-env", True)
    (tmp_path / "pyproject.toml").write_text('[tool.kbops.server]\nuser_salt = "from-server-cfg"\n')
    assert resolve_salt(load_settings(tmp_path), AnalyticsConfig()) == ("from-server-cfg", True)
    assert resolve_salt(settings, AnalyticsConfig(user_salt="mine")) == ("mine", True)


def test_queries_are_scrubbed_and_reports_never_show_user_ids(tmp_path):
    log = write_jsonl(
        tmp_path / "pii.jsonl",
        [
            ev(
                "2026-11-02T10:00:00Z",
                "search",
                "s-1",
                "u-secret-user-1",
                query="refund to ES91 2100 0418 4502 0005 1332",
                results=0,
            ),
            ev(
                "2026-11-02T10:01:00Z",
                "search",
                "s-1",
                "u-secret-user-1",
                query="call me on +34 612 345 678",
                results=0,
            ),
            ev(
                "2026-11-02T10:02:00Z",
                "search",
                "s-2",
                "jane.doe@example.com",
                query="card 4111 1111 1111 1111 blocked",
                results=0,
            ),
            ev("2026-11-02T10:03:00Z", "contact", "s-2", "jane.doe@example.com"),
        ],
    )
    report = deflection(log)
    queries = {g.query for g in report.content_gaps}
    assert queries == {"refund to [iban]", "call me on [phone]", "card [card] blocked"}
    rendered = render.markdown(report) + render.html(report) + str(report.as_dict())
    for secret in ("u-secret-user-1", "jane.doe", "4111", "612 345", "ES91"):
        assert secret not in rendered
