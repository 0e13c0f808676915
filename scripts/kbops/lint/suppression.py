"""Inline suppressions: `<!-- kb-disable KB123: reason -->` comments and which diagnostics they silence.

Three forms, each naming one or more comma-separated codes and a reason after a colon:

- on its own line: silences those codes on the next non-blank line;
- at the end of a line of text: silences them on that line;
- `<!-- kb-disable-file KB123: reason -->` anywhere: silences them in the whole file.

Comments inside code blocks or inline code are examples, not suppressions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kbops.lint.diagnostics import Diagnostic
from kbops.model.document import Document

_COMMENT = re.compile(r"<!--\s*kb-disable(?P<file>-file)?\b(?P<rest>.*?)-->")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_TOKEN = re.compile(r"[A-Za-z]+\d+")

# An unreasoned or unknown suppression cannot excuse itself.
UNSUPPRESSIBLE = frozenset({"KB008"})


@dataclass(frozen=True)
class Suppression:
    """One kb-disable comment: where it is, what it silences, why."""

    line: int  # file line of the comment
    codes: tuple[str, ...]  # as written, upper-cased
    reason: str
    target: int | None  # the file line it silences; None for a whole-file suppression
    raw: str = ""  # the text between kb-disable and -->, for messages

    @property
    def whole_file(self) -> bool:
        return self.target is None

    def covers(self, diagnostic: Diagnostic) -> bool:
        if diagnostic.code not in self.codes or diagnostic.code in UNSUPPRESSIBLE:
            return False
        return self.whole_file or diagnostic.line == self.target


def code_lines(doc: Document) -> set[int]:
    """File lines that belong to fenced or indented code blocks (suppressions there do not count)."""
    lines = doc.text.split("\n")
    covered: set[int] = set()
    for block in doc.blocks:
        if block.kind != "code":
            continue
        first = block.line
        opening = lines[first - 1] if 0 < first <= len(lines) else ""
        content_lines = block.text.count("\n") or 1
        if _FENCE.match(opening):
            # opening fence, content, closing fence (an unclosed fence runs to the end of the file)
            covered.update(range(first, first + content_lines + 2))
        else:
            covered.update(range(first, first + content_lines))
    return covered


def parse_suppressions(doc: Document) -> tuple[Suppression, ...]:
    """Every kb-disable comment of the document's body, outside code blocks."""
    if "kb-disable" not in doc.text:
        return ()
    lines = doc.text.split("\n")
    in_code = code_lines(doc)
    found: list[Suppression] = []
    first_body_line = doc.body_line if doc.parsed else 1
    for number in range(first_body_line, len(lines) + 1):
        line = lines[number - 1]
        if "kb-disable" not in line or number in in_code:
            continue
        if "`" in line:  # `<!-- kb-disable ... -->` in inline code is an example, like one in a code block
            from kbops.lint.rules._text import _INLINE_CODE, blank_out  # the rules package imports this module

            line = blank_out(_INLINE_CODE, line)
        for match in _COMMENT.finditer(line):
            codes, reason = _split(match.group("rest"))
            if match.group("file"):
                target: int | None = None
            elif line[: match.start()].strip():
                target = number  # trailing comment: this line
            else:
                target = _next_content_line(lines, number)
            found.append(Suppression(number, codes, reason, target, match.group("rest").strip()))
    return tuple(found)


def _split(rest: str) -> tuple[tuple[str, ...], str]:
    head, _, reason = rest.partition(":")
    codes = tuple(dict.fromkeys(token.upper() for token in re.split(r"[,\s]+", head.strip()) if token))
    return codes, reason.strip()


def _next_content_line(lines: Sequence[str], number: int) -> int:
    """The next non-blank line after `number` that is not itself a kb-disable comment (they stack)."""
    for later in range(number + 1, len(lines) + 1):
        text = lines[later - 1].strip()
        if not text:
            continue
        if (
            text.startswith("<!--")
            and text.endswith("-->")
            and "kb-disable" in text
            and not text.startswith("<!-- kb-disable-file")
        ):
            continue
        return later
    return number


def well_formed_code(code: str) -> bool:
    return bool(_CODE_TOKEN.fullmatch(code))


def apply_suppressions(
    diagnostics: Iterable[Diagnostic], suppressions: Sequence[Suppression]
) -> tuple[list[Diagnostic], set[tuple[int, str]]]:
    """Drop the diagnostics a suppression covers; return the kept ones and the (comment line, code) pairs used."""
    kept: list[Diagnostic] = []
    used: set[tuple[int, str]] = set()
    for diagnostic in diagnostics:
        silenced = False
        for suppression in suppressions:
            if suppression.covers(diagnostic):
                used.add((suppression.line, diagnostic.code))
                silenced = True
        if not silenced:
            kept.append(diagnostic)
    return kept, used
