"""`kb init`: start a new knowledge base (every question has a flag, so CI can run it)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from kbops.cli._app import app, err, out, print_json


def _ask(label: str, current: str | None) -> str | None:
    """Ask only a person at a terminal, and only for what neither a flag nor git config answered."""
    if current or not sys.stdin.isatty():
        return current
    return typer.prompt(label, default="", show_default=False) or None


@app.command("init")
def init_command(
    directory: Path = typer.Argument(
        Path("."), metavar="[DIR]", help="Folder of the new knowledge base (default: here)."
    ),
    name: str | None = typer.Option(None, "--name", help="First owner and reviewer (default: git config user.name)."),
    email: str | None = typer.Option(None, "--email", help="Their e-mail (default: git config user.email)."),
    team: str = typer.Option("support", "--team", help="Key of the owning team in governance.yml."),
    team_name: str | None = typer.Option(None, "--team-name", help="Display name of the team."),
    team_email: str | None = typer.Option(None, "--team-email", help="The team's e-mail."),
    codeowner: list[str] | None = typer.Option(
        None, "--codeowner", help="Forge handle for CODEOWNERS, e.g. @acme/support (repeatable)."
    ),
    site_name: str = typer.Option("Help Center", "--site-name", help="The site's name (also the home page title)."),
    site_url: str | None = typer.Option(None, "--site-url", help="Public URL of the site."),
    contact_url: str | None = typer.Option(
        None, "--contact-url", help="Where readers ask a human (mailto: or https:)."
    ),
    locales: str = typer.Option("en", "--locales", help="Comma-separated languages, e.g. en,es,fr."),
    default_locale: str | None = typer.Option(
        None, "--default-locale", help="Default language (default: the first of --locales)."
    ),
    product: str | None = typer.Option(None, "--product", help="A first product key for taxonomy.yml."),
    kbops_requirement: str = typer.Option("kbops", "--kbops-requirement", help="What the CI workflow pip-installs."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Create a new, empty, valid knowledge base; refuse a folder that already is one."""
    from kbops.authoring.init import init_kb
    from kbops.authoring.init_answers import git_identity, make_answers
    from kbops.cli._app import check_format

    check_format(format, ("text", "json"))
    directory.mkdir(parents=True, exist_ok=True) if not directory.exists() else None
    git_name, git_email = git_identity(str(directory))
    answers = make_answers(
        name=_ask("Your name (first owner and reviewer)", name or git_name),
        email=_ask("Your e-mail", email or git_email),
        team=team,
        team_name=team_name,
        team_email=team_email,
        codeowners=tuple(codeowner or ()),
        site_name=site_name,
        site_url=site_url,
        contact_url=contact_url,
        locales=tuple(filter(None, (loc.strip() for loc in locales.split(",")))),
        default_locale=default_locale,
        product=product,
        kbops_requirement=kbops_requirement,
    )
    result = init_kb(directory, answers)
    if format == "json":
        print_json({"root": str(result.root), "written": result.written, "owner": result.owner, "team": result.team})
        return
    for relpath in result.written:
        out.print(relpath, markup=False)
    err.print(
        f"kb init: new knowledge base in {result.root} (owner {result.owner}, team {result.team}). "
        "Next: `kb lint`, `kb import zendesk|markdown SOURCE`, `kb serve`.",
        markup=False,
    )
