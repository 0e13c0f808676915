"""`kb stale`: overdue and due-soon reviews grouped by owner, ranked by usage × staleness when events are given."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kbops.errors import NotFoundError, UsageError
from kbops.model.document import Document
from kbops.model.governance import Governance
from kbops.model.loader import Corpus

# A doc that was never attested counts as twice its interval old: worse than any due doc, but still
# comparable, so a heavily used never-reviewed page outranks a barely used one.
NEVER_REVIEWED_STALENESS = 2.0


@dataclass(frozen=True)
class ReviewDue:
    last_reviewed: dt.date | None
    interval_days: int
    due: dt.date | None  # None when never reviewed


def review_due(doc: Document, governance: Governance) -> ReviewDue:
    """When the doc's content must be attested again: last_reviewed + review_every (or the governance default)."""
    fm = doc.frontmatter
    if fm is not None:
        return ReviewDue(fm.last_reviewed, governance.review_interval_for(fm), governance.review_due_date(fm))
    # An invalid front-matter still gets a review date from what it says (lint reports the invalid fields).
    interval = governance.review_interval_days(str(doc.get("type") or "article"), str(doc.get("risk") or "medium"))
    return ReviewDue(None, interval, None)


@dataclass
class Usage:
    """Views and clicks per doc id from event logs, with the lines that could not be read."""

    views: dict[str, int] = field(default_factory=dict)
    clicks: dict[str, int] = field(default_factory=dict)
    events: int = 0
    bad_lines: list[str] = field(default_factory=list)  # "path:line: reason"

    def of(self, doc_id: str) -> int:
        return self.views.get(doc_id, 0) + self.clicks.get(doc_id, 0)


def read_usage(paths: Iterable[Path]) -> Usage:
    """Count `view` and `click` events per `doc` (DESIGN.md event schema); bad lines are reported, not dropped silently."""
    usage = Usage()
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise NotFoundError(f"{path}: events file not found")
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                except json.JSONDecodeError as exc:
                    usage.bad_lines.append(f"{path}:{number}: invalid JSON ({exc.msg})")
                    continue
                except (ValueError, RecursionError):  # 5,000-digit numbers, 5,000 nested brackets
                    usage.bad_lines.append(f"{path}:{number}: invalid JSON (nested too deeply or a number too long)")
                    continue
                if not isinstance(event, dict) or not isinstance(event.get("event"), str):
                    usage.bad_lines.append(f"{path}:{number}: not an event object")
                    continue
                usage.events += 1
                kind, doc_id = event["event"], event.get("doc")
                if kind in ("view", "click") and isinstance(doc_id, str) and doc_id:
                    counter = usage.views if kind == "view" else usage.clicks
                    counter[doc_id] = counter.get(doc_id, 0) + 1
    return usage


@dataclass(frozen=True)
class StaleDoc:
    id: str
    title: str
    path: str
    owner: str
    state: str  # overdue | due-soon | never-reviewed
    last_reviewed: str | None
    due: str | None
    days_overdue: int | None  # negative: days left
    staleness: float  # age ÷ review interval
    views: int | None = None
    clicks: int | None = None
    score: float | None = None  # (views + clicks) × staleness, when events were given


@dataclass(frozen=True)
class StaleReport:
    today: str
    due_soon_days: int
    docs: tuple[StaleDoc, ...]
    events: int | None = None
    bad_lines: tuple[str, ...] = ()

    def by_owner(self) -> dict[str, list[StaleDoc]]:
        grouped: dict[str, list[StaleDoc]] = {}
        for doc in self.docs:
            grouped.setdefault(doc.owner, []).append(doc)
        return dict(sorted(grouped.items()))

    def as_dict(self) -> dict:
        return {
            "today": self.today,
            "due_soon_days": self.due_soon_days,
            "events": self.events,
            "bad_lines": list(self.bad_lines),
            "owners": {owner: [vars(d) for d in docs] for owner, docs in self.by_owner().items()},
        }


