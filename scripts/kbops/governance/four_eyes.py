"""Four-eyes: an approval does not count when its reviewer authored a content change it approves."""
from __future__ import annotations

from dataclasses import dataclass

from kbops.governance.history import GitHistory, Version
from kbops.governance.policy import ApprovalRecord, RequirementStatus, evaluate
from kbops.model.document import Document
from kbops.model.governance import Governance


@dataclass(frozen=True)
class ContentChange:
    """A commit that changed a doc's governed content (approval-only commits are not content changes)."""

    version: Version
    person: str | None  # governance.yml person key of the commit author, when declared

    @property
    def who(self) -> str:
        return self.person or self.version.author_email.lower()

    def describe(self) -> str:
        v = self.version
        return f"{v.short} ({v.day}, {v.subject!r})"


@dataclass(frozen=True)
class SelfApproval:
    approval: ApprovalRecord
    changes: tuple[ContentChange, ...]


@dataclass(frozen=True)
class FourEyesResult:
    self_approvals: tuple[SelfApproval, ...]
    # requirements met when self-approvals count, unmet when they do not: the four-eyes violations
    violated: tuple[RequirementStatus, ...]


def approved_hashes(doc: Document, versions: tuple[Version, ...], history: GitHistory) -> set[str]:
    """Every content hash ever approved in the doc's history (and in the working copy)."""
    hashes = set()
    for source in [doc] + [history.document_at(v) for v in versions]:
        for entry in (source.get("approvals") or []) if source is not None else []:
            if isinstance(entry, dict) and entry.get("hash"):
                hashes.add(str(entry["hash"]))
    return hashes


def changes_since_previous_approval(doc: Document, governance: Governance, history: GitHistory) -> tuple[ContentChange, ...]:
    """Content-changing commits back to the last approved content (or the doc's creation), newest first."""
    versions = tuple(v for v in history.versions(doc.relpath) if v.blob)
    if not versions:
        return ()
    approved = approved_hashes(doc, versions, history)
    hashes = [history.content_hash_at(v) for v in versions]
    changes = []
    for index, version in enumerate(versions):
        before = hashes[index + 1] if index + 1 < len(versions) else None
        if before is not None and before == hashes[index]:
            continue  # approvals or other tool stamps only
        if before is None and version.commit in history.shallow_commits:
            break  # a shallow clone's boundary commit: its author did not necessarily write the doc
        found = governance.person_by_email(version.author_email)
        changes.append(ContentChange(version, found[0] if found else None))
        if before is None or before in approved:
            break
    return tuple(changes)


def check_four_eyes(doc: Document, governance: Governance, history: GitHistory) -> FourEyesResult:
    """Which current approvals are self-approvals, and which requirements they alone were satisfying."""
    status = evaluate(doc, governance)
    if not status.current:
        return FourEyesResult((), ())
    changes = changes_since_previous_approval(doc, governance, history)
    by_author: dict[str, list[ContentChange]] = {}
    for change in changes:
        by_author.setdefault(change.who, []).append(change)
    selfish = tuple(SelfApproval(a, tuple(by_author[a.who])) for a in status.current if a.who in by_author)
    if not selfish:
        return FourEyesResult((), ())
    discounted = evaluate(doc, governance, discounted={s.approval.who for s in selfish})
    violated = tuple(
        after for before, after in zip(status.requirements, discounted.requirements) if before.satisfied and not after.satisfied
    )
    return FourEyesResult(selfish, violated)
