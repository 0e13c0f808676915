"""Trust signals of a published page: who owns it, when it was reviewed, whether it is overdue."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from kbops.model.document import Document
from kbops.model.governance import Governance
from kbops.model.schema import duration_days


@dataclass(frozen=True)
class ReviewState:
    last_reviewed: Optional[dt.date]
    review_due: Optional[dt.date]
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
    if fm.review_every:
        days = duration_days(fm.review_every)
    else:
        days = governance.review_interval_days(str(fm.type), str(fm.risk))
    if fm.last_reviewed is None:
        return ReviewState(None, None, True)
    due = fm.last_reviewed + dt.timedelta(days=days)
    return ReviewState(fm.last_reviewed, due, due < today)
