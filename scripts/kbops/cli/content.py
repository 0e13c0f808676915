"""Content-model commands: `kb schema` and `kb new`."""

from __future__ import annotations

import typer

from kbops.authoring.new import new_document
from kbops.authoring.translate import new_translation
from kbops.cli._app import app, audience_option, err, out, print_json, settings
from kbops.errors import UsageError
from kbops.model.schema import json_schema


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the front-matter (for editors' YAML validation)."""
    print_json(json_schema())


@app.command("new")
def new_command(
    doc_type: str = typer.Argument(..., metavar="TYPE", help="article | sop | troubleshooting | playbook | template"),
    title: str = typer.Option(..., "--title", "-t", help="Title; the id is made from it."),
    locale: str | None = typer.Option(
        None, "--locale", "-l", help="Language of the doc (default: [tool.kbops] default_locale)."
    ),
    owner: str | None = typer.Option(
        None,
        "--owner",
        help="Team or person from governance.yml (default: the team owning most docs of the product or type).",
    ),
    audience: str | None = audience_option(None, "Who may read it (default depends on the type)."),
    product: str | None = typer.Option(
        None, "--product", help="Product key from taxonomy.yml; articles and SOPs go into its subfolder."
    ),
    doc_id: str | None = typer.Option(None, "--id", help="Use this id instead of one made from the title."),
    translation_of: str | None = typer.Option(
        None, "--translation-of", help="Source doc id: write a draft translation beside it (needs --locale)."
    ),
    sample_query: list[str] | None = typer.Option(
        None, "--sample-query", help="A query readers type to find this doc (repeatable); fills sample_queries."
    ),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Scaffold a new draft document of TYPE from its template (or a translation of a doc) and print its path."""
    if translation_of:
        if not locale:
            raise UsageError("--translation-of needs --locale, the language of the translation")
        if owner or audience or product:
            raise UsageError("a translation inherits --owner, --audience and --product from its source")
        created = new_translation(settings(), translation_of, locale, title, doc_type=doc_type, doc_id=doc_id)
    else:
        if doc_type == "sop" and product is None:
            from kbops.model.taxonomy import load_taxonomy

            products = ", ".join(load_taxonomy(settings().taxonomy_path).products) or "none declared in taxonomy.yml"
            raise UsageError(
                "kb new sop needs --product: it picks the folder (sops/<product>/) and the owning team "
                f"(choose another with --owner). Products: {products}"
            )
        created = new_document(
            settings(),
            doc_type,
            title,
            locale=locale,
            owner=owner,
            audience=audience,
            product=product,
            doc_id=doc_id,
            sample_queries=tuple(sample_query or ()),
        )
    from kbops.governance.codeowners import sync_if_present

    codeowners = sync_if_present(settings())  # the next full `kb lint` (KB809) stays green
    state = None if codeowners is None else "updated" if codeowners.written else "in sync"
    if format == "json":
        print_json(
            {
                "path": created.relpath,
                "id": created.id,
                "type": created.type,
                "locale": created.locale,
                "owner": created.owner,
                "audience": created.audience,
                "codeowners": state,
            }
        )
    else:
        out.print(created.relpath, markup=False)
        if owner is None:
            basis = f"the team owning most {product} docs" if product else f"the team owning most {doc_type} docs"
            err.print(f"owner: {created.owner} ({basis}; choose another with --owner)", markup=False)
        if codeowners is not None and codeowners.written:  # state == "updated"
            err.print(f"updated .github/CODEOWNERS ({codeowners.entries} entries)", markup=False)
