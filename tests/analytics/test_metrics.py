"""Every metric on the hand-built log of conftest.SMALL_LOG, expected numbers derived by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.analytics.conftest import SMALL_LOG, deflection, ev, write_jsonl


@pytest.fixture
def report(small_log):
    return deflection(small_log)


def test_searches_count_non_empty_queries(report):
    # s-1: "card declined", "refund"; s-2: "Tarjeta  rechazada"; s-3: "   " is blank -> not a search;
    # s-4: "Refund", "refund status"; s-5: "virement"; s-8: "cancel card"  => 2 + 1 + 0 + 2 + 1 + 1 = 7
    assert report.metrics.searches == 7


def test_zero_result_rate(report):
    # results == 0: s-1 "refund" and s-4 "Refund" => 2 of 7 searches
    assert report.metrics.zero_result_searches == 2
    assert report.metrics.zero_result_rate == pytest.approx(2 / 7)


def test_click_through_rate(report):
    # s-1 "card declined" 10:00 -> click 10:05, before the next search (10:20): clicked.
    # s-1 "refund" 10:20: no click after it. s-2: the click comes 45 min later (> 30 min): not clicked.
    # s-4 "Refund" 13:00: the next search (13:10) comes before the click (13:12): not clicked;
    # s-4 "refund status" 13:10 -> click 13:12: clicked. s-5, s-8: no clicks.  => 2 of 7
    assert report.metrics.clicked_searches == 2
    assert report.metrics.click_through_rate == pytest.approx(2 / 7)


def test_self_service_sessions(report):
    # search or view: s-1, s-2, s-3 (a view), s-4, s-5, s-8 = 6. Not: s-6 (click only),
    # s-7, s-9, s-10, s-40 (contacts only).
    assert report.metrics.self_service_sessions == 6


def test_contacted_sessions_and_deflection_rate(report):
    # s-1: u-1 contacts at 11:00 from s-9, within [10:00, 10:21 + 24h]      -> contacted (by user)
    # s-3: contact in the same session at 12:30, within [12:00, 12:01 + 24h] -> contacted (by session)
    # s-4: u-4 contacts at 2026-11-03T13:12 = end (13:12) + 24h exactly   -> contacted (inclusive)
    # s-5: its contact (14:00) is BEFORE its first search (14:05)          -> not contacted
    # s-2, s-8: no contact                                                  -> deflected
    # deflection = 1 - 3/6 = 0.5
    assert report.metrics.contacted_sessions == 3
    assert report.metrics.deflection_rate == pytest.approx(0.5)
    assert report.metrics.deflected_sessions == 3


def test_self_service_score(report):
    # self-service users: u-1, u-2, (s-3 has no user: counts as one), u-4, u-5, u-8 = 6
    # users with a contact: u-1, (s-3 contact without user: one), u-4, u-5, u-6, u-7, u-10 = 7
    assert report.metrics.self_service_users == 6
    assert report.metrics.contact_users == 7
    assert report.metrics.contacts == 7
    assert report.metrics.self_service_score == pytest.approx(6 / 7)


def test_contact_exactly_at_window_end_is_inclusive_and_one_second_less_is_not(small_log):
    narrower = deflection(small_log, window=dt.timedelta(seconds=86399))
    # s-4's contact is now one second outside the window: 2 contacted of 6
    assert narrower.metrics.contacted_sessions == 2
    assert narrower.metrics.deflection_rate == pytest.approx(1 - 2 / 6)


def test_per_doc(report):
    docs = {d.doc: d for d in report.docs}
    # card-declined: views s-1, s-2; clicks s-1, s-2; helpful yes (s-2) / no (s-1);
    # sessions that viewed or clicked it: s-1 (contacted), s-2 (not) -> 1/2
    card = docs["card-declined"]
    assert (card.views, card.clicks, card.helpful_yes, card.helpful_no) == (2, 2, 1, 1)
    assert (card.sessions, card.contacted_sessions, card.contact_after_view_rate) == (2, 1, 0.5)
    # top-up: view s-3, clicks s-4 and s-6; self-service sessions that reached it: s-3, s-4 (s-6 is
    # click-only, not a self-service session); both contacted -> 2/2
    top_up = docs["top-up"]
    assert (top_up.views, top_up.clicks, top_up.sessions, top_up.contacted_sessions) == (1, 2, 2, 2)
    assert top_up.contact_after_view_rate == 1.0
    # cancel-card: one view in s-8, not contacted -> 0/1
    assert (docs["cancel-card"].views, docs["cancel-card"].contact_after_view_rate) == (1, 0.0)
    assert set(docs) == {"card-declined", "top-up", "cancel-card"}


def test_content_gaps_are_ranked_over_normalised_queries(report):
    # "refund" (s-1) and "Refund" (s-4) normalise to "refund": 2 searches, both zero-result, both
    # sessions contacted. Every other query has results. Contacted sessions: refund 2, then
    # "card declined" (s-1) and "refund status" (s-4) with 1 each, tie broken alphabetically.
    by_zero = report.gaps_by("zero_result")
    assert [(g.query, g.searches, g.zero_result_searches) for g in by_zero] == [("refund", 2, 2)]
    by_contact = report.gaps_by("contacted")
    assert [(g.query, g.contacted_sessions) for g in by_contact] == [
        ("refund", 2),
        ("card declined", 1),
        ("refund status", 1),
    ]


def test_query_normalisation_folds_case_accents_and_whitespace(tmp_path):
    log = write_jsonl(
        tmp_path / "q.jsonl",
        [
            ev("2026-11-02T10:00:00Z", "search", "a", query="  Tarjeta   RECHAZADA ", results=0),
            ev("2026-11-02T10:00:00Z", "search", "b", query="tarjéta rechazada", results=0),
        ],
    )
    gaps = deflection(log).gaps_by("zero_result")
    assert [(g.query, g.zero_result_searches) for g in gaps] == [("tarjeta rechazada", 2)]


def test_breakdown_by_locale_channel_and_week(report):
    rows = {
        (r.dimension, r.value): r
        for r in report.breakdowns["locale"] + report.breakdowns["channel"] + report.breakdowns["week"]
    }
    # en sessions: s-1, s-3, s-4, s-8 (3 contacted) -> 1 - 3/4; en searches: 2 (s-1) + 2 (s-4) + 1 (s-8)
    en = rows[("locale", "en")]
    assert (
        en.self_service_sessions,
        en.contacted_sessions,
        en.searches,
        en.zero_result_searches,
        en.clicked_searches,
    ) == (4, 3, 5, 2, 2)
    assert en.deflection_rate == pytest.approx(0.25)
    # es: s-2 only, not contacted; fr: s-5 only (its contact came before), not contacted
    assert (rows[("locale", "es")].self_service_sessions, rows[("locale", "es")].deflection_rate) == (1, 1.0)
    assert (rows[("locale", "fr")].self_service_sessions, rows[("locale", "fr")].deflection_rate) == (1, 1.0)
    # channel: site = s-1, s-2, s-4, s-5, s-8 (contacted s-1, s-4) -> 1 - 2/5; chat = s-3 (contacted)
    site, chat = rows[("channel", "site")], rows[("channel", "chat")]
    assert (site.self_service_sessions, site.contacted_sessions, site.searches) == (5, 2, 7)
    assert site.deflection_rate == pytest.approx(0.6)
    # chat's only "search" was blank: no searches, so its search rates are undefined (None)
    assert (chat.self_service_sessions, chat.contacted_sessions, chat.searches, chat.zero_result_rate) == (
        1,
        1,
        0,
        None,
    )
    # week: every session starts in the ISO week of Monday 2026-11-02, including s-8 which starts
    # on Sunday 2026-11-08 23:50 and spans midnight into the next week (still one session).
    assert list(r.value for r in report.breakdowns["week"]) == ["2026-11-02"]
    week = rows[("week", "2026-11-02")]
    assert (week.self_service_sessions, week.contacted_sessions, week.searches) == (6, 3, 7)


def test_session_spanning_midnight_is_one_session(tmp_path):
    # A search at 23:50 and a contact at 00:30 the next day, same session: one contacted session.
    log = write_jsonl(
        tmp_path / "m.jsonl",
        [
            ev("2026-11-02T23:50:00Z", "search", "night", query="lost card", results=1),
            ev("2026-11-03T00:05:00Z", "view", "night", doc="lost-card"),
            ev("2026-11-03T00:30:00Z", "contact", "night"),
        ],
    )
    report = deflection(log)
    assert (report.metrics.self_service_sessions, report.metrics.contacted_sessions) == (1, 1)
    assert report.metrics.deflection_rate == 0.0


def test_period_filter(small_log):
    # Only 2026-11-08 (a day): s-8 alone (starts 23:50 that day; its view after midnight is outside,
    # so the session is just its search). No contacts in the period.
    report = deflection(small_log, since=dt.datetime(2026, 11, 8), until=dt.datetime(2026, 11, 9))
    assert (report.metrics.searches, report.metrics.self_service_sessions, report.metrics.contacts) == (1, 1, 0)
    assert report.metrics.deflection_rate == 1.0
    assert any("No contacts" in n for n in report.notes)


def test_empty_log_gives_zeros_and_a_note(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    report = deflection(empty)
    m = report.metrics
    assert (m.searches, m.self_service_sessions, m.contacted_sessions, m.deflection_rate, m.self_service_score) == (
        0,
        0,
        0,
        0.0,
        0.0,
    )
    assert report.docs == () and report.content_gaps == ()
    assert any("No valid events" in n for n in report.notes)


def test_metrics_do_not_depend_on_line_order(tmp_path, small_log):
    shuffled = write_jsonl(tmp_path / "shuffled.jsonl", list(reversed(SMALL_LOG)))
    assert deflection(shuffled).metrics == deflection(small_log).metrics
    assert deflection(shuffled).input.out_of_order_events > 0
