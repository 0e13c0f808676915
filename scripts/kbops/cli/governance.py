"""Commands of the governance domain: approve, stale, review-queue, history, changelog, codeowners."""

from __future__ import annotations

from pathlib import Path

import typer

from kbops.cli._app import app, audience_option, err, out, print_json, settings
from kbops.errors import UsageError
from kbops.model.governance import load_governance
from kbops.publishing import WIDEST_AUDIENCE


def _check_format(format: str, allowed: tuple[str, ...]) -> None:
    if format not in allowed:
        raise UsageError(f"unknown format {format!r}; expected one of {', '.join(allowed)}")


@app.command("approve")
def approve_command(
    paths: list[Path] = typer.Argument(..., help="Docs (or folders of docs) to approve."),
    as_: str | None = typer.Option(None, "--as", help="Reviewer e-mail (default: git config user.email)."),
    only_needed: bool = typer.Option(
        False, "--only-needed", help="Skip docs where this reviewer meets no missing requirement (bulk stamping)."
    ),
    key: Path | None = typer.Option(
        None,
        "--key",
        help="SSH key to sign with (private key, or .pub held by ssh-agent); default: git's "
        "user.signingkey, else an ssh-agent key enrolled for the reviewer.",
    ),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Approve the current content of docs: records reviewer, date, content hash and the reviewer's SSH signature."""
    from kbops.governance.approvals import approve

    _check_format(format, ("text", "json"))
    s = settings()
    report = approve(s, load_governance(s.governance_path), paths, as_, only_needed=only_needed, key_file=key)
    if format == "json":
        print_json(
            {
                "reviewer": report.reviewer,
                "approved": [{**vars(a), "still_needs": list(a.still_needs)} for a in report.approved],
                "refused": [{**vars(r), "could_approve": list(r.could_approve)} for r in report.refused],
            }
        )
    else:
        for a in report.approved:
            verb = {
                "added": "approved",
                "replaced": "re-approved",
                "unchanged": "already approved",
                "skipped": "skipped (approval not needed)",
            }[a.action]
            if a.action == "skipped":
                err.print(f"{a.path}: {verb}", markup=False)
                continue
            signed = f", signed with {a.signed_with}" if a.signed_with else ""
            out.print(f"{a.path}: {verb} {a.hash[:12]} as {a.reviewer}{signed}", markup=False)
            if not a.signed_with and a.governed:
                err.print(
                    f"  warning: {a.path}: the approval is unsigned: anyone with write access could have written "
                    "it (KB813); sign with --key FILE, git's user.signingkey or an ssh-agent key",
                    markup=False,
                )
            if a.still_needs:
                out.print(f"  still needs {', '.join(a.still_needs)}", markup=False)
            elif a.governed:
                out.print("  approvals complete: every requirement of its policies is met", markup=False)
        for r in report.refused:
            where = f"{r.path}:{r.line}" if r.line else r.path
            err.print(
                f"kb: error: {where}: refused: {r.reason}" if r.kind == "policy" else f"kb: error: {where}: {r.reason}",
                markup=False,
            )
            if r.could_approve:
                err.print(f"  who could approve: {'; '.join(r.could_approve)}", markup=False)
            if r.suggestion:
                err.print(f"  e.g. kb approve --as {r.suggestion} {r.path}", markup=False)
        if report.refused and any(r.kind == "policy" for r in report.refused):
            err.print("nothing was written for the refused docs", markup=False)
    if report.refused:
        raise typer.Exit(report.exit_code)


def _corpus_and_governance():
    from kbops.model.loader import load_corpus

    s = settings()
    governance = load_governance(s.governance_path)
    return s, load_corpus(s), governance


@app.command("stale")
def stale_command(
    owner: str | None = typer.Option(None, "--owner", help="Only docs of this owner (team or person key)."),
    events: list[Path] | None = typer.Option(None, "--events", help="Event logs (JSONL) to rank by usage × staleness."),
    due_soon: int | None = typer.Option(
        None, "--due-soon", help="Days ahead that count as due soon (default: governance.yml due_soon)."
    ),
    format: str = typer.Option("text", "--format", "-f", help="text | json | md"),
) -> None:
    """List overdue and due-soon reviews by owner (ranked by usage × staleness with --events)."""
    from kbops.governance.stale import read_usage, render_stale, stale_report

    _check_format(format, ("text", "json", "md"))
    s, corpus, governance = _corpus_and_governance()
    if due_soon is None:
        from kbops.lint.settings import LintSettings

        due_soon = s.section("lint", LintSettings).due_soon_days  # the same horizon as lint's KB402
    usage = read_usage(events) if events else None
    report = stale_report(corpus, governance, s.today_date(), owner=owner, usage=usage, due_soon_days=due_soon)
    if format == "json":
        print_json(report.as_dict())
    else:
        out.print(render_stale(report, format), markup=False)


@app.command("review-queue")
def review_queue_command(
    reviewer: str | None = typer.Option(None, "--reviewer", help="Only what this reviewer (e-mail) can approve."),
    mine: bool = typer.Option(False, "--mine", help="Use git config user.email as the reviewer."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """List governed docs awaiting approval: in review, stale or insufficient approvals."""
    from kbops.governance.approvals import git_user_email
    from kbops.governance.review_queue import render_queue, review_queue

    _check_format(format, ("text", "json"))
    s, corpus, governance = _corpus_and_governance()
    if mine and not reviewer:
        from kbops.governance.review_queue import reviewers_hint

        reviewer = git_user_email(s.root)
        if not reviewer:
            raise UsageError(
                f"--mine needs `git config user.email`; or pass --reviewer EMAIL\n{reviewers_hint(governance)}"
            )
    from kbops.governance.history import GitHistory

    queue = review_queue(corpus, governance, reviewer, GitHistory(s.root))
    if format == "json":
        print_json(queue.as_dict())
    else:
        out.print(render_queue(queue), markup=False)


@app.command("history")
def history_command(
    doc: str = typer.Argument(..., help="A doc id (or path)."),
    locale: str | None = typer.Option(None, "--locale", help="The doc's translation in this locale (e.g. es)."),
    diff: bool = typer.Option(False, "--diff", help="Show each version's content change as a word diff."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Show a doc's versions from git: date, author, message, approvals and status changes, across renames."""
    from kbops.governance.audit import doc_history, render_history
    from kbops.governance.history import GitHistory

    _check_format(format, ("text", "json"))
    s, corpus, governance = _corpus_and_governance()
    result = doc_history(corpus, GitHistory(s.root), doc, locale, diffs=diff, governance=governance)
    if format == "json":
        print_json(result.as_dict())
    else:
        out.print(render_history(result), markup=False)


@app.command("diff")
def diff_command(
    doc: str = typer.Argument(..., metavar="ID|PATH", help="A doc id or path."),
    locale: str | None = typer.Option(None, "--locale", help="The doc's translation in this locale (e.g. es)."),
    context: int = typer.Option(3, "--context", "-U", min=0, help="Unchanged lines shown around each change."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Content change since the last approved version: front-matter fields and body as a word diff (approvals left out)."""
    from kbops.governance.audit import find_doc
    from kbops.governance.content_diff import diff_since_approval, render_diff
    from kbops.governance.history import GitHistory

    _check_format(format, ("text", "json"))
    s, corpus, governance = _corpus_and_governance()
    found = find_doc(corpus, doc, locale)
    result = diff_since_approval(found, GitHistory(s.root), governance, context)
    if format == "json":
        print_json(result.as_dict())
    else:
        out.print(render_diff(result), markup=False)


@app.command("changelog")
def changelog_command(
    since: str = typer.Option(..., "--since", help="Start date, YYYY-MM-DD."),
    audience: str = audience_option(WIDEST_AUDIENCE, "Only docs this audience may see."),
    format: str = typer.Option("md", "--format", "-f", help="md | json | text"),
    write: Path | None = typer.Option(
        None, "--write", help="Also write the digest as a site page, e.g. kb/changelog.md."
    ),
    owner: str | None = typer.Option(None, "--owner", help="Owner of the written page (default: the first team)."),
) -> None:
    """Digest of docs added, changed and deprecated since a date (for BPO trainers); --write makes it a page."""
    import datetime as dt

    from kbops.governance.changelog import changelog, changelog_page, linkable_docs, render_markdown, render_text
    from kbops.governance.history import GitHistory

    _check_format(format, ("md", "json", "text"))
    try:
        start = dt.date.fromisoformat(since)
    except ValueError:
        raise UsageError(f"--since {since!r}: expected a date YYYY-MM-DD") from None
    s, corpus, governance = _corpus_and_governance()
    page = None
    if write is not None:
        page = (write if write.is_absolute() else Path.cwd() / write).resolve()
        try:
            page_rel = page.relative_to(s.root).as_posix()
        except ValueError:
            raise UsageError(f"--write {write}: must be inside the knowledge base {s.root}") from None
        if page_rel.split("/", 1)[0] not in s.roots:
            raise UsageError(f"--write {write}: must be under a content root ({', '.join(s.roots)})")
        owner = owner or next(iter(governance.teams), None)
        if not owner or not governance.is_owner(owner):
            raise UsageError(f"--owner {owner!r}: not a team or person of governance.yml")
    log = changelog(corpus, GitHistory(s.root), start, s.today_date(), audience, exclude=page_rel if page else None)
    by_id = linkable_docs(corpus, audience)
    if format == "json":
        print_json(log.as_dict())
    elif format == "text":
        out.print(render_text(log), markup=False)
    else:
        out.print(render_markdown(log, None, by_id), markup=False)
    if page is not None:
        assert owner is not None  # checked with --write above
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(changelog_page(log, page_rel, owner, s.today_date(), by_id), encoding="utf-8")
        err.print(f"wrote {page_rel}", markup=False)


@app.command("codeowners")
def codeowners_command(
    check: bool = typer.Option(False, "--check", help="Only compare; exit 1 and show the diff when out of sync."),
) -> None:
    """Write .github/CODEOWNERS from doc owners (and required reviewer groups' handles)."""
    from kbops.governance.codeowners import sync_codeowners

    s, corpus, governance = _corpus_and_governance()
    result = sync_codeowners(s.root, corpus, governance, check=check)
    if check:
        if result.in_sync:
            out.print(f".github/CODEOWNERS is in sync ({result.entries} entries)", markup=False)
            return
        out.print(result.diff, markup=False, end="")
        raise typer.Exit(1)
    state = "wrote" if result.written else "already up to date:"
    out.print(f"{state} .github/CODEOWNERS ({result.entries} entries)", markup=False)


@app.command("translated")
def translated_command(
    paths: list[Path] = typer.Argument(..., help="Translations (or folders) now matching their source."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Record that translations match their source now: sets source_hash to the source's content hash."""
    from kbops.governance.translation_stamp import mark_translated

    _check_format(format, ("text", "json"))
    s, corpus, _ = _corpus_and_governance()
    report = mark_translated(s, corpus, paths)
    if format == "json":
        print_json({"stamped": [vars(x) for x in report.stamped], "refused": [vars(r) for r in report.refused]})
    else:
        for x in report.stamped:
            verb = "source_hash set to" if x.action == "stamped" else "already matches"
            out.print(f"{x.path}: {verb} {x.hash[:12]} ({x.source})", markup=False)
        for r in report.refused:
            where = f"{r.path}:{r.line}" if r.line else r.path
            err.print(f"kb: error: {where}: {r.reason}", markup=False)
    if report.refused:
        raise typer.Exit(2)
