"""E-mail addresses in disguise: percent-encoded, HTML entities, spelled out (`at`/`dot`, arroba, arobase).

People paste addresses copied from URLs (`maria%40gmail.com`), from HTML (`maria&#64;gmail.com`,
`maria&commat;gmail.com`) or write them so that bots miss them (`maria at gmail dot com`, `maria arroba
gmail punto com`, `marie arobase gmail point fr`, `maria [at] gmail [dot] com`). The text is decoded
first (percent escapes and HTML character references, with a map back to the original offsets), then
searched for an address written with `@` or spelled out. A bare English `at` counts only with a spelled
`dot` too ("sign in at portal.office.com" is prose, not an address); `arroba` and `arobase` name the
`@` and count with plain dots as well. The last label must be a real top-level domain.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from urllib.parse import unquote

# Percent escapes (UTF-8 sequences decoded whole) and HTML character references.
_ESCAPE = re.compile(r"(?:%[0-9A-Fa-f]{2})+|&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")
HINT = re.compile(r"%[0-9A-Fa-f]{2}|&#|&[A-Za-z]{2,31};|(?i:\b(?:at|arroba|arobase)\b)")

# A local part has a letter (`10. At this point…` is a numbered step, not `10.@this.point`).
_LOCAL = r"(?P<local>(?=[\w.+'\-]*[^\W\d_])[\w.+'\-]{1,64})"
_LABEL = r"[^\W_][\w\-]{0,62}"
_OPEN, _CLOSE = r"(?:[\(\[\{<]\s*)?", r"(?:\s*[\)\]\}>])?"


def _dot(words: str) -> str:
    return rf"\s*{_OPEN}(?i:{words}){_CLOSE}\s*"


# Each language's `@` with its own `.`: at/dot, arroba/punto, arobase/point ("this point in" is prose).
# `at` as a word needs a spelled dot; arroba/arobase (the names of `@`) also take a plain one.
SPELLED = re.compile(
    rf"(?<![\w.+'\-]){_LOCAL}\s+{_OPEN}(?:"
    rf"(?i:at){_CLOSE}\s+(?P<domain_at>{_LABEL}(?:{_dot('dot')}{_LABEL})+)"
    rf"|(?i:arroba){_CLOSE}\s+(?P<domain_es>{_LABEL}(?:(?:{_dot('punto|dot')}|\.){_LABEL})+)"
    rf"|(?i:arobase){_CLOSE}\s+(?P<domain_fr>{_LABEL}(?:(?:{_dot('point|dot')}|\.){_LABEL})+)"
    rf")(?![\w\-])"
)
_SPELLED_DOT = _dot("dot|punto|point")
_DOT_SPLIT = re.compile(rf"{_SPELLED_DOT}|\.")
PLAIN = re.compile(rf"(?<![\w.+'\-]){_LOCAL}@(?P<domain>{_LABEL}(?:\.{_LABEL})+)(?![\w\-]|\.[^\W_])")


def decoded(text: str) -> tuple[str, list[int]]:
    """`text` with percent escapes and HTML references decoded, and each decoded position's original offset
    (one more entry at the end: the original length)."""
    out: list[str] = []
    where: list[int] = []
    last = 0
    for match in _ESCAPE.finditer(text):
        value = match.group()
        plain = unquote(value, errors="replace") if value.startswith("%") else html.unescape(value)
        if plain == value:
            continue
        out.append(text[last : match.start()])
        where.extend(range(last, match.start()))
        out.append(plain)
        where.extend([match.start()] * len(plain))
        last = match.end()
    out.append(text[last:])
    where.extend(range(last, len(text) + 1))
    return "".join(out), where


def disguised_emails(text: str, real_tld: Callable[[str], bool]) -> Iterator[tuple[int, int]]:
    """Spans (in `text`) of addresses that are encoded or spelled out; plain ones are the main detector's."""
    if not HINT.search(text):
        return
    plain, where = decoded(text)
    changed = len(plain) != len(text) or plain != text
    if changed:
        for match in PLAIN.finditer(plain):
            if real_tld(match.group("domain")) and not _unchanged(where, match.start(), match.end()):
                yield where[match.start()], _end(where, match.end(), text)
    for match in SPELLED.finditer(plain):
        domain = match.group("domain_at") or match.group("domain_es") or match.group("domain_fr")
        labels = [label for label in _DOT_SPLIT.split(domain) if label]
        if len(labels) >= 2 and real_tld(".".join(labels)):
            yield where[match.start()], _end(where, match.end(), text)


def _unchanged(where: list[int], start: int, end: int) -> bool:
    """The span was not touched by decoding (the main detector already sees it)."""
    return all(where[i + 1] - where[i] == 1 for i in range(start, end))


def _end(where: list[int], end: int, text: str) -> int:
    """Original end offset of the decoded span ending at `end` (an escape is taken whole)."""
    if end >= len(where) - 1:
        return len(text)
    start_of_next = where[end]
    # The decoded char before `end` came from an escape: the span covers up to where the next char starts.
    return start_of_next
