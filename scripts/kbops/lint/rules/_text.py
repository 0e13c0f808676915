"""Helpers shared by rule families: prose outside code, file lines of matches and front-matter values."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from kbops.model.document import Document

_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_LINK_DEST = re.compile(r"\]\([^)\]]*\)")  # stops at `]`: linear on a line of 30,000 `](`
_BACKTICKS = re.compile(r"`+")
_NOT_NEWLINE = re.compile(r"[^\n]")
_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


class Prose(NamedTuple):
    """A piece of readable text (a paragraph, list item, table cell or heading) at its first file line."""

    line: int
    text: str


def _spaces(piece: str) -> str:
    return _NOT_NEWLINE.sub(" ", piece)


def blank_out(pattern: re.Pattern, text: str) -> str:
    """Replace matches with spaces, keeping newlines so offsets and line numbers stay valid.

    Comments and inline code are blanked by linear scanners: their regexes rescan the rest of the text
    from every unclosed opener (20,000 `<!--` on one line took a minute).
    """
    if pattern is _HTML_COMMENT:
        return _blank_comments(text)
    if pattern is _INLINE_CODE:
        return _blank_code_spans(text)
    return pattern.sub(lambda m: _spaces(m.group()), text)


def _blank_comments(text: str) -> str:
    out: list[str] = []
    at = 0
    while True:
        start = text.find("<!--", at)
        if start < 0:
            break
        end = text.find("-->", start + 4)
        if end < 0:  # unclosed: no later opener can close either
            break
        out += [text[at:start], _spaces(text[start : end + 3])]
        at = end + 3
    out.append(text[at:])
    return "".join(out)


def _blank_code_spans(text: str) -> str:
    """Blank inline code: a run of N backticks up to the next run of exactly N (CommonMark), in O(n log n)."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    if len(runs) < 2:
        return text
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    out: list[str] = []
    at = 0
    index = 0
    while index < len(runs):
        start, end = runs[index]
        same = by_length[end - start]
        later = bisect.bisect_right(same, index)
        if later >= len(same):
            index += 1
            continue
        closing = same[later]
        close_end = runs[closing][1]
        out += [text[at:start], _spaces(text[start:close_end])]
        at = close_end
        index = closing + 1
    out.append(text[at:])
    return "".join(out)


def prose(doc: Document, headings: bool = True, keep_link_targets: bool = False) -> Iterator[Prose]:
    """Readable text outside code blocks, inline code and HTML comments (link targets blanked by default)."""
    if headings:
        for heading in doc.headings:
            yield Prose(heading.line, heading.text)
    for block in doc.blocks:
        if block.kind != "text":
            continue
        text = block.text
        # the substring tests skip the regex work for the many blocks without code, comments or links
        if "`" in text:
            text = blank_out(_INLINE_CODE, text)
        if "<!--" in text:
            text = blank_out(_HTML_COMMENT, text)
        if not keep_link_targets and "](" in text:
            text = blank_out(_LINK_DEST, text)
        yield Prose(block.line, text)


def html_fragments(doc: Document) -> Iterator[Prose]:
    """Raw HTML of the body (blocks and inline tags) without comments; code is never included."""
    for block in doc.blocks:
        if block.kind in ("html", "html_inline"):
            yield Prose(block.line, blank_out(_HTML_COMMENT, block.text))


def line_at(start_line: int, text: str, offset: int) -> int:
    """File line of `offset` inside `text`, which starts at `start_line`."""
    return start_line + text.count("\n", 0, offset)


def value_line(doc: Document, key: str, value: Any = None) -> int:
    """Line of a front-matter value: the list item or key line where `value` is written, else the key line."""
    key_line = doc.line_of(key)
    if value is None:
        return key_line
    lines = doc.text.split("\n")
    needle = re.compile(rf"(?<![\w-]){re.escape(str(value))}(?![\w-])")
    last = min(len(lines), max(doc.body_line - 1, key_line))
    for number in range(key_line, last + 1):
        line = lines[number - 1]
        if number > key_line and _TOP_LEVEL_KEY.match(line):
            break
        if needle.search(line):
            return number
    return key_line


def str_list(value: Any) -> list[str]:
    """A front-matter list field as strings (a bare string counts as a one-item list)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int, float))]
    return []
