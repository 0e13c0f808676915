"""The deflection report: plain frozen data, the same for every output format."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

# Human wording of each ingest problem code written by sql/stage.sql (and the engine).
PROBLEM_MESSAGES = {
    "malformed_json": "not valid JSON",
    "not_an_object": "JSON, but not an object",
    "missing_event": 'missing field "event"',
    "unknown_event_type": "unknown event type (expected search, click, view, feedback or contact)",
    "missing_ts": 'missing field "ts"',
    "invalid_ts": 'unreadable timestamp "ts" (expected ISO 8601, e.g. 2026-11-02T10:15:03Z)',
    "missing_session": 'missing field "session"',
    "contact_without_session_or_user": "contact with neither session nor user (or a ticket without requester)",
    "missing_query": 'search without field "query"',
    "missing_results": 'search without field "results"',
    "invalid_results": 'search "results" is not a count >= 0',
    "missing_doc": 'missing field "doc"',
    "invalid_rank": 'click "rank" is not an integer',
    "missing_helpful": 'feedback without field "helpful"',
    "invalid_helpful": 'feedback "helpful" is not true or false',
    "unreadable_file": "file could not be read",
}


@dataclass(frozen=True)
class Metrics:
    """Headline numbers (DESIGN.md definitions). Rates are 0.0 when their denominator is zero (see notes)."""

    searches: int = 0
    zero_result_searches: int = 0
    clicked_searches: int = 0
    self_service_sessions: int = 0
    contacted_sessions: int = 0
    self_service_users: int = 0
    contacts: int = 0
    contact_users: int = 0
    zero_result_rate: float = 0.0
    click_through_rate: float = 0.0
    deflection_rate: float = 0.0
    self_service_score: float = 0.0

    @property
    def deflected_sessions(self) -> int:
        return self.self_service_sessions - self.contacted_sessions


@dataclass(frozen=True)
class BreakdownRow:
    dimension: str  # locale | channel | week
    value: str
    searches: int
    zero_result_searches: int
    clicked_searches: int
    self_service_sessions: int
    contacted_sessions: int
    zero_result_rate: float | None
    click_through_rate: float | None
    deflection_rate: float | None


Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson_lower(successes: int, trials: int, z: float = Z95) -> float:
    """Lower bound of the Wilson score interval of successes/trials (0 when there are no trials).

    A small-sample guard: 4 of 14 (28.6 %) has a lower bound of 11.7 %, 53 of 232 (22.8 %) one of 17.9 %.
    """
    if trials <= 0:
        return 0.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, (centre - margin) / denominator)


@dataclass(frozen=True)
class DocInfo:
    """What the knowledge base says about a doc, to make a report row actionable."""

    title: str | None = None
    owner: str | None = None
    last_reviewed: str | None = None
    url: str | None = None
    path: str | None = None
    locale: str | None = None
    audience: str | None = None
    translation_of: str | None = None  # the source doc of a translation
    doc_type: str | None = None


@dataclass(frozen=True)
class DocStats:
    doc: str
    views: int
    clicks: int
    helpful_yes: int
    helpful_no: int
    sessions: int
    contacted_sessions: int
    contact_after_view_rate: float | None
    reader_locale: str | None = None  # the language its readers browse in (most of them)
    title: str | None = None
    owner: str | None = None
    last_reviewed: str | None = None
    url: str | None = None
    path: str | None = None
    locale: str | None = None
    audience: str | None = None
    translation_of: str | None = None
    doc_type: str | None = None

    @property
    def rate_lower_bound(self) -> float:
        """Wilson lower bound (95 %) of the contact-after-view rate."""
        return wilson_lower(self.contacted_sessions, self.sessions)


@dataclass(frozen=True)
class IdentityJoin:
    """How ticket requesters joined self-service users (only when tickets were given)."""

    requesters: int
    matched: int
    event_id_shapes: dict[str, int]
    requester_id_shapes: dict[str, int]
    warning: str | None = None
    likely_cause: str | None = None  # salt | id_format | no_event_users

    @property
    def match_rate(self) -> float | None:
        return self.matched / self.requesters if self.requesters else None


@dataclass(frozen=True)
class AgentQuery:
    query: str
    searches: int
    zero_result_searches: int
    sessions: int


@dataclass(frozen=True)
class AgentSearch:
    """Searches by agents (partner and internal audiences), kept out of the customer metrics."""

    searches: int = 0
    zero_result_searches: int = 0
    sessions: int = 0
    by_audience: dict[str, int] = field(default_factory=dict)
    queries: tuple[AgentQuery, ...] = ()

    @property
    def zero_result_rate(self) -> float | None:
        return self.zero_result_searches / self.searches if self.searches else None


@dataclass(frozen=True)
class ContentGap:
    query: str
    searches: int
    zero_result_searches: int
    sessions: int
    contacted_sessions: int
    zero_result_rank: int
    contacted_rank: int


@dataclass(frozen=True)
class InputFile:
    path: str
    role: str  # events | tickets
    format: str  # jsonl | csv | parquet
    records: int
    problems: int


@dataclass(frozen=True)
class ProblemCount:
    path: str
    problem: str
    message: str
    records: int
    first_line: int


@dataclass(frozen=True)
class ProblemLine:
    path: str
    line: int
    problem: str
    message: str
    value: str | None = None


@dataclass(frozen=True)
class InputSummary:
    """What ingest saw: every bad record is counted here with its file and line."""

    files: tuple[InputFile, ...] = ()
    records: int = 0
    valid_records: int = 0
    blank_lines: int = 0
    duplicate_records_removed: int = 0
    out_of_order_events: int = 0
    offset_timestamps: int = 0
    naive_timestamps: int = 0
    email_user_ids: int = 0
    problems: tuple[ProblemCount, ...] = ()
    problem_lines: tuple[ProblemLine, ...] = ()
    duplicate_lines: tuple[ProblemLine, ...] = ()
    out_of_order_lines: tuple[ProblemLine, ...] = ()

    @property
    def bad_records(self) -> int:
        return sum(p.records for p in self.problems)


@dataclass(frozen=True)
class DeflectionReport:
    """Everything `kb deflection` reports."""

    metrics: Metrics
    window_hours: float
    since: str | None
    until: str | None
    first_event: str | None
    last_event: str | None
    breakdowns: dict[str, tuple[BreakdownRow, ...]]
    docs: tuple[DocStats, ...]
    content_gaps: tuple[ContentGap, ...]
    input: InputSummary
    notes: tuple[str, ...] = ()
    min_doc_sessions: int = 5
    audience: str = "public"
    locale: str = "en"  # the language dates are written in (the knowledge base's default locale)
    identity: IdentityJoin | None = None
    agents: AgentSearch = field(default_factory=AgentSearch)
    gap_clusters: tuple[Any, ...] = ()  # kbops.analytics.gaps.GapCluster, verdicts by kbops.analytics.verdicts.diagnose
    translation_rows: tuple[dict[str, Any], ...] = ()  # raw material of translation_demand (sql/translations.sql)
    translation_demand: tuple[Any, ...] = ()  # kbops.analytics.translations.TranslationDemand
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What must be read before any number (shown first in every format)."""
        return tuple(w for w in (self.identity.warning if self.identity else None,) if w)

    @property
    def worst_docs(self) -> tuple[Any, ...]:
        """What to fix first (kbops.analytics.fix_first.FixDoc rows): docs followed by more contacts than their
        peers' baseline, most excess contacts first, then docs voted unhelpful."""
        from kbops.analytics.fix_first import rank_docs

        return rank_docs(self.docs, self.min_doc_sessions)

    def gaps_by(self, key: str) -> tuple[ContentGap, ...]:
        """`zero_result` or `contacted` ranking."""
        if key == "zero_result":
            rows = [g for g in self.content_gaps if g.zero_result_searches > 0]
            return tuple(sorted(rows, key=lambda g: g.zero_result_rank))
        rows = [g for g in self.content_gaps if g.contacted_sessions > 0]
        return tuple(sorted(rows, key=lambda g: g.contacted_rank))

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of `kb deflection --format json` (headline keys at the top level)."""
        m = dataclasses.asdict(self.metrics)
        return {
            **m,
            "deflected_sessions": self.metrics.deflected_sessions,
            "window_hours": self.window_hours,
            "period": {
                "since": self.since,
                "until": self.until,
                "first_event": self.first_event,
                "last_event": self.last_event,
            },
            "breakdowns": {k: [dataclasses.asdict(r) for r in rows] for k, rows in self.breakdowns.items()},
            "audience": self.audience,
            "warnings": list(self.warnings),
            "identity_join": dataclasses.asdict(self.identity) if self.identity else None,
            "docs": [dataclasses.asdict(d) for d in self.docs],
            "worst_docs": [d.as_dict() for d in self.worst_docs[:10]],
            "agent_search": {**dataclasses.asdict(self.agents), "zero_result_rate": self.agents.zero_result_rate},
            "gap_clusters": [c.as_dict() for c in self.gap_clusters],
            "translation_demand": [d.as_dict() for d in self.translation_demand],
            "content_gaps": {
                "by_zero_results": [dataclasses.asdict(g) for g in self.gaps_by("zero_result")],
                "by_contacted_sessions": [dataclasses.asdict(g) for g in self.gaps_by("contacted")],
            },
            "input": {
                **dataclasses.asdict(self.input),
                "bad_records": self.input.bad_records,
            },
            "notes": list(self.notes),
        }
