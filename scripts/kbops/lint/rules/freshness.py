"""KB4xx: freshness: reviews overdue or due soon, and inline `<!-- expires YYYY-MM-DD -->` blocks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.lint.rules._text import line_at
from kbops.model.document import Document

EXPIRES = re.compile(r"<!--\s*expires\b:?\s*(\S*?)[:,;]?\s*(?:-->|\s)", re.IGNORECASE)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_expiry(raw: str) -> dt.date | None:
    """A marker's date, or None when it is not a real YYYY-MM-DD date."""
    if not ISO_DATE.fullmatch(raw):
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def review_due(doc: Document, ctx: LintContext) -> dt.date | None:
    """The date a published doc's review falls due: last_reviewed + review_every (or the governance default)."""
    fm = doc.frontmatter
    if fm is None or fm.status != "published" or fm.last_reviewed is None:
        return None
    return ctx.governance.review_due_date(fm)


@rule("KB401", "review-overdue")
def review_overdue(doc: Document, ctx: LintContext):
    """A published document's review date has passed.

    What it checks:
        For published docs, `last_reviewed` + the review interval is not before today. The interval is
        `review_every` when set, else governance.yml `review_intervals[type][risk]` (then
        `review_intervals.default[risk]`, then 365 days). Reported at `last_reviewed`.

    Why it matters:
        Fees, limits, regulations and escalation contacts change. An agent quoting an unreviewed
        procedure to a customer is how a support team breaks a regulatory promise.

    Bad:
        type: sop
        risk: high
        last_reviewed: 2025-01-10   # 90-day interval: overdue since 2025-04-10

    Good:
        last_reviewed: 2026-10-01

    How to fix:
        Check the content against current policy with the owner, update it, then set `last_reviewed`
        to today (`kb stale` lists every overdue doc by owner).
    """
    due = review_due(doc, ctx)
    fm = doc.frontmatter
    if due is not None and due < ctx.today and fm is not None and fm.last_reviewed is not None:  # both set with `due`
        overdue = (ctx.today - due).days
        yield Finding(
            doc.line_of("last_reviewed"),
            f"review overdue since {due.isoformat()} ({overdue} days; last reviewed {fm.last_reviewed.isoformat()})",
        )


@rule("KB402", "review-due-soon", "warning")
def review_due_soon(doc: Document, ctx: LintContext):
    """A published document's review falls due soon.

    What it checks:
        For published docs, the review due date (see KB401) is today or within the next N days, where
        N is `[tool.kbops.lint] due_soon_days`, else governance.yml `due_soon` (default 14 days).

    Why it matters:
        A warning two weeks ahead lets the owner schedule the review before the doc turns red and
        blocks an unrelated pull request.

    Bad:
        last_reviewed: 2026-05-30   # 180-day interval, due 2026-11-26, today 2026-11-22

    Good:
        last_reviewed: 2026-11-20

    How to fix:
        Review the doc with its owner and set `last_reviewed` to the review date.
    """
    due = review_due(doc, ctx)
    horizon = ctx.lint.due_soon_days or ctx.governance.due_soon_days()
    if due is not None and ctx.today <= due <= ctx.today + dt.timedelta(days=horizon):
        days = (due - ctx.today).days
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        yield Finding(doc.line_of("last_reviewed"), f"review due {when} ({due.isoformat()})")


def _expiry_markers(doc: Document) -> Iterator[tuple[int, str]]:
    """(line, raw date) of every `<!-- expires ... -->` marker outside code."""
    for block in doc.blocks:
        if block.kind in ("html", "html_inline"):
            for match in EXPIRES.finditer(block.text):
                yield line_at(block.line, block.text, match.start(1)), match.group(1)


@rule("KB403", "expired-content")
def expired_content(doc: Document, ctx: LintContext):
    """An inline `<!-- expires YYYY-MM-DD -->` marker is past its date.

    What it checks:
        Every `<!-- expires YYYY-MM-DD -->` comment (outside code) names a date that is today or later.
        Reported at the comment's line.

    Why it matters:
        Promotions, temporary fee waivers, outage workarounds and regulatory deadlines are true only
        until a date. The marker makes the linter, not a customer complaint, notice when they lapse.

    Bad:
        <!-- expires 2026-01-31 -->
        Top-up fees are waived in January.

    Good:
        <!-- expires 2027-01-31 -->
        Top-up fees are waived until 31 January 2027.

    How to fix:
        Remove or update the expired passage, then remove the marker or move its date.
    """
    for line, raw in _expiry_markers(doc):
        expires = parse_expiry(raw)
        if expires is not None and expires < ctx.today:
            yield Finding(line, f"content expired on {expires.isoformat()} ({(ctx.today - expires).days} days ago)")


@rule("KB404", "invalid-expiry-marker")
def invalid_expiry_marker(doc: Document, ctx: LintContext):
    """An `<!-- expires ... -->` marker does not hold a valid YYYY-MM-DD date.

    What it checks:
        The word after `expires` in an expiry comment is a real calendar date written `YYYY-MM-DD`.

    Why it matters:
        A marker such as `<!-- expires 31/01/2027 -->` looks like protection but is never checked, so
        the temporary text stays published forever.

    Bad:
        <!-- expires 31/01/2027 -->

    Good:
        <!-- expires 2027-01-31 -->

    How to fix:
        Write the date as `YYYY-MM-DD`.
    """
    for line, raw in _expiry_markers(doc):
        if parse_expiry(raw) is None:
            problem = "is not a calendar date" if ISO_DATE.fullmatch(raw) else "is not written YYYY-MM-DD"
            yield Finding(line, f"expiry marker date {raw or '(missing)'!r} {problem}")
