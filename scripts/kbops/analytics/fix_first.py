"""Which docs to fix first: contacts above what a typical doc of the same audience and language gets.

A busy doc gathers many contacts after reading simply because many people read it; what matters is how
many *more* contacts it is followed by than a typical doc would be. So each doc is compared with the
baseline of its peers (same audience, same locale): the session-weighted median contact-after-view rate
of the peers reached by at least `min_sessions` sessions. Its **excess contacts** are

    sessions x (95 % Wilson lower bound of its own rate - baseline)

— the contacts beyond the usual that its sample size vouches for (a doc at 48 % over 230 sessions with a
baseline of 18 % has ≥ 41 % and so 230 x 0.23 ≈ 53 excess contacts; a busy doc at 19.4 % over 1,600
sessions has ≥ 17.6 %, below the baseline: none). Helpful votes are the second reason: the Wilson lower
bound of the "no" share above both one half and the peers' pooled "no" share ("0 of 109 found it helpful").

A peer group with fewer than MIN_PEERS docs gives no stable median (two planted failures among four
French docs would make failure "typical"): it borrows the baseline of the same audience in every
language, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kbops.analytics.report import DocStats, wilson_lower

MIN_PEERS = 5


@dataclass(frozen=True)
class Baseline:
    """The usual contact-after-view rate and "no" share of a doc's peers."""

    label: str  # "public docs in es", "public docs (all languages)"
    contact_rate: float
    unhelpful_share: float
    docs: int


@dataclass(frozen=True)
class FixDoc:
    """One row of "fix first: docs": the doc, its peers' baseline, and why it is listed."""

    stats: DocStats
    baseline: Baseline
    excess_contacts: float
    unhelpful_lower_bound: float
    reasons: tuple[str, ...]

    @property
    def doc(self) -> str:
        return self.stats.doc

    def as_dict(self) -> dict:
        s = self.stats
        return {
            "doc": s.doc,
            "title": s.title,
            "owner": s.owner,
            "last_reviewed": s.last_reviewed,
            "url": s.url,
            "locale": s.locale,
            "audience": s.audience,
            "sessions": s.sessions,
            "contacted_sessions": s.contacted_sessions,
            "contact_after_view_rate": s.contact_after_view_rate,
            "rate_lower_bound": round(s.rate_lower_bound, 4),
            "baseline": {
                "label": self.baseline.label,
                "contact_rate": round(self.baseline.contact_rate, 4),
                "unhelpful_share": round(self.baseline.unhelpful_share, 4),
                "docs": self.baseline.docs,
            },
            "excess_contacts": round(self.excess_contacts, 2),
            "helpful_yes": s.helpful_yes,
            "helpful_no": s.helpful_no,
            "unhelpful_lower_bound": round(self.unhelpful_lower_bound, 4),
            "reasons": list(self.reasons),
        }


def weighted_median(values: Sequence[tuple[float, int]]) -> float:
    """The median of `value` weighted by `weight` (the lower one on a tie)."""
    ordered = sorted(values)
    half = sum(w for _, w in ordered) / 2
    running = 0
    for value, weight in ordered:
        running += weight
        if running >= half:
            return value
    return ordered[-1][0] if ordered else 0.0


def _baseline(label: str, docs: Sequence[DocStats]) -> Baseline:
    votes = sum(d.helpful_yes + d.helpful_no for d in docs)
    return Baseline(
        label=label,
        contact_rate=weighted_median([(d.contacted_sessions / d.sessions, d.sessions) for d in docs]) if docs else 0.0,
        unhelpful_share=sum(d.helpful_no for d in docs) / votes if votes else 0.0,
        docs=len(docs),
    )


def peer_key(doc: DocStats) -> tuple[str, str]:
    return (doc.audience or "unknown", doc.locale or doc.reader_locale or "unknown")


def baselines(docs: Iterable[DocStats], min_sessions: int) -> dict[tuple[str, str], Baseline]:
    """(audience, locale) -> the baseline of that peer group, for every group of `docs`."""
    measured = [d for d in docs if d.sessions >= min_sessions]
    groups: dict[tuple[str, str], list[DocStats]] = {}
    for d in measured:
        groups.setdefault(peer_key(d), []).append(d)
    by_audience: dict[str, list[DocStats]] = {}
    for (audience, _), members in groups.items():
        by_audience.setdefault(audience, []).extend(members)
    result: dict[tuple[str, str], Baseline] = {}
    for (audience, locale), members in groups.items():
        peers = "docs" if audience == "unknown" else f"{audience} docs"
        if len(members) >= MIN_PEERS:
            result[audience, locale] = _baseline(peers if locale == "unknown" else f"{peers} in {locale}", members)
        elif len(by_audience[audience]) >= MIN_PEERS:
            result[audience, locale] = _baseline(f"{peers} (all languages)", by_audience[audience])
        else:
            result[audience, locale] = _baseline("all docs", measured)
    return result


def times(rate: float, baseline: float) -> str:
    """ "3×", "2.6×": how many times the baseline."""
    if baseline <= 0:
        return "above"
    ratio = rate / baseline
    return f"{ratio:.0f}×" if ratio >= 3 else f"{ratio:.1f}×"


def reasons_for(stats: DocStats, baseline: Baseline, excess: float, unhelpful: float) -> tuple[str, ...]:
    reasons = []
    if excess > 0 and stats.contact_after_view_rate is not None:
        rate = stats.contact_after_view_rate
        reasons.append(
            f"{times(rate, baseline.contact_rate)} the usual contact rate "
            f"({rate * 100:.1f}% vs {baseline.contact_rate * 100:.1f}% for {baseline.label})"
        )
    if unhelpful_signal(unhelpful, baseline):
        votes = stats.helpful_yes + stats.helpful_no
        reasons.append(f"{stats.helpful_yes:,} of {votes:,} found it helpful")
    return tuple(reasons)


def unhelpful_signal(lower_bound: float, baseline: Baseline) -> bool:
    return lower_bound > max(0.5, baseline.unhelpful_share)


def rank_docs(docs: Sequence[DocStats], min_sessions: int) -> tuple[FixDoc, ...]:
    """Docs to fix, most excess contacts first; then docs listed only for their unhelpful votes."""
    groups = baselines(docs, min_sessions)
    rows: list[FixDoc] = []
    for d in docs:
        if d.sessions < min_sessions:
            continue
        baseline = groups.get(peer_key(d))
        if baseline is None:
            continue
        excess = d.sessions * (d.rate_lower_bound - baseline.contact_rate)
        unhelpful = wilson_lower(d.helpful_no, d.helpful_yes + d.helpful_no)
        reasons = reasons_for(d, baseline, excess, unhelpful)
        if reasons:
            rows.append(FixDoc(d, baseline, max(excess, 0.0), unhelpful, reasons))
    rows.sort(key=lambda r: (-r.excess_contacts, -r.unhelpful_lower_bound, r.doc))
    return tuple(rows)


def find(rows: Sequence[FixDoc], doc: str) -> FixDoc | None:
    return next((r for r in rows if r.doc == doc), None)
