"""Result snippets: the passage of a doc with the most query words, matches wrapped in <mark>.

Cheaper than re-analyzing every hit's text: query stems are matched as word prefixes on an
accent-folded copy of the text that keeps every character offset.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable

from kbops.search.folding import accent_map

# One character in, one character out, so offsets in the folded copy are offsets in the original.
_FOLD = str.maketrans({code: value for code, value in accent_map.items() if isinstance(value, str) and len(value) == 1})
MAX_SCAN = 6_000  # characters of a doc searched for the snippet


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Replacing each distinct accented character in turn equals one translate() when no replacement is itself
# replaced again (true of Whoosh's table; checked here so that a new table cannot change snippets silently).
_REPLACE_EACH = not any(
    code >= 128 and ord(value) >= 128 and _FOLD.get(ord(value), value) != value for code, value in _FOLD.items()
)


def _folded(text: str) -> str:
    if text.isascii():  # the table maps ASCII letters only to their lower case: same result, no per-character lookups
        return text.lower()
    if _REPLACE_EACH:  # a few str.replace calls instead of a dictionary lookup per character (4-5x faster)
        folded = text
        for char in set(_NON_ASCII.findall(text)):
            value = _FOLD.get(ord(char))
            if value is not None:
                folded = folded.replace(char, value)
        folded = folded.lower()
    else:
        folded = text.translate(_FOLD).lower()
    return folded if len(folded) == len(text) else text.lower() if len(text.lower()) == len(text) else text


def stem_pattern(stems: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for a query's stems as word prefixes (build once per query, use for every hit)."""
    words = sorted({s for s in stems if len(s) >= 2}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\w*") if words else None


def make_snippet(text: str, pattern: re.Pattern[str] | None, width: int = 200, max_marks: int = 12) -> str:
    """HTML (escaped text, <mark> around matches) of the best `width`-character window, or "" when nothing matches."""
    if not text or pattern is None:
        return ""
    matches = []
    for match in pattern.finditer(_folded(text[:MAX_SCAN])):
        matches.append((match.start(), match.end(), match.group()))
        if len(matches) >= 300:
            break
    if not matches:
        return ""
    # Sliding window over the matches: the window start with the most distinct matched words wins.
    best_start, best_score, right = matches[0][0], 0, 0
    inside: Counter[str] = Counter()
    for left, (start, _, word) in enumerate(matches):
        while right < len(matches) and matches[right][1] <= start + width:
            inside[matches[right][2]] += 1
            right += 1
        if len(inside) > best_score:
            best_start, best_score = start, len(inside)
        if right > left:
            inside[word] -= 1
            if not inside[word]:
                del inside[word]
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
