"""Fixtures of the analytics tests: a small hand-built event log and helpers to run the real engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kbops.analytics.engine import compute_deflection
from kbops.analytics.options import DeflectionOptions
from kbops.analytics.report import DeflectionReport


def ev(ts: str, event: str, session: str | None, user: str | None = None, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"ts": ts, "event": event}
    if session is not None:
        record["session"] = session
    if user is not None:
        record["user"] = user
    record.update(fields)
    return record


# The hand-computed log (expected numbers derived in test_metrics.py). Dates: 2026-11-02 is a Monday.
SMALL_LOG = [
    # s-1 (u-1, en, site): clicked search, then a zero-result search; u-1 contacts from another session.
    ev("2026-11-02T10:00:00Z", "search", "s-1", "u-1", query="card declined", results=3, locale="en", channel="site"),
    ev("2026-11-02T10:05:00Z", "click", "s-1", "u-1", doc="card-declined", rank=1, locale="en", channel="site"),
    ev("2026-11-02T10:06:00Z", "view", "s-1", "u-1", doc="card-declined", locale="en", channel="site"),
    ev("2026-11-02T10:20:00Z", "search", "s-1", "u-1", query="refund", results=0, locale="en", channel="site"),
    ev(
        "2026-11-02T10:21:00Z",
        "feedback",
        "s-1",
        "u-1",
        doc="card-declined",
        helpful=False,
        locale="en",
        channel="site",
    ),
    ev("2026-11-02T11:00:00Z", "contact", "s-9", "u-1", channel="chat"),
    # s-2 (u-2, es, site): click 45 minutes after the search (too late); helpful; never contacts.
    ev(
        "2026-11-02T09:00:00Z",
        "search",
        "s-2",
        "u-2",
        query="Tarjeta  rechazada",
        results=2,
        locale="es",
        channel="site",
    ),
    ev("2026-11-02T09:45:00Z", "click", "s-2", "u-2", doc="card-declined", rank=1, locale="es", channel="site"),
    ev("2026-11-02T09:46:00Z", "view", "s-2", "u-2", doc="card-declined", locale="es", channel="site"),
    ev(
        "2026-11-02T09:50:00Z", "feedback", "s-2", "u-2", doc="card-declined", helpful=True, locale="es", channel="site"
    ),
    # s-3 (no user, en, chat): blank query (not a search), a view, then a contact in the same session.
    ev("2026-11-02T12:00:00Z", "search", "s-3", query="   ", results=5, locale="en", channel="chat"),
    ev("2026-11-02T12:01:00Z", "view", "s-3", doc="top-up", locale="en", channel="chat"),
    ev("2026-11-02T12:30:00Z", "contact", "s-3", channel="chat"),
    # s-4 (u-4, en, site): two searches, the click belongs to the second; contact exactly at end + 24 h.
    ev("2026-11-02T13:00:00Z", "search", "s-4", "u-4", query="Refund", results=0, locale="en", channel="site"),
    ev("2026-11-02T13:10:00Z", "search", "s-4", "u-4", query="refund status", results=4, locale="en", channel="site"),
    ev("2026-11-02T13:12:00Z", "click", "s-4", "u-4", doc="top-up", rank=2, locale="en", channel="site"),
    ev("2026-11-03T13:12:00Z", "contact", "s-40", "u-4", channel="email"),
    # s-5 (u-5, fr): contacts BEFORE searching; nothing after.
    ev("2026-11-02T14:00:00Z", "contact", "s-5", "u-5", locale="fr", channel="site"),
    ev("2026-11-02T14:05:00Z", "search", "s-5", "u-5", query="virement", results=1, locale="fr", channel="site"),
    # s-6 (u-6): a click only (not self-service) and a contact.
    ev("2026-11-02T15:00:00Z", "click", "s-6", "u-6", doc="top-up", rank=1),
    ev("2026-11-02T15:10:00Z", "contact", "s-6", "u-6"),
    # Contacts of users with no self-service at all.
    ev("2026-11-02T16:00:00Z", "contact", "s-7", "u-7"),
    ev("2026-11-02T17:00:00Z", "contact", "s-10", "u-10"),
    # s-8 (u-8, en, site): spans midnight (Sunday -> Monday, also a week boundary); not contacted.
    ev("2026-11-08T23:50:00Z", "search", "s-8", "u-8", query="cancel card", results=1, locale="en", channel="site"),
    ev("2026-11-09T00:10:00Z", "view", "s-8", "u-8", doc="cancel-card", locale="en", channel="site"),
]


def write_jsonl(path: Path, records: list[Any]) -> Path:
    """One line per record; a str record is written verbatim (for malformed lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write((record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)) + "\n")
    return path


def deflection(*events: Path | str, **options: Any) -> DeflectionReport:
    """Run the real engine over files (library entry point, no subprocess)."""
    return compute_deflection(DeflectionOptions(events=tuple(str(e) for e in events), **options))


@pytest.fixture
def small_log(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "events.jsonl", SMALL_LOG)


@pytest.fixture(autouse=True)
def minimal_knowledge_base(tmp_path: Path) -> Path:
    """tmp_path is a (minimal) knowledge base: every `kb` command outside one says so and exits 2 (kb init).
    The reports need nothing else from it; tests that want docs copy a whole KB into a subfolder."""
    marker = tmp_path / "pyproject.toml"
    if not marker.exists():
        marker.write_text("[tool.kbops]\n", encoding="utf-8")
    return tmp_path
