"""KB8xx: governance: approvals bound to content, four-eyes, owners, translation drift, deprecation, CODEOWNERS."""
from __future__ import annotations

import difflib

from kbops.governance import codeowners as codeowners_mod
from kbops.governance.deprecation import missing_redirects, old_paths, reserved_ids, reused_reserved_id
from kbops.governance.drift import drift_message
from kbops.governance.four_eyes import check_four_eyes
from kbops.governance.history import history_for
from kbops.governance.policy import evaluate, is_governed, owner_people
from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.model.document import Document
from kbops.model.loader import Corpus
from kbops.model.translations import translation_status

PUBLISHED = "published"
# Rules whose triggering cases need a real git history; their tests build repositories in
# tests/governance/test_rules.py, so the static fixture folders only hold clean cases for them.
NEEDS_GIT_HISTORY = frozenset({"KB804", "KB810"})


def _approvals_line(doc: Document) -> int:
    return doc.line_of("approvals") if "approvals" in doc.meta else doc.line_of("status")


def _emails(people: frozenset[str] | set[str], ctx: LintContext) -> str:
    return ", ".join(sorted(ctx.governance.people[p].emails[0] for p in people if p in ctx.governance.people)) or "nobody"


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
            _approvals_line(doc),
            f"approved content changed since {latest.date} (approved hash {latest.hash[:12]} by {latest.reviewer}, "
            f"content is now {doc.content_hash[:12]}); needs re-approval ({needs}) with `kb approve`",
        )
    else:
        yield Finding(_approvals_line(doc), f"published governed doc has no approval; needs {needs} (`kb approve`)")


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
            _approvals_line(doc),
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
            yield Finding(approval.line, f"approval by {approval.reviewer} names nobody declared in governance.yml people")
        else:
            yield Finding(approval.line, f"approval by {approval.reviewer} counts for no requirement of this doc (needs: {groups})")


@rule("KB804", "self-approval", kind="corpus")
def self_approval(corpus: Corpus, ctx: LintContext):
    """An approval is needed but comes from an author of the approved change (four-eyes).

    What it checks:
        For each published governed doc, git history (renames followed) gives the authors of commits that changed
        the content since the previous approval. Their own approvals do not count; the rule fires when a
        requirement is met only thanks to such a self-approval. Commits that only add approvals are not
        content changes. Outside a git repository the check is skipped (KB811 says so).

    Why it matters:
        The point of review is a second person. A writer approving their own edit of a regulated SOP is
        exactly the failure auditors look for.

    Bad:
        Ana edits sops/gdpr/erasure.md, then runs `kb approve` herself as the only compliance approval.

    Good:
        Ana edits the SOP; Sofia (another compliance reviewer) runs `kb approve` on it.

    How to fix:
        Ask another member of the required group to review and approve. The self-approval may stay; it
        simply does not count.
    """
    history = history_for(ctx, ctx.settings.root)
    if not history.available:
        return
    candidates = [
        doc for doc in corpus.docs
        if doc.parsed and doc.get("status") == PUBLISHED and doc.get("approvals") and is_governed(doc, ctx.governance)
    ]
    history.prefetch([doc.relpath for doc in candidates])
    for doc in candidates:
        result = check_four_eyes(doc, ctx.governance, history)
        if not result.violated:
            continue
        needed = ", ".join(dict.fromkeys(r.label for r in result.violated))
        for selfish in result.self_approvals:
            commits = "; ".join(c.describe() for c in selfish.changes[:3])
            more = f" and {len(selfish.changes) - 3} more" if len(selfish.changes) > 3 else ""
            yield Finding(
                selfish.approval.line,
                f"approval by {selfish.approval.reviewer} does not count: they changed the approved content in "
                f"{commits}{more}; four-eyes needs another reviewer from {needed}",
                path=doc.relpath,
            )


