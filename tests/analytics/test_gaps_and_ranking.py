"""What to fix first: worst docs by Wilson-guarded contacts, content gaps grouped and diagnosed (hand-computed)."""
from __future__ import annotations

import shlex

import pytest

from kbops.analytics.gaps import cluster_queries, diagnose, similar, query_terms
from kbops.analytics.report import DeflectionReport, DocStats, InputSummary, Metrics, wilson_lower
from kbops.config import load_settings
from tests.analytics.conftest import deflection, ev, write_jsonl
from tests.search.conftest import indexed_kb  # noqa: F401  (fixture: the search tests' KB, indexed)


def test_wilson_lower_bound_by_hand():
    # p = 4/14, z = 1.96: (p + z²/28 - z·sqrt(p(1-p)/14 + z²/784)) / (1 + z²/14) = 0.1172
    assert wilson_lower(4, 14) == pytest.approx(0.11721, abs=1e-5)
    assert wilson_lower(53, 232) == pytest.approx(0.17911, abs=1e-5)
    assert wilson_lower(0, 10) == 0.0 and wilson_lower(0, 0) == 0.0
    assert wilson_lower(10, 10) == pytest.approx(0.72246, abs=1e-5)


def _doc(doc, sessions, contacted):
    return DocStats(doc, sessions, sessions, 0, 0, sessions, contacted, contacted / sessions)


def test_worst_docs_rank_by_contacts_the_sample_vouches_for():
    report = DeflectionReport(
        metrics=Metrics(), window_hours=24, since=None, until=None, first_event=None, last_event=None,
        breakdowns={}, content_gaps=(), input=InputSummary(), min_doc_sessions=5,
        docs=(_doc("rare-but-bad", 14, 4), _doc("busy", 232, 53), _doc("tiny", 4, 4), _doc("fine", 300, 0)),
    )
    # busy: 232 x 0.17911 = 41.6 sure contacts; rare-but-bad: 14 x 0.11721 = 1.6 (its 28.6 % rate ranked it
    # first before). tiny: 4 sessions < 5. fine: no contacts, nothing to fix.
    assert [d.doc for d in report.worst_docs] == ["busy", "rare-but-bad"]
    assert report.worst_docs[0].sure_contacts == pytest.approx(41.55, abs=0.01)
    assert report.worst_docs[1].sure_contacts == pytest.approx(1.64, abs=0.01)


def test_clustering_uses_the_engines_analysis():
    assert query_terms("how do i reset password", "en") == query_terms("password reset", "en") == {"password", "reset"}
    assert similar(frozenset({"exchang", "rate"}), frozenset({"exchang", "rate", "current"}))  # 2/3
    assert not similar(frozenset({"card", "declin"}), frozenset({"card", "arriv", "late"}))   # 1/4
    rows = [{"query": q, "locale": loc} for q, loc in [
        ("exchange rate", "en"), ("what exchange rate do you use", "en"), ("card arrival", "en"),
        ("exchange rates", "en"), ("tipo de cambio", "es")]]
    assert [[r["query"] for r in group] for group in cluster_queries(rows)] == [
        ["exchange rate", "what exchange rate do you use", "exchange rates"], ["card arrival"], ["tipo de cambio"]]


@pytest.fixture
def gap_log(tmp_path):
    t = "2026-11-02T1{}:00:00Z"
    return write_jsonl(tmp_path / "gaps.jsonl", [
        # reset password: two gap phrasings; a third phrasing found and clicked the doc (no contact after)
        ev(t.format(0), "search", "s-1", query="reset my password", results=0),
        ev(t.format(1), "contact", "s-1"),
        ev(t.format(0), "search", "s-2", query="how do i reset password", results=0),
        ev(t.format(0), "search", "s-3", query="password reset", results=2),
        ev("2026-11-02T10:01:00Z", "click", "s-3", doc="reset-password", rank=1),
        # wallet glitch: one reader clicked card-declined and was helped; another found nothing and called
        ev(t.format(0), "search", "s-4", query="wallet glitch", results=1),
        ev("2026-11-02T10:01:00Z", "click", "s-4", doc="card-declined", rank=1),
        ev(t.format(0), "search", "s-5", query="Wallet  glitch", results=0),
        ev(t.format(1), "contact", "s-5"),
        # crypto staking: nothing answers, three phrasings, two readers contacted
        ev(t.format(0), "search", "s-6", query="crypto staking", results=0),
        ev(t.format(1), "contact", "s-6"),
        ev(t.format(0), "search", "s-7", query="Staking crypto?", results=0),
        ev(t.format(1), "contact", "s-7"),
        ev(t.format(0), "search", "s-8", query="crypto staking", results=0),
    ])


def test_gap_clusters_are_counted_exactly(gap_log):
    clusters = deflection(gap_log).gap_clusters
    summary = [(c.queries, c.searches, c.zero_result_searches, c.sessions, c.contacted_sessions, c.clicked_doc) for c in clusters]
    # crypto: s-6, s-7, s-8 (3 zero-result searches, 2 contacted) first; then reset password (s-1, s-2:
    # 2 zero-result, 1 contacted) ahead of wallet glitch (s-4, s-5: 1 zero-result of 2, 1 contacted).
    # "password reset" was never a gap (results, click, no contact) but lends its click as evidence.
    assert summary == [
        (("crypto staking", "staking crypto?"), 3, 3, 3, 2, None),
        (("how do i reset password", "reset my password"), 2, 2, 2, 1, "reset-password"),
        (("wallet glitch",), 2, 1, 2, 1, "card-declined"),
    ]


def test_verdicts_come_from_the_search_engine(gap_log, indexed_kb):  # noqa: F811
    clusters = diagnose(deflection(gap_log).gap_clusters, load_settings(indexed_kb))
    crypto, reset, wallet = clusters
    # no doc answers "crypto staking": a ready kb new command with the cluster's phrasings
    assert crypto.verdict == "no_doc" and crypto.doc is None
    assert shlex.split(crypto.command) == ["kb", "new", "article", "--title", "Crypto staking", "--locale", "en",
                                           "--sample-query", "crypto staking", "--sample-query", "staking crypto?"]
    # readers found reset-password, and search ranks it first for the representative phrasing
    assert (reset.verdict, reset.doc, reset.doc_rank) == ("found", "reset-password", 1)
    # readers were helped by card-declined, but search does not return it for "wallet glitch"
    assert (wallet.verdict, wallet.doc, wallet.doc_rank) == ("ranks_low", "card-declined", None)


def test_no_index_is_a_verdict_not_a_crash(gap_log, tmp_path):
    clusters = diagnose(deflection(gap_log).gap_clusters, load_settings(tmp_path))
    assert {c.verdict for c in clusters} == {"no_index"}
