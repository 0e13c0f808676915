"""Add queries to a doc's `sample_queries`, changing only those lines of the file.

Only the `sample_queries` block of the front-matter is re-emitted, by a ruamel.yaml round trip (its
comments, quoting and flow or block style survive); every other byte of the file stays as it was, so
the pull request shows exactly the proposed queries.
"""
from __future__ import annotations

import io
import re

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq

from kbops.errors import UsageError

_BOUNDARY = re.compile(r"^-{3,}\s*$")
_KEY = re.compile(r"^sample_queries\s*:")
_SEQ_ITEM = re.compile(r"^( *)- ")


def add_sample_queries(text: str, queries: list[str], source: str = "") -> str:
    """The doc text with `queries` appended to its sample_queries (created before the closing `---` if absent)."""
    if not queries:
        return text
    newline = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    lines = text.splitlines(keepends=True)
    if not lines or not _BOUNDARY.match(lines[0].rstrip("\r\n")):
        raise UsageError(f"{source}: no front-matter")
    close = next((i for i in range(1, len(lines)) if _BOUNDARY.match(lines[i].rstrip("\r\n"))), None)
    if close is None:
        raise UsageError(f"{source}: front-matter is not closed")
    start = next((i for i in range(1, close) if _KEY.match(lines[i])), None)
    if start is None:
        start = end = close
        block = "sample_queries:\n"
    else:
        end = start + 1
        while end < close and (lines[end][:1] in (" ", "\t", "-") or not lines[end].strip()):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        block = "".join(lines[start:end]).replace("\r\n", "\n")
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    dash = _dash_indent(lines[1:close])
    yaml.indent(mapping=2, sequence=dash + 2, offset=dash)
    data = yaml.load(block)
    current = data.get("sample_queries")
    if not isinstance(current, list):
        current = CommentedSeq()
        current.fa.set_block_style()
        data["sample_queries"] = current
    elif not current and current.fa.flow_style():
        current.fa.set_block_style()
    current.extend(queries)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    emitted = buffer.getvalue().replace("\n", newline)
    if start == close and lines[close - 1][-1:] != "\n":
        emitted = newline + emitted
    return "".join(lines[:start]) + emitted + "".join(lines[end:])


def _dash_indent(fm_lines: list[str]) -> int:
    for line in fm_lines:
        found = _SEQ_ITEM.match(line)
        if found:
            return len(found.group(1))
    return 2
