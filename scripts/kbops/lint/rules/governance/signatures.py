"""KB813: an approval proves who gave it: an SSH signature by the reviewer's enrolled key over exactly this approval."""

from __future__ import annotations

from kbops.governance.policy import evaluate, matching_policies
from kbops.governance.signatures import INVALID, UNSIGNED
from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.model.document import Document

PUBLISHED = "published"


@rule("KB813", "approval-signature")
def approval_signature(doc: Document, ctx: LintContext):
    """A current approval is not signed by the reviewer's own key, or its signature does not verify.

    What it checks:
        Each current approval of a governed doc carries a `signature`: an SSH signature (namespace
        `kbops-approval`, as `kb approve` makes it) over the doc id, content hash, reviewer, date and
        policy, by a key enrolled for that reviewer in governance.yml (`people.X.keys`, or the
        `signing.allowed_signers` file it names), not revoked, and valid on the approval's date.
        Verified offline, in-process. An approval whose signature fails does not count, whatever the
        policy (error). Where a matching policy has `require_signed: true` an unsigned approval does not
        count either: an error when the published doc needs it, a warning when signed approvals meet its
        policies anyway. Elsewhere an unsigned approval counts, with a warning: it proves nothing.

    Why it matters:
        Without a signature an approval is a line of YAML that anyone with write access can type:
        an author can "approve" as Compliance, or copy Sofia's entry from another SOP. Regulators and
        auditors (PSD2, GDPR, CONDUSEF) need a record that proves itself from the repository alone,
        not from one forge's database.

    Bad:
        approvals:
          - reviewer: sofia.rossi@northwind-spend.example
            date: 2026-11-02
            hash: 9be0...
            signature: U1NIU0lHAAAAAQ...   # copied from another doc, or signed with Ana's key

    Good:
        approvals:
          - reviewer: sofia.rossi@northwind-spend.example
            date: 2026-11-02
            hash: 9be0...
            policy: regulated-content
            signature: U1NIU0lHAAAAAQ...   # `kb approve` run by Sofia, with her enrolled key

    How to fix:
        Remove the entry and ask the reviewer to run `kb approve PATH` themselves (it signs with their
        git `user.signingkey`, an ssh-agent key or `--key FILE`). If their key changed, enrol the new
        one in governance.yml (a governed change) and give the old one a `valid_before` date.
    """
    if not doc.parsed or not doc.get("approvals"):
        return
    status = evaluate(doc, ctx.governance)
    if not status.governed:
        return
    policies = matching_policies(doc, ctx.governance)
    required = [p.name for p in policies if p.require_signed]
    published = doc.get("status") == PUBLISHED
    for approval in status.current:
        check = approval.signature
        who = f"approval by {approval.reviewer} ({approval.date})"
        if check.state == INVALID and approval.person is not None:
            yield Finding(
                approval.line,
                f"{who} does not count: {check.reason}. Remove the entry and ask "
                f"{approval.reviewer} to run `kb approve {doc.relpath}` with their own enrolled key",
            )
        elif check.state == UNSIGNED and required:
            needed = published and not status.sufficient  # met by signed approvals anyway: only clutter
            yield Finding(
                approval.line,
                f"{who} is unsigned and policy {', '.join(required)} requires signed "
                f"approvals, so it does not count; ask {approval.reviewer} to re-approve with `kb approve "
                f"{doc.relpath}` (signs with their enrolled SSH key)" + ("" if needed else ", or remove it"),
                severity=None if needed else "warning",
            )
        elif check.state == UNSIGNED:
            yield Finding(
                approval.line,
                f"{who} is unsigned: anyone with write access could have written it; "
                f"re-approve with `kb approve` and a key enrolled in governance.yml (or set "
                "`require_signed: true` on the policy)",
                severity="warning",
            )
