"""Markdown structure with source lines (markdown-it-py), parsed once per document."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.admon import admon_plugin

from kbops.model.document import Block, Heading, Link, slugify, unique_anchor

_BLOCK_CONTENT = {
    "paragraph_open",
    "fence",
    "code_block",
    "html_block",
    "table_open",
    "bullet_list_open",
    "ordered_list_open",
    "blockquote_open",
    "hr",
    "admonition_open",
}
# attr_list (enabled in mkdocs.yml) after a heading: `## Fees {#card-fees}` gives the anchor `card-fees`
_HEADING_ATTRS = re.compile(r"\s*\{:?\s*([^{}\n]*(?:[#.][\w-]|=)[^{}\n]*)\}\s*$")

# Inline syntax that yields what parse_structure keeps from an inline token's children: links and autolinks,
# images, raw HTML. Without linkify (off in CommonMark), none of them can start without one of these characters.
_INLINE_NEEDED = re.compile(r"[\[<]")

_parser: MarkdownIt | None = None


def _inline_where_needed(state: StateCore) -> None:
    """The core `inline` rule, for the inline tokens whose children parse_structure reads: every heading (its
    text and anchor) and any other text holding `[` or `<`. Other text keeps only its source (`content`): its
    children would be emphasis, code spans and entities, which nothing reads. Inline parsing is most of the
    Markdown time, and most paragraphs and table cells have no link."""
    md, env = state.md, state.env
    heading = False
    for token in state.tokens:
        if token.type == "inline" and (heading or _INLINE_NEEDED.search(token.content)):
            token.children = []
            md.inline.parse(token.content, md, env, token.children)
        heading = token.type == "heading_open"


def parser() -> MarkdownIt:
    """One CommonMark parser per process, with tables and raw HTML (which lint must see)."""
    global _parser
    if _parser is None:
        # admonitions (`!!! note`, as on the site): their indented body is content, not a code block
        _parser = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").use(admon_plugin)
        _parser.core.ruler.at("inline", _inline_where_needed)
    return _parser


def _inline_text(children) -> str:
    return "".join(c.content for c in children or () if c.type in ("text", "code_inline", "softbreak") or False)


def parse_structure(body: str, first_line: int) -> tuple[tuple[Heading, ...], tuple[Link, ...], tuple[Block, ...]]:
    """Headings (with MkDocs-compatible anchors), links, and leaf blocks, each at its file line."""
    tokens = parser().parse(body)
    headings: list[list] = []  # [level, text, line, anchor, has_content]
    links: list[Link] = []
    blocks: list[Block] = []
    seen_anchors: dict[str, int] = {}
    in_heading = False
    for index, token in enumerate(tokens):
        line = first_line + (token.map[0] if token.map else 0)
        kind = token.type
        if kind == "heading_open":
            in_heading = True
            inline = tokens[index + 1]
            text = "".join(c.content for c in inline.children or () if c.type in ("text", "code_inline")).strip()
            attrs = _HEADING_ATTRS.search(text)
            custom = re.findall(r"#([\w-]+)", attrs.group(1)) if attrs else []
            if attrs:
                text = text[: attrs.start()].rstrip()
            if custom:
                anchor = custom[-1]
                seen_anchors.setdefault(anchor, 0)
            else:
                anchor = unique_anchor(slugify(text), seen_anchors)
            headings.append([int(token.tag[1]), text, line, anchor, False])
            continue
        if kind == "heading_close":
            in_heading = False
            continue
        if kind in _BLOCK_CONTENT and headings:
            headings[-1][4] = True
        if kind in ("fence", "code_block"):
            blocks.append(Block("code", line, token.content))
        elif kind == "html_block":
            blocks.append(Block("html", line, token.content))
        elif kind == "inline":
            if not in_heading:
                blocks.append(Block("text", line, token.content))
            _collect_inline(token.children or [], line, links, blocks)
    return (
        tuple(Heading(h[0], h[1], h[2], h[3], h[4]) for h in headings),
        tuple(links),
        tuple(blocks),
    )


def _collect_inline(children, line: int, links: list[Link], blocks: list[Block]) -> None:
    offset = 0
    open_link: tuple[str, int, list[str]] | None = None
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            offset += 1
        elif child.type == "link_open":
            open_link = (str(child.attrGet("href") or ""), line + offset, [])
        elif child.type == "link_close" and open_link:
            links.append(Link(open_link[0], "".join(open_link[2]).strip(), open_link[1]))
            open_link = None
        elif child.type == "image":
            links.append(Link(str(child.attrGet("src") or ""), child.content, line + offset))
        elif child.type == "html_inline":
            blocks.append(Block("html_inline", line + offset, child.content))
        elif open_link and child.type in ("text", "code_inline"):
            open_link[2].append(child.content)
