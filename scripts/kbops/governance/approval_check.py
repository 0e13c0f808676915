"""Would an approval count? Lint's eligibility and four-eyes rules, asked before `kb approve` writes, and what a doc still needs."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from kbops.governance.four_eyes import ContentChange, changes_since_previous_approval
from kbops.governance.history import GitHistory, Version
from kbops.governance.policy import RequirementStatus, evaluate, matching_policies, may_approve, reviewer_groups_of
from kbops.model.document import Document
from kbops.model.governance import Governance

WORKING_COPY = "working copy"


@dataclass(frozen=True)
class Objection:
    """Why an approval by this person would not count, and who could give one that does."""

    reason: str
    could_approve: tuple[str, ...]  # "compliance: sofia.rossi@…" per requirement, self-authors left out
    suggestion: str | None  # an e-mail to show in the `--as` form


def authored_changes(
    doc: Document, governance: Governance, history: GitHistory | None, working_copy_email: str | None = None
) -> tuple[ContentChange, ...]:
    """Content changes since the last approved content, newest first: uncommitted edits, then commits.

    Uncommitted content changes (the working copy differs from HEAD, or the file is not committed yet) are
    attributed to `working_copy_email`, the person who will commit them (git config user.email).
    """
    if history is None or not history.available:
        return ()
    versions = [v for v in history.versions(doc.relpath) if v.blob]
    head = history.document_at(versions[0]) if versions else None
    changes: list[ContentChange] = []
    if head is None or not head.parsed or head.content_hash != doc.content_hash:
        email = working_copy_email or ""
        found = governance.person_by_email(email) if email else None
        pending = Version("", "", email, "", "uncommitted changes", doc.relpath, "M", "")
        changes.append(ContentChange(pending, found[0] if found else None))
        approved = {str(a.get("hash")) for a in (doc.get("approvals") or []) if isinstance(a, dict)}
        if head is None or (head.parsed and head.content_hash in approved):
            return tuple(changes)
    return tuple(changes) + changes_since_previous_approval(doc, governance, history)


def describe_change(change: ContentChange) -> str:
    return "uncommitted edits in the working copy" if not change.version.commit else change.describe()


def _emails(people, governance: Governance) -> list[str]:
    return sorted(governance.people[p].emails[0] for p in people if p in governance.people)


def key_holders(governance: Governance) -> frozenset[str]:
    """People with at least one enrolled, unrevoked signing key (those whose approval can be signed)."""
    revoked = set(governance.signing.revoked_keys)
    return frozenset(
        p
        for p, person in governance.people.items()
        if any(k.revoked is None and k.fingerprint not in revoked for k in person.keys)
    )


def could_approve(
    doc: Document, governance: Governance, excluded: AbstractSet[str] = frozenset()
) -> tuple[tuple[str, ...], str | None]:
    """("group: e-mails" per requirement, first suggestion): only people whose approval would count now.

    Left out: `excluded` (authors of the change, four-eyes), people already counted, and, for a policy with
    `require_signed`, people with no enrolled signing key. A requirement already met says so.
    """
    status = evaluate(doc, governance, discounted=excluded)
    signers = key_holders(governance)
    signed_policies = {p.name for p in matching_policies(doc, governance) if p.require_signed}
    lines, first = [], None
    for req in status.requirements:
        if req.satisfied:
            lines.append(f"{req.label}: already satisfied (by {', '.join(_emails(req.approvers, governance))})")
            continue
        candidates = req.eligible - excluded - set(req.approvers)
        keyless = candidates - signers if req.policy in signed_policies else set()
        emails = _emails(candidates - keyless, governance)
        if emails:
            lines.append(f"{req.label}: {', '.join(emails)}")
        elif keyless:
            lines.append(
                f"{req.label}: nobody with an enrolled signing key ({', '.join(_emails(keyless, governance))} "
                "must enrol one in governance.yml first)"
            )
        else:
            lines.append(f"{req.label}: nobody left (add a reviewer to {req.group!r} in governance.yml)")
        first = first or (emails[0] if emails else None)
    if not status.requirements:  # ungoverned: any reviewer-group member or the owner team
        people = {
            p for p, person in governance.people.items() if person.active and may_approve(p, doc, governance)
        } - excluded
        emails = _emails(people, governance)
        if emails:
            lines.append(f"any reviewer or the owner: {', '.join(emails)}")
            first = emails[0]
    return tuple(dict.fromkeys(lines)), first


def objection(
    person: str,
    doc: Document,
    governance: Governance,
    history: GitHistory | None,
    working_copy_email: str | None = None,
) -> Objection | None:
    """None when `person`'s approval of the doc's current content would count; else why not (lint's KB803, KB804)."""
    email = governance.people[person].emails[0]
    status = evaluate(doc, governance)
    changes = authored_changes(doc, governance, history, working_copy_email)
    authors = {c.who for c in changes}
    if status.governed and not any(person in r.eligible for r in status.requirements):
        needs = "; ".join(f"{r.policy}: {r.describe()}" for r in status.requirements)
        groups = ", ".join(reviewer_groups_of(person, governance)) or "no reviewer group"
        lines, first = could_approve(doc, governance, excluded=authors)
        return Objection(
            f"{email} ({groups}) is eligible for no requirement of this doc ({needs}); "
            "the approval would count for nothing (KB803)",
            lines,
            first,
        )
    if not status.governed and not may_approve(person, doc, governance):
        lines, first = could_approve(doc, governance, excluded=authors)
        return Objection(
            f"{email} belongs to no reviewer group and is not in the owner {doc.get('owner')!r}", lines, first
        )
    own = [c for c in changes if c.who == person]
    if own:
        lines, first = could_approve(doc, governance, excluded=authors)
        where = "; ".join(describe_change(c) for c in own[:3]) + (f" and {len(own) - 3} more" if len(own) > 3 else "")
        return Objection(
            f"{email} changed this content since its last approval ({where}); four-eyes: their "
            "approval would not count (KB804)",
            lines,
            first,
        )
    return None


def still_needed(
    doc: Document, governance: Governance, history: GitHistory | None, working_copy_email: str | None = None
) -> tuple[RequirementStatus, ...]:
    """Requirements not met by current approvals that count (authors of changes since approval discounted)."""
    authors = {c.who for c in authored_changes(doc, governance, history, working_copy_email)}
    return evaluate(doc, governance, discounted=authors).missing


def describe_missing(requirements: tuple[RequirementStatus, ...]) -> list[str]:
    """ "1 from compliance (regulated-content)" for each unmet requirement: how many more approvals it needs."""
    return [f"{r.count - len(r.approvers)} from {r.label} ({r.policy})" for r in requirements]
