"""No script reaches a page: unsafe HTML is found with lint's KB601-KB604 definitions and removed with nh3.

Two steps, so that a strict build refuses what a lenient one cleans:
- `unsafe_html(doc)` runs the lint rules KB601-KB604 on a document before it is staged; the staging
  step reports each finding (a MkDocs warning: `kb build --strict`, the default, fails on it);
- `clean_html(html)` sanitises every rendered page body with nh3 (Rust's ammonia) whatever lint said:
  scripts, frames, event handlers and `javascript:` URLs (any case, entity-encoded) never reach a page.
Text from front-matter (titles, descriptions, tags) is escaped where it is written into Markdown or
page metadata: `markdown_text` and `attribute_text`.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable, Iterator
from typing import Any

import nh3

from kbops.model.document import Document
from kbops.model.markdown import parse_structure

UNSAFE_HTML_RULES = ("KB601", "KB602", "KB603", "KB604")
# What KB601-KB604 can find at all: a script or embedding tag, an on*= attribute, a URL-valued attribute
# (however its value is encoded) or a literal javascript: link. Real articles are full of harmless `<br>`,
# tables and `&nbsp;`; parsing each of them for the rules cost 70% of staging on real articles (bench/site).
_UNSAFE_TAG = re.compile(r"<\s*(?:script|iframe|object|embed|frame)")
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz:-")
_MANY_EQUALS = 500  # past this, the rules decide (as they did for every body before this prefilter)


def maybe_unsafe(body: str) -> bool:
    """Whether KB601-KB604 could find anything in `body` (substring tests first: most bodies stop there)."""
    low = body.lower()
    if "javascript" in low or ("<" in low and _UNSAFE_TAG.search(low)):
        return True
    if low.count("=") > _MANY_EQUALS:
        return True
    at = low.find("=")
    while at >= 0:  # the name before each `=`: an on* handler after a space, or a URL-valued attribute
        end = at
        while end > 0 and at - end < 40 and low[end - 1] in " \t\n":
            end -= 1
        start = end
        while start > 0 and end - start < 40 and low[start - 1] in _NAME_CHARS:
            start -= 1
        name = low[start:end]
        if name.endswith(_URL_ATTRIBUTES) or (name.startswith("on") and start > 0 and low[start - 1].isspace()):
            return True
        at = low.find("=", at + 1)
    return False


_TAGS = set(nh3.ALLOWED_TAGS) | {"input", "label", "section", "main", "figure", "figcaption", "details", "summary"}
_TAGS -= {"script", "style", "iframe", "object", "embed", "frame", "frameset", "form", "button", "textarea", "select"}
_GENERIC_ATTRIBUTES = {
    "class",
    "id",
    "title",
    "lang",
    "dir",
    "hreflang",
    "align",
    "style",
    "role",
    "aria-label",
    "aria-hidden",
}
_ATTRIBUTES: dict[str, set[str]] = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES.setdefault("*", set()).update(_GENERIC_ATTRIBUTES)
_ATTRIBUTES.setdefault("a", set()).update({"href", "hreflang", "title", "name", "rel"})
_ATTRIBUTES.setdefault("img", set()).update({"src", "alt", "title", "width", "height", "loading"})
_ATTRIBUTES.setdefault("input", set()).update({"type", "checked", "disabled"})
_ATTRIBUTES.setdefault("details", set()).update({"open"})
_ATTRIBUTES.setdefault("ol", set()).update({"start", "type"})
_ATTRIBUTES.setdefault("td", set()).update({"colspan", "rowspan"})
_ATTRIBUTES.setdefault("th", set()).update({"colspan", "rowspan", "scope"})
_STYLE_PROPERTIES = {
    "text-align",
    "vertical-align",
    "width",
    "height",
    "color",
    "background-color",
    "font-weight",
    "font-style",
    "text-decoration",
}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_html(fragment: str, attribute_filter: Callable[[str, str, str], str | None] | None = None) -> str:
    """The page body without scripts, frames, event handlers or `javascript:`/`data:` URLs.

    `attribute_filter(tag, attribute, value)` may rewrite an allowed attribute (`kb import` rewrites links with it).
    """
    if not fragment:
        return fragment
    return nh3.clean(
        fragment,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        generic_attribute_prefixes={"data-"},
        url_schemes=_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        filter_style_properties=_STYLE_PROPERTIES,
        attribute_filter=attribute_filter,
    )


def clean_text(fragment: str) -> str:
    """A title as it may appear inside HTML (table of contents, navigation): tags removed, text escaped."""
    return nh3.clean(fragment or "", tags=set(), clean_content_tags={"script", "style"})


@dataclasses.dataclass(frozen=True)
class UnsafeHtml:
    line: int
    code: str
    message: str


def unsafe_html(doc: Document) -> list[UnsafeHtml]:
    """KB601-KB604 findings in `doc`'s body: the lint rules themselves, so build and lint always agree."""
    if not doc.parsed or not maybe_unsafe(doc.body):
        return []
    from kbops.lint.registry import all_rules  # the rule registry imports every rule module

    if not doc.blocks:
        headings, links, blocks = parse_structure(doc.body, doc.body_line)
        doc = dataclasses.replace(doc, headings=headings, links=links, blocks=blocks)
    rules = all_rules()
    found = []
    for code in UNSAFE_HTML_RULES:
        for finding in rules[code].check(doc, None) or ():
            found.append(UnsafeHtml(finding.line, code, finding.message))
    return found


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!])")  # Python-Markdown's backslash escapes


