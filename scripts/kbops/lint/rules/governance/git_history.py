"""KB804, KB810, KB811: governance checks that read git history (four-eyes, renames) and the note when it is missing."""

from __future__ import annotations

from kbops.governance.deprecation import missing_redirects, old_paths
from kbops.governance.four_eyes import check_four_eyes
from kbops.governance.policy import is_governed
from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.lint.rules.governance.approvals import PUBLISHED, approvals_line
from kbops.model.loader import Corpus
from kbops.publishing import status_is_publishable


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
    history = ctx.history
    if not history.available:
        return
    candidates = [
        doc
        for doc in corpus.docs
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
    history = ctx.history
    if not history.available:
        return
    earlier = old_paths(history.renames(ctx.settings.roots))
    for doc in corpus.docs:
        if not doc.parsed or not status_is_publishable(doc.get("status")) or doc.relpath not in earlier:
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
    history = ctx.history
    first = needs_git[0]  # one note per run, on the first doc that needed history
    if not history.available:
        yield Finding(
            approvals_line(first),
            f"four-eyes (KB804) and rename (KB810) checks skipped: {history.reason}",
            path=first.relpath,
        )
    elif history.shallow_commits:
        yield Finding(
            approvals_line(first),
            "shallow clone: four-eyes (KB804) cannot attribute changes before the "
            "clone's oldest commit; fetch full history (`git fetch --unshallow`)",
            path=first.relpath,
        )
