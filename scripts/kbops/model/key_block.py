"""Rewrite one top-level key of a doc's front-matter and leave every other byte of the file as it was.

Tools that write front-matter (`kb approve` stamps, proposed `sample_queries`) re-emit only that key's
block through a ruamel.yaml round trip, so comments, quoting and style survive and a pull request
shows only the lines that changed.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML

_BOUNDARY = re.compile(r"^-{3,}\s*$")
_SEQ_ITEM = re.compile(r"^( *)- ")


class KeyBlockError(ValueError):
    """The front-matter cannot be located (none, or not closed)."""


@dataclass
class KeyBlock:
    """Where `key:` and its indented value sit in the front-matter (absent: an empty block before the closing `---`)."""

    lines: list[str]
    close: int  # index of the closing `---`
    start: int
    end: int
    text: str  # the block as YAML ("key:\n" when absent)
    newline: str
    yaml: YAML  # a round-trip loader/dumper set to the file's sequence indentation

    def replace(self, data: Any) -> str:
        """The whole file with this block re-emitted from `data` (the loaded, edited block)."""
        buffer = io.StringIO()
        self.yaml.dump(data, buffer)
        block = buffer.getvalue().replace("\n", self.newline)
        if self.start == self.close and self.lines[self.close - 1][-1:] != "\n":
            block = self.newline + block
        return "".join(self.lines[: self.start]) + block + "".join(self.lines[self.end :])


def key_block(text: str, key: str) -> KeyBlock:
    """Locate `key`'s block in the front-matter of `text` (raises KeyBlockError when there is no front-matter)."""
    newline = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    lines = text.splitlines(keepends=True)
    if not lines or not _BOUNDARY.match(lines[0].rstrip("\r\n")):
        raise KeyBlockError("no front-matter")
    close = next((i for i in range(1, len(lines)) if _BOUNDARY.match(lines[i].rstrip("\r\n"))), None)
    if close is None:
        raise KeyBlockError("front-matter is not closed")
    key_line = re.compile(rf"^{re.escape(key)}\s*:")
    start = next((i for i in range(1, close) if key_line.match(lines[i])), None)
    if start is None:
        start = end = close
        block_text = f"{key}:\n"
    else:
        end = start + 1
        while end < close and (lines[end][:1] in (" ", "\t", "-") or not lines[end].strip()):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        block_text = "".join(lines[start:end]).replace("\r\n", "\n")
    return KeyBlock(
        lines,
        close,
        start,
        end,
        block_text,
        newline,
        _round_trip_yaml(_sequence_indent(block_text.splitlines() + lines[1:close])),
    )


def _sequence_indent(fm_lines: list[str]) -> int:
    """How far this file indents block-sequence dashes under their key (0 or 2, usually)."""
    for line in fm_lines:
        found = _SEQ_ITEM.match(line)
        if found:
            return len(found.group(1))
    return 2


def _round_trip_yaml(dash_indent: int) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=dash_indent + 2, offset=dash_indent)
    return yaml
