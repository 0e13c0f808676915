"""What to fix first: docs by excess contacts over their peers, content gaps grouped and diagnosed (hand-computed)."""

from __future__ import annotations

import shlex

import pytest

from kbops.analytics.fix_first import weighted_median
from kbops.analytics.gaps import cluster_queries, query_terms, similar
from kbops.analytics.report import DeflectionReport, DocStats, InputSummary, Metrics, wilson_lower
from kbops.analytics.verdicts import diagnose
from kbops.config import load_settings
from tests.analytics.conftest import deflection, ev, write_jsonl
from tests.search.conftest import indexed_kb  # noqa: F401  (fixture: the search tests' KB, indexed)


def test_wilson_lower_bound_by_hand():
    # p = 4/14, z = 1.96: (p + z²/28 - z·sqrt(p(1-p)/14 + z²/784)) / (1 + z²/14) = 0.1172
    assert wilson_lower(4, 14) == pytest.approx(0.11721, abs=1e-5)
    assert wilson_lower(53, 232) == pytest.approx(0.17911, abs=1e-5)
    assert wilson_lower(0, 10) == 0.0 and wilson_lower(0, 0) == 0.0
    assert wilson_lower(10, 10) == pytest.approx(0.72246, abs=1e-5)


def _doc(doc, sessions, contacted, yes=0, no=0, locale="en", audience="public"):
    return DocStats(
        doc, sessions, sessions, yes, no, sessions, contacted, contacted / sessions, locale=locale, audience=audience
    )


def _report(*docs):
    return DeflectionReport(
        metrics=Metrics(),
        window_hours=24,
        since=None,
        until=None,
        first_event=None,
        last_event=None,
        breakdowns={},
        content_gaps=(),
        input=InputSummary(),
        min_doc_sessions=5,
        docs=docs,
    )


def test_weighted_median():
    assert weighted_median([(0.1, 1), (0.5, 1), (0.2, 10)]) == 0.2
    assert weighted_median([(0.1, 5), (0.9, 5)]) == 0.1


def test_fix_first_ranks_excess_contacts_over_the_peers_baseline():
    busy = [_doc(f"busy-{i}", 1600, 290 + 10 * i, yes=200, no=50) for i in range(5)]  # 18.1 % .. 20.6 %
    report = _report(
        *busy,
        _doc("bad", 230, 110, yes=0, no=40),
        _doc("rare-bad", 14, 9),
        _doc("tiny", 4, 4),
        _doc("unloved", 300, 54, yes=2, no=30),
    )
    rows = report.worst_docs
    # Baseline of public/en: the session-weighted median of the 8 docs' rates = busy-2's 310/1600 = 19.4 %.
    assert rows[0].baseline.contact_rate == pytest.approx(310 / 1600)
    # bad: 110/230 = 47.8 %, Wilson lower bound 41.5 %: 230 x (0.4147 - 0.19375) = 50.8 excess contacts.
    # rare-bad: 9/14, lower bound 38.8 %: 14 x 0.194 = 2.7. The busy docs' lower bounds are under 19.4 %: none.
    # unloved: 18 % (no excess) but 2 of 32 found it helpful (no share >= 79.9 %): listed after, for its votes.
    assert [r.doc for r in rows] == ["bad", "rare-bad", "unloved"]
    assert rows[0].excess_contacts == pytest.approx(230 * (wilson_lower(110, 230) - 310 / 1600))
    assert rows[0].excess_contacts == pytest.approx(50.8, abs=0.1)
    assert rows[0].reasons == (
        "2.5× the usual contact rate (47.8% vs 19.4% for public docs in en)",
        "0 of 40 found it helpful",
    )
    assert rows[2].reasons == ("2 of 32 found it helpful",)


def test_a_small_peer_group_borrows_the_baseline_of_its_audience():
    en = [_doc(f"en-{i}", 500, 90) for i in range(5)]  # 18 %
    fr = [
        _doc("fr-bad-1", 80, 40, locale="fr"),
        _doc("fr-bad-2", 80, 38, locale="fr"),
        _doc("fr-ok", 80, 14, locale="fr"),
    ]
    rows = _report(*en, *fr).worst_docs
    # Three French docs, two failing: their own median would be 47.5 % and hide both. The public baseline is 18 %.
    assert [r.doc for r in rows] == ["fr-bad-1", "fr-bad-2"]
    assert rows[0].baseline.label == "public docs (all languages)" and rows[0].baseline.contact_rate == pytest.approx(
        0.18
    )


def test_clustering_uses_the_engines_analysis():
    assert query_terms("how do i reset password", "en") == query_terms("password reset", "en") == {"password", "reset"}
    assert similar(frozenset({"exchang", "rate"}), frozenset({"exchang", "rate", "current"}))  # 2/3
    assert not similar(frozenset({"card", "declin"}), frozenset({"card", "arriv", "late"}))  # 1/4
    rows = [
        {"query": q, "locale": loc}
        for q, loc in [
            ("exchange rate", "en"),
            ("what exchange rate do you use", "en"),
            ("card arrival", "en"),
            ("exchange rates", "en"),
            ("tipo de cambio", "es"),
        ]
    ]
    assert [[r["query"] for r in group] for group in cluster_queries(rows)] == [
        ["exchange rate", "what exchange rate do you use", "exchange rates"],
        ["card arrival"],
        ["tipo de cambio"],
    ]


