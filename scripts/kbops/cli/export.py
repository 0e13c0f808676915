"""`kb export`: heading-sized chunks with metadata for bots and assistants."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from kbops.cli._app import app, audience_option, check_format, err, settings
from kbops.publishing import ANONYMOUS_AUDIENCE


@app.command("export")
def export_command(
    format: str = typer.Option("jsonl", "--format", "-f", help="jsonl (one chunk per line)"),
    audience: str = audience_option(ANONYMOUS_AUDIENCE, "Export only what this audience may see."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
) -> None:
    """Export heading-sized chunks (id, title, url, locale, audience, intents, text...) for bots and assistants."""
    from kbops.export import export_chunks, to_jsonl

    check_format(format, ("jsonl",))
    problems: list[str] = []
    chunks = export_chunks(settings(), audience, problems)
    for problem in problems:
        err.print(f"warning: {problem}; not exported", markup=False)
    lines = "".join(line + "\n" for line in to_jsonl(chunks))
    if output:
        output.write_text(lines, encoding="utf-8")
        err.print(f"wrote {len(chunks)} chunks to {output}", markup=False)
    else:
        sys.stdout.write(lines)