def markdown_text(value: Any) -> str:
    """Front-matter text written into staged Markdown (link text, headings, list items): shown as written.

    HTML is escaped (`<script>` shows as text) and Markdown punctuation backslash-escaped, so a title
    cannot open a link, an attribute list or an HTML block.
    """
    text = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def attribute_text(value: Any) -> str:
    """Front-matter text handed to theme templates, which print page metadata without escaping."""
    return html.escape(" ".join(str(value).split()), quote=True)


def walk_toc(items: Any) -> Iterator[Any]:
    for item in items or ():
        yield item
        yield from walk_toc(getattr(item, "children", ()))


# Python-Markdown's inline patterns rescan a paragraph once per marker: 5,000 `[` on one line take
# 6 s and 50,000 take ~10 minutes, yet a real list of 200 escaped file paths (2,700 markers) renders in
# a fraction of a second. A paragraph with more markers than this is measured (kbops.site.budget): one
# that costs more than the CPU budget to render is staged as a code block (shown verbatim, rendered in
# linear time) and reported, so a strict build fails on it; one within budget is rendered as written.
MAX_MARKERS_PER_PARAGRAPH = 1_000
_MARKERS = re.compile(r"[\[\]<>&\\`!*_]")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def defuse_heavy_paragraphs(body: str) -> tuple[str, list[tuple[int, int]]]:
    """`body` with paragraphs too costly to render fenced as text; (0-based line, marker count) of each one."""
    from kbops.site.budget import renders_within_budget

    if len(_MARKERS.findall(body)) <= MAX_MARKERS_PER_PARAGRAPH:
        return body, []
    lines = body.split("\n")
    out: list[str] = []
    heavy: list[tuple[int, int]] = []
    fence: str | None = None
    paragraph: list[str] = []

    def flush(end: int) -> None:
        count = sum(len(_MARKERS.findall(line)) for line in paragraph)
        if count > MAX_MARKERS_PER_PARAGRAPH and not renders_within_budget("\n".join(paragraph)):
            heavy.append((end - len(paragraph), count))
            longest = max((len(run) for line in paragraph for run in re.findall(r"~+", line)), default=0)
            marker = "~" * max(3, longest + 1)
            out.extend([marker + " text", *paragraph, marker])
        else:
            out.extend(paragraph)
        paragraph.clear()

    def closes(found: re.Match | None, opener: str) -> bool:
        return found is not None and found.group(1)[0] == opener[0] and len(found.group(1)) >= len(opener)

    for number, line in enumerate(lines):
        found = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if closes(found, fence):
                fence = None
            continue
        # only a closed fence protects its lines (an unclosed one is prose to a renderer without fences)
        if found and any(closes(_FENCE.match(later), found.group(1)) for later in lines[number + 1 :]):
            flush(number)
            fence = found.group(1)
            out.append(line)
        elif line.strip():
            paragraph.append(line)
        else:
            flush(number)
            out.append(line)
    flush(len(lines))
    return "\n".join(out), heavy
