"""`kb import zendesk|markdown`: bring an existing help center into the knowledge base."""

from __future__ import annotations

from pathlib import Path

import typer

from kbops.cli._app import app, check_format, err, out, print_json, settings

import_app = typer.Typer(
    help="Bring an existing help center in (idempotent: a re-import writes only what changed upstream).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(import_app, name="import")


def _render(report, format: str) -> None:
    from kbops.importers.summary import summary_dict, summary_text

    if format == "json":
        print_json(summary_dict(report))
    else:
        out.print(summary_text(report), markup=False)
    raise typer.Exit(report.exit_code)


@import_app.command("zendesk")
def zendesk_command(
    source: Path | None = typer.Argument(
        None, metavar="[EXPORT_DIR]", help="A Zendesk Guide export folder (articles.json, sections.json, ...)."
    ),
    subdomain: str | None = typer.Option(
        None, "--subdomain", help="Fetch from https://SUBDOMAIN.zendesk.com instead (token from $ZENDESK_API_TOKEN)."
    ),
    api_url: str | None = typer.Option(
        None, "--api-url", help="Base URL of the API (default: https://SUBDOMAIN.zendesk.com).", hidden=True
    ),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="YAML mapping file: owners, segments, categories, sections, labels, locales."
    ),
    check: bool = typer.Option(
        True, "--check/--no-check", help="Run kb lint after writing and hold back docs that cannot be published."
    ),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Import Zendesk Guide articles, translations, sections, labels, segments and attachments."""
    from kbops.errors import UsageError
    from kbops.importers import import_zendesk

    check_format(format, ("text", "json"))
    cfg = settings()
    if (source is None) == (subdomain is None and api_url is None):
        raise UsageError("give either an export folder or --subdomain (fetch from the API), not both")
    if source is None:
        from kbops.importers.zendesk_api import fetch_export, token_from_env

        base = api_url or f"https://{subdomain}.zendesk.com"
        source = cfg.state_dir / "import" / "zendesk" / (subdomain or "api")
        fetched = fetch_export(base, source, token_from_env(), progress=lambda m: err.print(m, markup=False))
        err.print(f"fetched {fetched.requests} pages ({fetched.retries} retried after 429) into {source}", markup=False)
    report = import_zendesk(
        cfg, source, mapping_path=mapping, check=check, progress=lambda m: err.print(m, markup=False)
    )
    _render(report, format)


@import_app.command("markdown")
def markdown_command(
    source: Path = typer.Argument(
        ..., metavar="DIR", help="A folder of Markdown (plain, MkDocs docs/, MS-Learn front-matter)."
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help="YAML mapping file (default_owner, locales)."),
    audience: str = typer.Option(
        "public", "--audience", help="Audience of docs that do not say (public | partner | internal)."
    ),
    into: str | None = typer.Option(None, "--into", help="Folder under kb/ (default: the source folder's name)."),
    check: bool = typer.Option(
        True, "--check/--no-check", help="Run kb lint after writing and hold back docs that cannot be published."
    ),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Import a folder of Markdown: front-matter mapped or added, ids from paths, links rewritten, translations paired."""
    from kbops.importers import import_markdown

    check_format(format, ("text", "json"))
    report = import_markdown(
        settings(),
        source,
        mapping_path=mapping,
        audience=audience,
        into=into,
        check=check,
        progress=lambda m: err.print(m, markup=False),
    )
    _render(report, format)
