"""Trust signals of a published page: who owns it, when it was reviewed, whether it is overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kbops.model.document import Document
from kbops.model.governance import Governance


@dataclass(frozen=True)
class ReviewState:
    last_reviewed: dt.date | None
    review_due: dt.date | None
    overdue: bool


def owner_name(owner: str, governance: Governance) -> str:
    """The display name of a team or person key from governance.yml (the key itself if undeclared)."""
    if owner in governance.teams:
        return governance.teams[owner].name
    if owner in governance.people:
        return governance.people[owner].name
    return owner


def review_state(doc: Document, governance: Governance, today: dt.date) -> ReviewState:
    """Review due date = last_reviewed + review_every (or the governance default for type and risk)."""
    fm = doc.frontmatter
    if fm is None:
        return ReviewState(None, None, True)
    due = governance.review_due_date(fm)
    if due is None:
        return ReviewState(None, None, True)
    return ReviewState(fm.last_reviewed, due, due < today)
