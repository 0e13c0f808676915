"""Commands of the governance domain: approve, stale, review-queue, history, changelog, codeowners."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from kbops.cli._app import app, err, out, print_json, settings
from kbops.errors import UsageError
from kbops.model.governance import load_governance


def _check_format(format: str, allowed: tuple[str, ...]) -> None:
    if format not in allowed:
        raise UsageError(f"unknown format {format!r}; expected one of {', '.join(allowed)}")


@app.command("approve")
def approve_command(
    paths: List[Path] = typer.Argument(..., help="Docs (or folders of docs) to approve."),
    as_: Optional[str] = typer.Option(None, "--as", help="Reviewer e-mail (default: git config user.email)."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Approve the current content of docs: records reviewer, date and content hash in the front-matter."""
    from kbops.governance.approvals import approve

    _check_format(format, ("text", "json"))
    s = settings()
    report = approve(s, load_governance(s.governance_path), paths, as_)
    if format == "json":
        print_json({
            "reviewer": report.reviewer,
            "approved": [vars(a) for a in report.approved],
            "refused": [vars(r) for r in report.refused],
        })
    else:
        for a in report.approved:
            verb = {"added": "approved", "replaced": "re-approved", "unchanged": "already approved"}[a.action]
            out.print(f"{a.path}: {verb} {a.hash[:12]} as {a.reviewer}", markup=False)
        for r in report.refused:
            err.print(f"kb: error: {r.path}: {r.reason}", markup=False)
    if report.refused:
        raise typer.Exit(2)
