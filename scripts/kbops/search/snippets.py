"""Result snippets: the passage of a doc with the most query words, matches wrapped in <mark>.

Cheaper than re-analyzing every hit's text: query stems are matched as word prefixes on an
accent-folded copy of the text that keeps every character offset.
"""
from __future__ import annotations

import html
import re
from typing import Iterable

from whoosh.support.charset import accent_map

# One character in, one character out, so offsets in the folded copy are offsets in the original.
_FOLD = {code: value for code, value in accent_map.items() if isinstance(value, str) and len(value) == 1}


def _folded(text: str) -> str:
    folded = text.translate(_FOLD).lower()
    return folded if len(folded) == len(text) else text.lower() if len(text.lower()) == len(text) else text


def make_snippet(text: str, stems: Iterable[str], width: int = 200, max_marks: int = 12) -> str:
    """HTML (escaped text, <mark> around matches) of the best `width`-character window, or "" when nothing matches."""
    words = sorted({s for s in stems if len(s) >= 2}, key=len, reverse=True)
    if not text or not words:
        return ""
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\w*")
    matches = [(m.start(), m.end(), m.group()) for m in pattern.finditer(_folded(text))]
    if not matches:
        return ""
    best_start, best_score = matches[0][0], -1
    for index, (start, _, _) in enumerate(matches[:200]):
        inside = {word for s, e, word in matches[index:] if e <= start + width}
        if len(inside) > best_score:
            best_start, best_score = start, len(inside)
    start = max(0, best_start - 30)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < best_start else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    parts, position, marked = [], start, 0
    for s, e, _ in matches:
        if s < start or e > end or marked >= max_marks:
            continue
        parts.append(html.escape(text[position:s]))
        parts.append(f"<mark>{html.escape(text[s:e])}</mark>")
        position, marked = e, marked + 1
    parts.append(html.escape(text[position:end]))
    snippet = " ".join("".join(parts).split())
    return ("… " if start > 0 else "") + snippet + (" …" if end < len(text) else "")
