"""`kb review-queue`: governed docs awaiting approval, optionally only those a given reviewer can approve."""

from __future__ import annotations

from dataclasses import dataclass

from kbops.errors import UsageError
from kbops.governance.content_diff import diff_since_approval
from kbops.governance.four_eyes import changes_since_previous_approval
from kbops.governance.history import GitHistory
from kbops.governance.policy import evaluate
from kbops.governance.signatures import INVALID, describe_signer
from kbops.model.governance import Governance
from kbops.model.loader import Corpus


@dataclass(frozen=True)
class QueueItem:
    id: str
    title: str
    path: str
    status: str
    owner: str
    reason: str  # "in review" | "approval stale since DATE" | "never approved" | "approvals insufficient"
    waiting_for: tuple[str, ...]  # unmet requirements, e.g. "1 from compliance (regulated-content)"
    content_hash: str
    # commits by the reviewer since the last approved content: four-eyes will not count their approval
    own_changes: tuple[str, ...] = ()
    change: str = ""  # one-line summary of the content change since the last approved version (needs git)
    # current approvals and their signatures: "sofia@… signed SHA256:…", "ana@… DOES NOT VERIFY: …"
    approvals: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewQueue:
    reviewer: str | None  # person key when filtered
    items: tuple[QueueItem, ...]

    def as_dict(self) -> dict:
        return {
            "reviewer": self.reviewer,
            "items": [
                {
                    **vars(i),
                    "waiting_for": list(i.waiting_for),
                    "own_changes": list(i.own_changes),
                    "approvals": list(i.approvals),
                }
                for i in self.items
            ],
        }


def review_queue(
    corpus: Corpus, governance: Governance, reviewer_email: str | None = None, history: GitHistory | None = None
) -> ReviewQueue:
    """Docs in review, or published without sufficient current approvals, whose unmet requirements the reviewer can meet.

    With git `history`, items the reviewer changed themselves say so: their approval would not count (four-eyes).
    """
    person = None
    if reviewer_email:
        found = governance.person_by_email(reviewer_email)
        if found is None:
            raise UsageError(f"{reviewer_email} is not declared in governance.yml people\n{reviewers_hint(governance)}")
        person = found[0]
    items = []
    for doc in corpus.docs:
        if not doc.parsed or doc.get("status") not in ("review", "published"):
            continue
        status = evaluate(doc, governance)
        if not status.governed or status.sufficient:
            continue
        unmet = status.missing
        if person is not None:
            unmet = tuple(r for r in unmet if person in r.eligible and person not in r.approvers)
            if not unmet:
                continue
        broken = [a for a in status.current if a.signature.state == INVALID]
        if doc.get("status") == "review":
            reason = "in review"
        elif broken:
            reason = "approval does not verify (signature)"
        elif status.stale and not status.current:
            reason = f"approval stale since {max(a.date for a in status.stale)}"
        elif not status.current:
            reason = "never approved"
        else:
            reason = "approvals insufficient"
        own: tuple[str, ...] = ()
        if person is not None and history is not None and history.available:
            own = tuple(
                c.describe() for c in changes_since_previous_approval(doc, governance, history) if c.who == person
            )
        change = (
            diff_since_approval(doc, history, governance, context=0).summary()
            if history is not None and history.available
            else ""
        )
        items.append(
            QueueItem(
                doc.id or "",
                doc.title,
                doc.relpath,
                str(doc.get("status")),
                str(doc.get("owner")),
                reason,
                tuple(f"{r.describe()} ({r.policy})" for r in unmet),
                doc.content_hash,
                own,
                change,
                tuple(f"{a.reviewer} {describe_signer(a.signature)}" for a in status.current),
            )
        )
    return ReviewQueue(person, tuple(items))


def render_queue(queue: ReviewQueue) -> str:
    who = f" for {queue.reviewer}" if queue.reviewer else ""
    if not queue.items:
        return f"Nothing awaits review{who}."
    count = len(queue.items)
    lines = [f"{count} {'doc awaits' if count == 1 else 'docs await'} review{who}:"]
    for item in queue.items:
        lines.append(f"  {item.path}  [{item.status}] {item.reason}; waiting for {'; '.join(item.waiting_for)}")
        if item.change:
            lines.append(f"    {item.change}")
        for approval in item.approvals:
            lines.append(f"    current approval: {approval}")
        if item.own_changes:
            lines.append(
                f"    you changed it in {', '.join(item.own_changes)}: your approval would not count (four-eyes)"
            )
    return "\n".join(lines)


def reviewers_hint(governance: Governance) -> str:
    """Who reviews what (active members per reviewer group), and the `--reviewer` form with one of them."""
    lines, first = [], None
    for name, group in governance.reviewer_groups.items():
        emails = sorted(
            governance.people[m].emails[0]
            for m in group.members
            if m in governance.people and governance.people[m].active
        )
        if emails:
            lines.append(f"  {name}: {', '.join(emails)}")
            first = first or emails[0]
    if not lines:
        return "governance.yml declares no reviewer group with active members"
    example = f"kb review-queue --reviewer {first}"
    return "declared reviewers:\n" + "\n".join(lines) + f"\nshow one reviewer's queue: {example}"
