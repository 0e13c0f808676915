"""One identity rule for event users and ticket requesters, and the join diagnostics (hand-computed)."""

from __future__ import annotations

import pytest

from kbops.identity import canonical_user, id_shape, user_pseudonym
from kbops.pii import pseudonymous_id
from tests.analytics.conftest import deflection, ev, write_jsonl

SALT = "test-salt"


def tickets_csv(path, rows):
    path.write_text(
        "Id,Created at,Requester,Via\n" + "".join(f"{i},{ts},{who},web\n" for i, (ts, who) in enumerate(rows, 1))
    )
    return str(path)


def test_the_rule_by_hand():
    # e-mails: trimmed and lower-cased before hashing; plain ids: trimmed only; pseudonyms pass through.
    assert canonical_user("  Ana@Example.COM ") == "ana@example.com"
    assert canonical_user(" cust-1042 ") == "cust-1042"
    assert user_pseudonym(" Ana@Example.COM", SALT) == pseudonymous_id("ana@example.com", SALT)
    assert user_pseudonym("cust-1042", SALT) == pseudonymous_id("cust-1042", SALT) != "cust-1042"
    already = pseudonymous_id("x", SALT)
    assert user_pseudonym(already, "any other salt") == already
    assert user_pseudonym(f" {already} ", SALT) == already
    assert user_pseudonym("CUST-1042", SALT) != user_pseudonym("cust-1042", SALT)  # only e-mails fold case
    assert [id_shape(v) for v in (already, "a@b.co", "cust-1")] == ["pseudonym", "email", "plain id"]


@pytest.fixture
def plain_id_case(tmp_path):
    # Seven self-service sessions; users are the help-desk widget's plain customer ids.
    log = write_jsonl(
        tmp_path / "widget.jsonl",
        [
            # s-1: read the doc, then opened a ticket 2 h later as requester cust-1042  -> contacted (ticket)
            ev("2026-11-02T10:00:00Z", "search", "s-1", "cust-1042", query="card declined", results=2),
            ev("2026-11-02T10:01:00Z", "view", "s-1", "cust-1042", doc="card-declined"),
            # s-2: chat hand-off in the same session                                 -> contacted (session)
            ev("2026-11-02T11:00:00Z", "search", "s-2", "cust-2001", query="refund", results=0),
            ev("2026-11-02T11:05:00Z", "contact", "s-2", "cust-2001"),
            # s-3: the contact form from another session of the same user            -> contacted (user)
            ev("2026-11-02T12:00:00Z", "search", "s-3", "cust-3003", query="pin", results=1),
            ev("2026-11-02T12:30:00Z", "contact", "s-3b", "cust-3003"),
            # s-4, s-5, s-6 (anonymous): no contact                                  -> deflected
            ev("2026-11-02T13:00:00Z", "search", "s-4", "cust-4004", query="top up", results=3),
            ev("2026-11-02T13:00:00Z", "search", "s-5", "cust-5005", query="cancel card", results=1),
            ev("2026-11-02T13:00:00Z", "view", "s-6", doc="top-up"),
            # s-7: its requester's ticket came BEFORE the session                    -> deflected
            ev("2026-11-02T15:00:00Z", "search", "s-7", "cust-7007", query="exchange rate", results=0),
        ],
    )
    tickets = tickets_csv(
        tmp_path / "tickets.csv",
        [
            ("2026-11-02T12:00:00Z", "cust-1042"),
            ("2026-11-02T14:00:00Z", "cust-7007"),
            ("2026-11-02T16:00:00Z", "cust-9999"),  # never used self-service
        ],
    )
    return log, tickets


def test_plain_customer_ids_join_tickets_to_sessions(plain_id_case):
    log, tickets = plain_id_case
    report = deflection(log, tickets=(tickets,), user_salt=SALT)
    # contacted: s-1 (ticket), s-2 (session), s-3 (user) = 3 of 7 -> deflection 1 - 3/7 = 57.1 %
    assert (report.metrics.self_service_sessions, report.metrics.contacted_sessions) == (7, 3)
    assert report.metrics.deflection_rate == pytest.approx(4 / 7)
    # requesters cust-1042, cust-7007, cust-9999: the first two also self-served -> 2 of 3, no warning
    join = report.identity
    assert (join.requesters, join.matched, join.warning) == (3, 2, None)
    assert join.event_id_shapes == {"plain id": 6} and join.requester_id_shapes == {"plain id": 3}


