"""Help-center HTML -> kbops Markdown: sanitised as the site sanitises, converted by html-to-markdown (Rust).

Links and image sources are rewritten during sanitising (one pass, by the caller's `rewrite`); callouts become
admonitions; headings are shifted under the title's H1 without skipped levels.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import html_to_markdown

from kbops.site.sanitize import clean_html

# (tag, url) -> the new url, or None to keep it as it is
Rewrite = Callable[[str, str], "str | None"]

_CALLOUT = re.compile(
    r'<(div|aside|p)\b[^>]*\bclass="(?P<class>[^"]*\b(?:callout|alert|note|tip|warning|important)\b[^"]*)"[^>]*>'
    r"(?P<inner>(?:(?!<\1\b).)*?)</\1>",
    re.IGNORECASE | re.DOTALL,
)
_KIND_WORD = re.compile(r"note|tip|warning|important|caution|info|danger", re.IGNORECASE)
_ADMONITION_KIND = {
    "important": "warning",
    "caution": "warning",
    "danger": "danger",
    "tip": "tip",
    "info": "info",
    "warning": "warning",
    "note": "note",
}
_MARK = "KBOPSCALLOUT"
_HEADING = re.compile(r"^(#{1,6}) +(.*?) *#*$")
_OPTIONS = html_to_markdown.ConversionOptions(
    heading_style="atx",
    bullets="-",
    list_indent_width=4,
    code_block_style="backticks",
    escape_misc=False,
    autolinks=False,
    extract_metadata=False,
    wrap=False,
    compact_tables=True,
)


def _callouts(html: str) -> str:
    def mark(match: re.Match) -> str:
        words = _KIND_WORD.findall(match.group("class"))
        kind = _ADMONITION_KIND.get(words[-1].lower() if words else "note", "note")
        return f"<p>{_MARK}-{kind}</p>{match.group('inner')}<p>{_MARK}-end</p>"

    return _CALLOUT.sub(mark, html) if "class=" in html else html


def _admonitions(markdown: str) -> str:
    out: list[str] = []
    inside = False
    for line in markdown.split("\n"):
        if line.startswith(f"{_MARK}-"):
            kind = line[len(_MARK) + 1 :].strip()
            inside = kind != "end"
            if inside:
                out.append(f"!!! {kind}")
            out.append("") if not inside else None
            continue
        out.append(("    " + line if line.strip() else "") if inside else line)
    return "\n".join(out)


def _headings(markdown: str, title: str) -> str:
    """Drop an H1 equal to the title; put every heading under the page's H1 with no level skipped (KB202/KB204)."""
    lines = markdown.split("\n")
    fence = False
    previous = 1
    kept: list[str] = []
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        match = None if fence else _HEADING.match(line)
        if match is None:
            kept.append(line)
            continue
        text = match.group(2).strip()
        if len(match.group(1)) == 1 and not kept and text.casefold() == title.casefold():
            continue
        level = min(max(len(match.group(1)), 2), previous + 1)
        previous = level
        kept.append("#" * level + " " + text if text else "")
    return "\n".join(kept)


def convert(html: str, title: str, rewrite: Rewrite) -> str:
    """The Markdown body (without the H1) of one article's HTML."""

    def attribute(tag: str, name: str, value: str) -> str | None:
        if (tag == "a" and name == "href") or (tag == "img" and name == "src"):
            new = rewrite(tag, value)
            return value if new is None else new
        return value

    cleaned = clean_html(_callouts(html or ""), attribute_filter=attribute)
    markdown = html_to_markdown.convert(cleaned, _OPTIONS).content or ""
    if _MARK in markdown:
        markdown = _admonitions(markdown)
    markdown = _headings(markdown.replace("\r\n", "\n"), title)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"