@pytest.fixture
def gap_log(tmp_path):
    t = "2026-11-02T1{}:00:00Z"
    return write_jsonl(
        tmp_path / "gaps.jsonl",
        [
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
            # card not arrived: readers had results and still contacted (one phrasing)
            ev(t.format(0), "search", "s-9", query="my card has not arrived", results=3),
            ev(t.format(1), "contact", "s-9"),
            # Spanish readers: only an English doc says where the card is (card-arrival has no es translation)
            ev(t.format(0), "search", "s-10", query="mi tarjeta no ha llegado", results=2, locale="es"),
            ev("2026-11-02T10:01:00Z", "click", "s-10", doc="card-arrival", rank=1, locale="es"),
            ev(t.format(0), "search", "s-11", query="mi tarjeta no ha llegado", results=0, locale="es"),
        ],
    )


def test_gap_clusters_are_counted_exactly(gap_log):
    clusters = deflection(gap_log).gap_clusters
    summary = [
        (c.queries, c.searches, c.zero_result_searches, c.sessions, c.contacted_sessions, c.clicked_doc)
        for c in clusters
    ]
    # crypto: s-6, s-7, s-8 (3 zero-result searches, 2 contacted) first; then by contacted sessions, zero-result
    # searches, searches: reset password (s-1, s-2: 2 zero-result, 1 contacted), wallet glitch (1 of 2, 1
    # contacted), card not arrived (0 of 1, 1 contacted), the Spanish one (1 of 2, none contacted). "password
    # reset" was never a gap (results, click, no contact) but lends its click as evidence.
    assert summary == [
        (("crypto staking", "staking crypto?"), 3, 3, 3, 2, None),
        (("how do i reset password", "reset my password"), 2, 2, 2, 1, "reset-password"),
        (("wallet glitch",), 2, 1, 2, 1, "card-declined"),
        (("my card has not arrived",), 1, 0, 1, 1, None),
        (("mi tarjeta no ha llegado",), 2, 1, 2, 0, "card-arrival"),
    ]


def test_verdicts_come_from_the_search_engine(gap_log, indexed_kb):  # noqa: F811
    from kbops.analytics.engine import compute_deflection
    from kbops.analytics.options import DeflectionOptions
    from kbops.analytics.publish import doc_info
    from kbops.analytics.verdicts import ask_search

    settings = load_settings(indexed_kb)
    docs = doc_info(settings)
    report = ask_search(compute_deflection(DeflectionOptions(events=(str(gap_log),)), doc_info=docs), settings, docs)
    crypto, reset, wallet, arrived, spanish = report.gap_clusters
    # no doc answers "crypto staking" and none covers the proposed title: a ready kb new command
    assert crypto.verdict == "no_doc" and crypto.doc is None and crypto.title == "Crypto staking"
    assert shlex.split(crypto.command) == [
        "kb",
        "new",
        "article",
        "--title",
        "Crypto staking",
        "--locale",
        "en",
        "--sample-query",
        "crypto staking",
        "--sample-query",
        "staking crypto?",
    ]
    # search answers with reset-password, but every search of the gap found nothing: add the phrasings
    assert (reset.verdict, reset.doc, reset.doc_rank) == ("ranks_low", "reset-password", 1)
    assert shlex.split(reset.command) == [
        "kb",
        "suggest-queries",
        "--doc",
        "reset-password",
        "--query",
        "how do i reset password",
        "--query",
        "reset my password",
    ]
    # readers had results and contacted anyway: improve the doc search puts first
    assert (arrived.verdict, arrived.doc, arrived.doc_rank) == ("found", "card-arrival", 1)
    # readers were helped by card-declined, but search does not return it for "wallet glitch"
    assert (wallet.verdict, wallet.doc, wallet.doc_rank) == ("ranks_low", "card-declined", None)
    # the answer to the Spanish gap (the doc its reader was helped by) is English only: translate it
    assert (spanish.verdict, spanish.doc) == ("translate", "card-arrival")
    assert shlex.split(spanish.command) == [
        "kb",
        "new",
        "article",
        "--title",
        "Your card has not arrived",
        "--locale",
        "es",
        "--translation-of",
        "card-arrival",
    ]
    # ... and it is translation demand: one reader opened the English doc, the other found nothing while
    # search (cross-language, through the doc's meaning) answers that reader's query with the English doc
    demand = [
        (d.language, d.doc, d.clicked_sessions, d.unanswered_sessions, d.queries) for d in report.translation_demand
    ]
    assert ("es", "card-arrival", 1, 1, (("mi tarjeta no ha llegado", 2),)) in demand


def test_no_index_is_a_verdict_not_a_crash(gap_log, tmp_path):
    clusters = diagnose(deflection(gap_log).gap_clusters, load_settings(tmp_path))
    assert {c.verdict for c in clusters} == {"no_index"}