def test_every_form_on_both_sides_meets_the_same_pseudonym(tmp_path):
    bo = pseudonymous_id("bo@example.com", SALT)  # as the collector wrote it
    cust = pseudonymous_id("cust-1", SALT)  # a help-desk export pseudonymised upstream
    dee = pseudonymous_id("dee@example.com", SALT)  # pseudonym on both sides
    log = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            ev("2026-11-02T10:00:00Z", "search", "s-ana", "Ana@Example.com", query="q", results=1),  # e-mail vs e-mail
            ev("2026-11-02T10:00:00Z", "search", "s-bo", bo, query="q", results=1),  # pseudonym vs e-mail
            ev("2026-11-02T10:00:00Z", "search", "s-cust", "cust-1", query="q", results=1),  # plain id vs pseudonym
            ev("2026-11-02T10:00:00Z", "search", "s-dee", dee, query="q", results=1),  # pseudonym vs pseudonym
            ev("2026-11-02T10:00:00Z", "search", "s-eve", "eve@example.com", query="q", results=1),  # no ticket
        ],
    )
    tickets = tickets_csv(
        tmp_path / "t.csv",
        [
            ("2026-11-02T11:00:00Z", " ana@example.com "),
            ("2026-11-02T11:00:00Z", "bo@example.com"),
            ("2026-11-02T11:00:00Z", cust),
            ("2026-11-02T11:00:00Z", dee),
            ("2026-11-02T11:00:00Z", "ana"),  # a different id: joins nobody
        ],
    )
    report = deflection(log, tickets=(tickets,), user_salt=SALT)
    # contacted: s-ana, s-bo, s-cust, s-dee = 4 of 5
    assert (report.metrics.self_service_sessions, report.metrics.contacted_sessions) == (5, 4)
    assert (report.identity.requesters, report.identity.matched) == (5, 4)
    assert report.identity.requester_id_shapes == {"email": 2, "pseudonym": 2, "plain id": 1}
    # contact users: ana, bo, cust, dee, "ana" -> 5; self-service users 5 -> score 1.0
    assert (report.metrics.contact_users, report.metrics.self_service_score) == (5, 1.0)


def test_a_wrong_salt_is_a_warning_that_names_the_salt(tmp_path):
    users = [pseudonymous_id(f"c{i}@example.com", SALT) for i in range(3)]
    log = write_jsonl(
        tmp_path / "e.jsonl",
        [ev("2026-11-02T10:00:00Z", "search", f"s-{i}", u, query="q", results=1) for i, u in enumerate(users)],
    )
    tickets = tickets_csv(tmp_path / "t.csv", [("2026-11-02T11:00:00Z", f"c{i}@example.com") for i in range(3)])
    right = deflection(log, tickets=(tickets,), user_salt=SALT)
    assert (right.metrics.contacted_sessions, right.identity.matched, right.warnings) == (3, 3, ())
    wrong = deflection(log, tickets=(tickets,), user_salt="not-the-collectors")
    assert (wrong.metrics.contacted_sessions, wrong.identity.requesters, wrong.identity.matched) == (0, 3, 0)
    assert wrong.identity.likely_cause == "salt"
    assert (
        len(wrong.warnings) == 1
        and "Only 0 of 3 ticket requesters" in wrong.warnings[0]
        and "salt" in wrong.warnings[0]
    )


def test_different_id_formats_are_named(tmp_path):
    log = write_jsonl(
        tmp_path / "e.jsonl",
        [
            ev("2026-11-02T10:00:00Z", "search", "s-1", "cust-1", query="q", results=1),
            ev("2026-11-02T10:00:00Z", "search", "s-2", "cust-2", query="q", results=1),
        ],
    )
    tickets = tickets_csv(
        tmp_path / "t.csv", [("2026-11-02T11:00:00Z", "one@example.com"), ("2026-11-02T11:00:00Z", "two@example.com")]
    )
    report = deflection(log, tickets=(tickets,), user_salt=SALT)
    assert report.identity.likely_cause == "id_format"
    assert "plain ids" in report.warnings[0] and "emails" in report.warnings[0]


def test_no_tickets_no_join_section(small_log):
    assert deflection(small_log).identity is None


def test_the_warning_comes_first_in_every_format(tmp_path):
    from kbops.analytics import render
    from tests.conftest import run_kb

    users = [pseudonymous_id(f"c{i}@example.com", SALT) for i in range(3)]
    log = write_jsonl(
        tmp_path / "e.jsonl",
        [ev("2026-11-02T10:00:00Z", "search", f"s-{i}", u, query="q", results=1) for i, u in enumerate(users)],
    )
    tickets = tickets_csv(tmp_path / "t.csv", [("2026-11-02T11:00:00Z", f"c{i}@example.com") for i in range(3)])
    text = run_kb("deflection", "--events", str(log), "--tickets", tickets, cwd=tmp_path, env={"KB_USER_SALT": "wrong"})
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[1].startswith("WARNING: Only 0 of 3 ticket requesters matched")
    report = deflection(log, tickets=(tickets,), user_salt="wrong")
    md = render.markdown(report)
    assert md.index("> **Warning.** Only 0 of 3") < md.index("## Summary")
    page = render.html(report)
    assert page.index("class='warn'") < page.index("class='cards'")
