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


def _approval_hashes(doc: Document | None) -> set[str]:
    entries = (doc.get("approvals") or []) if doc is not None else []
    return (
        {str(e["hash"]) for e in entries if isinstance(e, dict) and e.get("hash")}
        if isinstance(entries, list)
        else set()
    )


def changes_since_previous_approval(
    doc: Document, governance: Governance, history: GitHistory
) -> tuple[ContentChange, ...]:
    """Content-changing commits back to the last approved content (or the doc's creation), newest first.

    Walks the history lazily from the newest commit: an approval of an older content is always recorded in
    the version that replaced that content or in the one before it, so only walked versions are parsed.
    """
    versions = tuple(v for v in history.versions(doc.relpath) if v.blob)
    approved = _approval_hashes(doc)
    changes = []
    for index, version in enumerate(versions):
        newer_doc = history.document_at(version)
        older_doc = history.document_at(versions[index + 1]) if index + 1 < len(versions) else None
        approved |= _approval_hashes(newer_doc) | _approval_hashes(older_doc)
        after = newer_doc.content_hash if newer_doc is not None and newer_doc.parsed else None
        before = older_doc.content_hash if older_doc is not None and older_doc.parsed else None
        if older_doc is not None and before == after:
            continue  # approvals or other tool stamps only
        if older_doc is None and version.commit in history.shallow_commits:
            break  # a shallow clone's boundary commit: its author did not necessarily write the doc
        found = governance.person_by_email(version.author_email)
        changes.append(ContentChange(version, found[0] if found else None))
        if older_doc is None or before in approved:
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
        after
        for before, after in zip(status.requirements, discounted.requirements)
        if before.satisfied and not after.satisfied
    )
    return FourEyesResult(selfish, violated)