@rule("KB805", "owner-not-declared")
def owner_not_declared(doc: Document, ctx: LintContext):
    """The doc's owner is not (or no longer) a declared team or active person in governance.yml.

    What it checks:
        `owner` names a team or a person of governance.yml; a person owner is active; a team owner has at
        least one active member.

    Why it matters:
        Ownership drives reviews, the stale report and CODEOWNERS. When a team is renamed or a person
        leaves, their docs silently stop being reviewed unless someone notices.

    Bad:
        owner: payments-team     # renamed to cards-support last quarter

    Good:
        owner: cards-support

    How to fix:
        Hand the doc to a declared team (prefer teams over people), or declare the owner in governance.yml.
    """
    owner = doc.get("owner")
    if not doc.parsed or not isinstance(owner, str) or not owner or doc.get("status") == "archived":
        return
    governance = ctx.governance
    line = doc.line_of("owner")
    if not governance.is_owner(owner):
        close = difflib.get_close_matches(owner, [*governance.teams, *governance.people], n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f"; declared teams: {', '.join(governance.teams) or 'none'}"
        yield Finding(line, f"owner {owner!r} is not declared in governance.yml{hint}")
    elif owner in governance.people and not governance.people[owner].active:
        yield Finding(line, f"owner {owner!r} is marked inactive in governance.yml; hand the doc to a team")
    elif owner in governance.teams and not owner_people(owner, governance):
        yield Finding(line, f"owner team {owner!r} has no active members in governance.yml")


@rule("KB806", "translation-drift", severity="warning", kind="corpus")
def translation_drift(corpus: Corpus, ctx: LintContext):
    """A translation was made from an older version of its source doc.

    What it checks:
        A doc with `translation_of` records in `source_hash` the content hash of the source it was
        translated from; the rule warns when the source's hash is different now, and summarises the
        source's change from git (commits, latest author and message, lines added and removed).

    Why it matters:
        Spanish- and French-speaking agents otherwise follow last quarter's procedure: a fee, a deadline
        or an escalation contact changed in English but not in their language. The site shows the same
        "outdated translation" notice from the same function.

    Bad:
        translation_of: card-declined
        source_hash: 1a2b...     # the English source was edited since

    Good:
        translation_of: card-declined
        source_hash: 9be0...     # the source's current content hash

    How to fix:
        Update the translation to match the source, then run `kb translated PATH`, which sets
        `source_hash` to the source's current hash (the message shows it too).
    """
    history = None
    for doc in corpus.docs:
        if not doc.parsed or doc.get("status") == "archived":
            continue
        status = translation_status(doc, corpus.by_id)
        if status is None or not status.outdated:
            continue
        if history is None:
            history = history_for(ctx, ctx.settings.root)
        line = doc.line_of("source_hash") if "source_hash" in doc.meta else doc.line_of("translation_of")
        yield Finding(line, drift_message(doc, status, history), path=doc.relpath)


@rule("KB807", "deprecated-without-successor")
def deprecated_without_successor(doc: Document, ctx: LintContext):
    """A deprecated doc does not say what replaces it.

    What it checks:
        A doc with `status: deprecated` has `superseded_by` naming the id of another existing doc of the
        knowledge base.

    Why it matters:
        Deprecated pages stay published with a banner so old links keep working; without a successor
        the reader is told "do not use this" and left with nothing.

    Bad:
        status: deprecated

    Good:
        status: deprecated
        superseded_by: card-declined-v2

    How to fix:
        Add `superseded_by: <id of the replacement>`, or archive the doc if nothing replaces it.
    """
    if not doc.parsed or doc.get("status") != "deprecated":
        return
    successor = doc.get("superseded_by")
    if not successor:
        yield Finding(doc.line_of("status"), "deprecated doc has no superseded_by; name the id of the doc that replaces it")
    elif ctx.known_ids and successor not in ctx.known_ids:
        yield Finding(doc.line_of("superseded_by"), f"superseded_by names unknown doc id {successor!r}")
    elif successor == doc.id:
        yield Finding(doc.line_of("superseded_by"), "superseded_by names the doc itself")


@rule("KB808", "reserved-id-reused", kind="corpus")
def reserved_id_reused(corpus: Corpus, ctx: LintContext):
    """A doc uses the id of an archived doc, or an id retired in governance.yml.

    What it checks:
        Archived docs keep their id reserved, and ids listed in governance.yml `retired_ids` (docs
        deleted from the repository) are never used again.

    Why it matters:
        Links, analytics, approvals and bot training data refer to ids. Reusing one merges the history of
        two different pieces of content: old bookmarks land on the wrong page and last year's view counts
        are credited to new content.

    Bad:
        id: card-declined      # the archived 2024 guide already had this id

    Good:
        id: card-declined-2026

    How to fix:
        Choose a new id. To bring an archived doc back, change its status instead of creating a new file.
    """
    reserved = reserved_ids(corpus, ctx.governance)
    if not reserved:
        return
    for doc in corpus.docs:
        why = reused_reserved_id(doc, reserved, corpus)
        if why:
            yield Finding(doc.line_of("id"), f"id {doc.id!r} is reserved ({why}); choose a new id", path=doc.relpath)


@rule("KB809", "codeowners-out-of-sync", kind="corpus")
def codeowners_out_of_sync(corpus: Corpus, ctx: LintContext):
    """.github/CODEOWNERS does not match the docs' owners.

    What it checks:
        When `.github/CODEOWNERS` exists, every doc has the line `kb codeowners` would write (owner team
        handles plus those of required reviewer groups), and no line names a file that no longer exists.
        Knowledge bases without the file are not checked.

    Why it matters:
        The forge asks CODEOWNERS for reviews; if it drifts from governance.yml, pull requests request the
        wrong people and the forge's protection no longer matches the approval policy.

    Bad:
        /sops/refunds.md @northwind/support-ops     # the doc's owner is now banking-ops

    Good:
        /sops/refunds.md @northwind/banking-ops

    How to fix:
        Run `kb codeowners` and commit the result.
    """
    path = ctx.settings.root / codeowners_mod.CODEOWNERS_PATH
    if not path.is_file():
        return
    where = codeowners_mod.CODEOWNERS_PATH.as_posix()
    present = codeowners_mod.parse(path.read_text(encoding="utf-8", errors="replace"))
    for pattern, handles in codeowners_mod.expected_entries(corpus, ctx.governance).items():
        found = present.get(pattern)
        if found is None:
            yield Finding(1, f"missing line {pattern} {' '.join(handles)}; run `kb codeowners`", path=where)
        elif found[1] != handles:
            yield Finding(found[0], f"{pattern} lists {' '.join(found[1]) or 'nobody'}, expected {' '.join(handles)}; run `kb codeowners`", path=where)
    for pattern, (line, _) in present.items():
        if pattern.startswith("/") and pattern.endswith(".md") and "*" not in pattern:
            if not (ctx.settings.root / pattern.lstrip("/").replace("\\ ", " ")).exists():
                yield Finding(line, f"{pattern} names a file that does not exist; run `kb codeowners`", path=where)


@rule("KB810", "renamed-without-redirect", severity="warning", kind="corpus")
def renamed_without_redirect(corpus: Corpus, ctx: LintContext):
    """A published doc was moved or renamed in git, but its old path is not in `redirect_from`.

    What it checks:
        For every rename git records under the content roots, the doc's `redirect_from` lists the old path
        (as `kb/old-name.md`, `old-name.md` or `old-name/`). Needs git history; skipped outside a repository.

    Why it matters:
        Agents bookmark pages and macros link to them; the site generates redirect pages from
        `redirect_from`, so a rename without it breaks every old link with a 404.

    Bad:
        (kb/card-refused.md renamed to kb/card-declined.md)
        redirect_from: []

    Good:
        redirect_from: [kb/card-refused.md]

    How to fix:
        Add the old path the message names to `redirect_from`.
    """
    history = history_for(ctx, ctx.settings.root)
    if not history.available:
        return
    earlier = old_paths(history.renames(ctx.settings.roots))
    for doc in corpus.docs:
        if not doc.parsed or doc.get("status") not in (PUBLISHED, "deprecated") or doc.relpath not in earlier:
            continue
        missing = missing_redirects(doc, earlier[doc.relpath], ctx.settings.roots)
        if missing:
            line = doc.line_of("redirect_from") if "redirect_from" in doc.meta else doc.line_of("id")
            yield Finding(line, f"doc was renamed from {', '.join(missing)}; add it to redirect_from", path=doc.relpath)


@rule("KB811", "git-history-unavailable", severity="info", kind="corpus")
def git_history_unavailable(corpus: Corpus, ctx: LintContext):
    """Governance checks that need git history were skipped or limited.

    What it checks:
        Whether the knowledge base is a git repository with full history, when some doc needs it
        (a governed doc with approvals, for four-eyes). A shallow clone is noted too: commits before its
        boundary cannot be attributed. One note per run, on the first doc that needed history.

    Why it matters:
        Four-eyes (KB804) and rename redirects (KB810) read git history. A note makes clear that a clean
        run did not check them, instead of failing or silently passing.

    Bad:
        A CI job that checks out with `fetch-depth: 1`.

    Good:
        A CI job that checks out with `fetch-depth: 0` (full history).

    How to fix:
        Run `kb lint` inside the repository's working copy with full history (`git fetch --unshallow`).
    """
    needs_git = [doc for doc in corpus.docs if doc.parsed and doc.get("approvals") and is_governed(doc, ctx.governance)]
    if not needs_git:
        return
    history = history_for(ctx, ctx.settings.root)
    first = needs_git[0]  # one note per run, on the first doc that needed history
    if not history.available:
        yield Finding(_approvals_line(first), f"four-eyes (KB804) and rename (KB810) checks skipped: {history.reason}",
                      path=first.relpath)
    elif history.shallow_commits:
        yield Finding(_approvals_line(first), "shallow clone: four-eyes (KB804) cannot attribute changes before the "
                      "clone's oldest commit; fetch full history (`git fetch --unshallow`)", path=first.relpath)
