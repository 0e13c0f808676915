"""Mark every field and passage of a new translation that is still in the source language (lint KB812 reads the marks)."""

from __future__ import annotations

import re

from kbops.language import BODY_MARKER, FIELD_MARKER

_FENCE = re.compile(r"^\s*(```|~~~)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_NOT_PROSE = re.compile(
    r"^\s*(?:<|!!!|\?\?\?|\[[^\]]+\]:\s|\|?\s*:?-{3,}|[-*_](?:\s*[-*_]){2,}\s*$|\{[:#.])"  # HTML, admonition,
)  # link definition, table rule, thematic break, attribute list


def mark_body(body: str, keep: set[str]) -> str:
    """Append `<!-- untranslated -->` to the first line of every paragraph, list item, table row and heading
    outside code, except headings whose text is in `keep` (already translated: the H1, required sections)."""
    out = []
    fence = None
    previous_blank = True
    for line in body.split("\n"):
        opened = _FENCE.match(line)
        if opened or fence is not None:
            if opened:
                fence = None if fence == opened.group(1) else fence or opened.group(1)
            out.append(line)
            previous_blank = False
            continue
        stripped = line.strip()
        if not stripped:
            out.append(line)
            previous_blank = True
            continue
        starts = previous_blank or _LIST_ITEM.match(line) or _HEADING.match(line) or stripped.startswith("|")
        # a heading ends its block; an admonition's first indented line starts one
        previous_blank = bool(_HEADING.match(line)) or stripped.startswith(("!!!", "???"))
        if not starts or _NOT_PROSE.match(line) or BODY_MARKER in line or not re.search(r"[^\W\d_]", stripped):
            out.append(line)
            continue
        if _HEADING.match(line) and stripped.lstrip("#").strip() in keep:
            out.append(line)
            continue
        out.append(_with_marker(line))
    return "\n".join(out)


def _with_marker(line: str) -> str:
    """The line with the marker at its end; in a table row, inside the first cell (an extra cell breaks the table)."""
    if line.lstrip().startswith("|"):
        cells = re.search(r"^(\s*\|[^|]*?)(\s*(?<!\\)\|)", line)
        if cells:
            return f"{cells.group(1)} {BODY_MARKER}{cells.group(2)}{line[cells.end() :]}"
    return line.rstrip() + " " + BODY_MARKER


def mark_field(front_matter: str, key: str) -> str:
    """Append `# untranslated` to the line of a top-level front-matter key (a single-line value)."""
    return re.sub(rf"^({re.escape(key)}:[^\n#]*?)[ \t]*$", rf"\1  {FIELD_MARKER}", front_matter, count=1, flags=re.M)
