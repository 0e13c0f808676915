"""KB801-KB803: a published governed doc carries current, sufficient approvals from eligible reviewers."""

from __future__ import annotations

from kbops.governance.policy import evaluate
from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.model.document import Document

PUBLISHED = "published"


def approvals_line(doc: Document) -> int:
    """Where to report an approval problem: the `approvals` key, else `status`."""
    return doc.line_of("approvals") if "approvals" in doc.meta else doc.line_of("status")


def _emails(people: frozenset[str] | set[str], ctx: LintContext) -> str:
    return (
        ", ".join(sorted(ctx.governance.people[p].emails[0] for p in people if p in ctx.governance.people)) or "nobody"
    )


@rule("KB801", "approval-missing")
def approval_missing(doc: Document, ctx: LintContext):
    """A published governed doc has no current approval: never approved, or changed since it was approved.

    What it checks:
        A `published` doc that matches an approval policy of governance.yml carries at least one approval
        whose `hash` equals the doc's content hash now (body plus governed front-matter fields).

    Why it matters:
        Agents and customers act on what the knowledge base says. For regulated or operational content,
        what is published must be exactly what the responsible reviewers signed off; any later edit,
        even a one-word change to a refund deadline, needs a fresh look.

    Bad:
        approvals:
          - reviewer: sofia.rossi@northwind-spend.example
            date: 2026-09-01
            hash: 3f1c...   # the content was edited after this approval

    Good:
        approvals:
          - reviewer: sofia.rossi@northwind-spend.example
            date: 2026-11-02
            hash: 9be0...   # equals the current content hash

    How to fix:
        Ask a reviewer of the required group to review the change and run `kb approve PATH`
        (`kb review-queue --reviewer EMAIL` lists what awaits them).
    """
    if not doc.parsed or doc.get("status") != PUBLISHED:
        return
    status = evaluate(doc, ctx.governance)
    if not status.governed or status.current:
        return
    needs = "; ".join(f"{r.policy}: {r.describe()}" for r in status.requirements)
    if status.stale:
        latest = max(status.stale, key=lambda a: a.date)
        yield Finding(
            approvals_line(doc),
            f"approved content changed since {latest.date} (approved hash {latest.hash[:12]} by {latest.reviewer}, "
            f"content is now {doc.content_hash[:12]}); needs re-approval ({needs}) with `kb approve`",
        )
    else:
        yield Finding(approvals_line(doc), f"published governed doc has no approval; needs {needs} (`kb approve`)")


@rule("KB802", "approvals-insufficient")
def approvals_insufficient(doc: Document, ctx: LintContext):
    """A published governed doc has current approvals, but not enough from every required group.

    What it checks:
        Each requirement of each matching policy (a reviewer group, or `owner` = the owner team's
        members or the owner person, and a count) is met by current approvals of distinct people.

    Why it matters:
        A compliance-tagged SOP approved only by its editor has not been checked by Compliance; policy
        counts exist because one pair of eyes was not enough for that class of content.

    Bad:
        compliance: [gdpr]
        approvals:
          - reviewer: ana.garcia@northwind-spend.example   # a content reviewer, not Compliance

    Good:
        compliance: [gdpr]
        approvals:
          - reviewer: sofia.rossi@northwind-spend.example  # member of the compliance group

    How to fix:
        Ask a member of the missing group (listed in the message) to review and run `kb approve PATH`.
    """
    if not doc.parsed or doc.get("status") != PUBLISHED:
        return
    status = evaluate(doc, ctx.governance)
    if not status.governed or not status.current:
        return  # KB801 reports docs without any current approval
    for req in status.missing:
        yield Finding(
            approvals_line(doc),
            f"policy {req.policy!r} needs {req.describe()}, has {len(req.approvers)} current "
            f"(eligible: {_emails(req.eligible, ctx)})",
        )


@rule("KB803", "approver-not-eligible", severity="warning")
def approver_not_eligible(doc: Document, ctx: LintContext):
    """An approval comes from someone who is in none of the groups the doc's policies require.

    What it checks:
        Every current approval of a governed doc names a person declared in governance.yml who belongs
        to a required reviewer group or to the owner team.

    Why it matters:
        An approval from outside the required groups counts for nothing; leaving it in place suggests a
        sign-off that did not happen, and an undeclared e-mail cannot be traced to anyone.

    Bad:
        approvals:
          - reviewer: someone@gmail.example

    Good:
        approvals:
          - reviewer: lucia.martin@northwind-spend.example

    How to fix:
        Remove the entry and ask a member of a required group to approve, or add the reviewer to the right
        group in governance.yml if that is what the organisation intends.
    """
    if not doc.parsed:
        return
    status = evaluate(doc, ctx.governance)
    if not status.governed:
        return
    groups = ", ".join(dict.fromkeys(r.label for r in status.requirements))
    for approval in status.counting_for_nothing():
        if approval.person is None:
            yield Finding(
                approval.line, f"approval by {approval.reviewer} names nobody declared in governance.yml people"
            )
        else:
            yield Finding(
                approval.line,
                f"approval by {approval.reviewer} counts for no requirement of this doc (needs: {groups})",
            )
