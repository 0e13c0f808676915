"""Commands of the search domain: `kb index`, `kb search`, `kb eval`."""

from __future__ import annotations

import html
import re
from pathlib import Path

import typer
from rich.text import Text

from kbops.cli._app import app, audience_option, check_format, err, out, print_json, settings
from kbops.publishing import ANONYMOUS_AUDIENCE, WIDEST_AUDIENCE

_MARK = re.compile(r"<mark[^>]*>(.*?)</mark>", re.S)


def snippet_text(snippet: str) -> Text:
    """An HTML snippet (escaped text + <mark>) as terminal text with the matches in bold."""
    text = Text()
    position = 0
    for match in _MARK.finditer(snippet):
        text.append(html.unescape(snippet[position : match.start()]))
        text.append(html.unescape(match.group(1)), style="bold")
        position = match.end()
    text.append(html.unescape(snippet[position:]))
    return text


@app.command("index")
def index_command(
    rebuild: bool = typer.Option(
        False, "--rebuild", help="Rebuild from scratch instead of updating changed docs only."
    ),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Build or update the search index under .kb/index (only published and deprecated docs)."""
    from kbops.search.indexer import build_index

    check_format(format, ("text", "json"))

    def progress(stage: str, done: int, total: int) -> None:
        err.print(f"{stage}: {done}/{total}", markup=False)

    report = build_index(settings(), rebuild=rebuild, progress=progress if err.is_terminal else None)
    for problem in report.problems:
        err.print(f"warning: {problem}; not indexed", markup=False)
    if format == "json":
        print_json(report.to_dict())
        return
    if not report.changed:
        out.print(f"index up to date: {report.indexed} docs ({report.skipped} files not publishable)", markup=False)
        return
    kind = "rebuilt" if report.full else "updated"
    out.print(
        f"index {kind}: {report.indexed} docs ({report.added} added, {report.updated} updated, {report.removed} removed, "
        f"{report.unchanged} unchanged; {report.skipped} files not publishable) in {report.seconds:.2f}s",
        markup=False,
    )


@app.command("search")
def search_command(
    query: str = typer.Argument(..., help="What a reader would type."),
    locale: str | None = typer.Option(
        None, "--locale", "-l", help="Language to search first (en, es, fr...); others are a marked fallback."
    ),
    audience: str = audience_option(
        ANONYMOUS_AUDIENCE, "Who is searching: results hold only what this audience may see."
    ),
    type: str | None = typer.Option(
        None, "--type", help="Only this doc type (article, sop, troubleshooting, playbook, template)."
    ),
    product: str | None = typer.Option(None, "--product", help="Only this product key from taxonomy.yml."),
    limit: int | None = typer.Option(None, "--limit", "-n", help="Number of hits (default from [tool.kbops.search])."),
    format: str = typer.Option("text", "--format", "-f", help="text | json (a list of hits)"),
) -> None:
    """Search the index as a given audience: ranked hits, snippets, facets, "did you mean"."""
    from kbops.search.backend import hit_dict
    from kbops.search.engine import search

    check_format(format, ("text", "json"))
    result = search(settings(), query, audience=audience, locale=locale, type=type, product=product, limit=limit)
    if format == "json":
        print_json([hit_dict(hit) for hit in result.hits])
        return
    if result.corrected:
        out.print(f"No results for {query!r}; showing results for {result.suggestion!r}.", markup=False)
    if result.fallback:
        out.print(f"No results in {locale!r}; showing results in other languages.", markup=False)
    if not result.hits:
        out.print(f"No results for {query!r} ({audience}).", markup=False)
    for rank, hit in enumerate(result.hits, 1):
        tags = " · ".join(
            filter(None, (hit.type, hit.product, hit.locale, hit.status if hit.status != "published" else ""))
        )
        line = Text(f"{rank}. ")
        line.append(hit.title, style="bold")
        line.append(f"  [{tags}]  score {hit.score:.2f}")
        if hit.fallback:
            line.append(f"  (other language: {hit.locale})")
        if hit.superseded_by:
            line.append(f"  (deprecated: see {hit.superseded_by})")
        out.print(line)
        out.print(f"   {hit.url}  ({hit.path})", markup=False)
        if hit.snippet:
            out.print(Text("   ") + snippet_text(hit.snippet))
    if result.hits:
        facets = " | ".join(
            f"{name}: " + ", ".join(f"{value} {count}" for value, count in counts.items())
            for name, counts in result.facets.items()
            if counts
        )
        out.print(f"{result.total} hits. {facets}", markup=False)
    if result.suggestion and not result.corrected:
        out.print(f"Did you mean: {result.suggestion}?", markup=False)


@app.command("eval")
def eval_command(
    queries: Path | None = typer.Option(
        None,
        "--queries",
        "-q",
        help='JSON lines {"query", "relevant": [ids], "locale"} (default: every doc\'s sample_queries).',
    ),
    audience: str = audience_option(
        WIDEST_AUDIENCE, "Search as this audience; only queries answerable by docs it may see are scored."
    ),
    worst: int = typer.Option(10, "--worst", help="How many of the worst queries to list."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Measure search quality: recall@1, recall@5, MRR (cutoff 10); exit 1 below [tool.kbops.search] mrr_floor."""
    from kbops.search.evaluate import evaluate, load_queries

    check_format(format, ("text", "json"))
    current = settings()
    report = evaluate(current, load_queries(queries) if queries else None, audience=audience)
    if format == "json":
        print_json(report.to_dict(worst))
    else:
        verdict = "ok" if report.passed else "BELOW FLOOR"
        if report.excluded:
            out.print(
                f"{report.excluded} queries left out: only docs above the {report.audience} audience answer them",
                markup=False,
            )
        out.print(
            f"{report.queries} queries ({report.audience})  MRR {report.mrr:.3f}  recall@1 {report.recall_at_1:.3f}  "
            f"recall@5 {report.recall_at_5:.3f}  (mrr_floor {report.mrr_floor:.2f}: {verdict})",
            markup=False,
        )
        listed = report.worst(worst)
        if listed:
            out.print("Worst queries (fix the doc's title, sample_queries or wording):", markup=False)
        for outcome in listed:
            rank = outcome.rank or "-"
            out.print(
                f"  rank {rank:>2}  {outcome.query.query!r} ({outcome.query.locale or 'any'}) expected "
                f"{', '.join(outcome.query.relevant)}; got {', '.join(outcome.top) or 'nothing'}  [{outcome.query.source}]",
                markup=False,
            )
    raise typer.Exit(0 if report.passed else 1)
