"""Commands of the site domain (registered on the shared Typer app)."""

from __future__ import annotations

from pathlib import Path

import typer

from kbops.cli._app import app, audience_option, err, out, settings
from kbops.publishing import ANONYMOUS_AUDIENCE


@app.command("build")
def build_command(
    audience: str = audience_option(ANONYMOUS_AUDIENCE, "Who the site is for."),
    site_dir: Path | None = typer.Option(
        None, "--site-dir", help="Output folder (default: <[tool.kbops.server] site_dir>/<audience>, site/<audience>)."
    ),
    draft_preview: bool = typer.Option(
        False, "--draft-preview", help="Include draft and in-review docs, bannered 'Draft'."
    ),
    strict: bool = typer.Option(True, "--strict/--no-strict", help="Fail on any MkDocs warning (default: strict)."),
) -> None:
    """Build the static site for one audience: only what that audience may see, with trust signals."""
    from kbops.site.build import audience_site_dir, build_site

    cfg = settings()
    target = site_dir or audience_site_dir(cfg, audience)
    err.print(f"kb build: building the {audience} site…")
    result = build_site(cfg, audience, target, strict=strict, include_drafts=draft_preview)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False)
    out.print(
        f"{result.audience}: {result.docs} docs, {result.pages} pages, {result.redirects} redirects -> {result.site_dir}",
        markup=False,
    )