def stale_report(
    corpus: Corpus,
    governance: Governance,
    today: dt.date,
    owner: str | None = None,
    usage: Usage | None = None,
    due_soon_days: int | None = None,
) -> StaleReport:
    """Published docs whose review is overdue, due within `due_soon_days`, or that were never reviewed."""
    if owner is not None and not governance.is_owner(owner):
        raise UsageError(f"unknown owner {owner!r}; declared teams: {', '.join(governance.teams)}")
    soon = due_soon_days if due_soon_days is not None else governance.due_soon_days()
    found = []
    for doc in corpus.docs:
        if not doc.parsed or doc.get("status") != "published" or (owner and doc.get("owner") != owner):
            continue
        due = review_due(doc, governance)
        if due.due is None or due.last_reviewed is None:  # both None together: never reviewed
            state, days, staleness = "never-reviewed", None, NEVER_REVIEWED_STALENESS
        else:
            days = (today - due.due).days
            staleness = round((today - due.last_reviewed).days / due.interval_days, 3)
            if days > 0:
                state = "overdue"
            elif -days <= soon:
                state = "due-soon"
            else:
                continue
        found.append(
            StaleDoc(
                doc.id or "",
                doc.title,
                doc.relpath,
                str(doc.get("owner")),
                state,
                due.last_reviewed.isoformat() if due.last_reviewed else None,
                due.due.isoformat() if due.due else None,
                days,
                staleness,
                usage.views.get(doc.id or "", 0) if usage else None,
                usage.clicks.get(doc.id or "", 0) if usage else None,
                round(usage.of(doc.id or "") * staleness, 2) if usage else None,
            )
        )
    if usage:
        found.sort(key=lambda d: (-(d.score or 0), -d.staleness, d.path))
    else:
        rank = {"never-reviewed": 0, "overdue": 1, "due-soon": 2}
        found.sort(key=lambda d: (rank[d.state], -(d.days_overdue or 0), d.path))
    return StaleReport(
        today.isoformat(), soon, tuple(found), usage.events if usage else None, tuple(usage.bad_lines) if usage else ()
    )


def render_stale(report: StaleReport, format: str) -> str:
    """text or md (json is `as_dict`)."""
    lines = []
    head = f"Reviews due on {report.today} (due soon = within {report.due_soon_days} days)"
    lines.append(f"# {head}" if format == "md" else head)
    if report.events is not None:
        lines.append(f"Ranked by usage × staleness over {report.events} events.")
    if not report.docs:
        lines.append("Nothing overdue or due soon.")
    for owner, docs in report.by_owner().items():
        counts = {s: sum(1 for d in docs if d.state == s) for s in ("overdue", "never-reviewed", "due-soon")}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        lines.append("")
        if format == "md":
            lines += [
                f"## {owner} ({summary})",
                "",
                "| state | doc | due | last reviewed | usage | score |",
                "|---|---|---|---|---|---|",
            ]
            lines += [
                f"| {d.state} | [{d.title}]({d.path}) `{d.id}` | {_due_text(d)} | {d.last_reviewed or 'never'} | "
                f"{_usage_text(d)} | {'' if d.score is None else d.score} |"
                for d in docs
            ]
        else:
            lines.append(f"{owner}: {summary}")
            for d in docs:
                extra = f"  usage {_usage_text(d)}  score {d.score}" if d.score is not None else ""
                lines.append(
                    f"  {d.state:14} {d.path}  {_due_text(d)}  last reviewed {d.last_reviewed or 'never'}{extra}"
                )
    if report.bad_lines:
        lines += ["", f"{len(report.bad_lines)} event lines could not be read:"] + [
            f"  {b}" for b in report.bad_lines[:20]
        ]
    return "\n".join(lines)


def _due_text(d: StaleDoc) -> str:
    if d.due is None:
        return "never reviewed"
    if d.days_overdue and d.days_overdue > 0:
        return f"due {d.due} ({d.days_overdue} days overdue)"
    return f"due {d.due} (in {-(d.days_overdue or 0)} days)"


def _usage_text(d: StaleDoc) -> str:
    return "" if d.views is None else f"{d.views} views, {d.clicks} clicks"
