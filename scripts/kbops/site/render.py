"""Render one published document as a staged Markdown page: clean front-matter, trust line, banners, links."""
from __future__ import annotations

import json
import re
from urllib.parse import quote

from kbops.model.document import Document
from kbops.model.translations import translation_status
from kbops.site.edition import Edition
from kbops.site.labels import LOCALE_NAMES, label
from kbops.site.links import LinkReport, rewrite_links
from kbops.site.sanitize import MAX_MARKERS_PER_PARAGRAPH, attribute_text, defuse_heavy_paragraphs, markdown_text
from kbops.site.trust import owner_name, review_state
from kbops.site.urls import relative_md

SAFE_TAG = re.compile(r"^[A-Za-z0-9][\w-]*$")  # tags that name a tag page (pages.py writes the same set)

_H1 = re.compile(r"^#\s+\S")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def page_meta(doc: Document, edition: Edition) -> dict:
    """The front-matter the theme sees: only what templates and scripts need, never governance internals."""
    fm = doc.frontmatter
    assert fm is not None
    review = review_state(doc, edition.governance, edition.today)
    return {
        "title": attribute_text(fm.title),  # theme templates print page metadata without escaping
        "description": attribute_text(fm.description),
        "kbops": {
            "id": fm.id,
            "locale": fm.locale,
            "type": fm.type,
            "status": fm.status,
            "product": fm.product,
            "owner": fm.owner,
            "owner_name": owner_name(fm.owner, edition.governance),
            "last_reviewed": review.last_reviewed.isoformat() if review.last_reviewed else None,
            "review_due": review.review_due.isoformat() if review.review_due else None,
            "overdue": review.overdue,
        },
    }


def front_matter(meta: dict) -> str:
    # JSON is valid YAML and serializes ~50x faster than PyYAML's pure-Python dumper (5k pages matter).
    return "---\n" + json.dumps(meta, ensure_ascii=False) + "\n---\n"


def render_doc(doc: Document, edition: Edition, report: LinkReport) -> str:
    """The staged Markdown of `doc`: its body with links rewritten and trust signals under the title."""
    meta = page_meta(doc, edition)
    body = rewrite_links(doc, doc.body, edition, report)
    body, heavy = defuse_heavy_paragraphs(body)
    for offset, count in heavy:
        report.problems.append(
            f"{doc.relpath}:{doc.body_line + offset}: paragraph with {count:,} Markdown markers "
            f"(the limit is {MAX_MARKERS_PER_PARAGRAPH:,}): rendered as plain text"
        )
    lines = body.split("\n")
    at = _first_h1(lines)
    if at is None:
        lines[:0] = [f"# {markdown_text(doc.title)}", ""]
        at = 0
    trust = trust_block(doc, edition, meta["kbops"])
    lines[at + 1:at + 1] = ["", *trust]
    return front_matter(meta) + "\n".join(lines).rstrip("\n") + "\n"


def trust_block(doc: Document, edition: Edition, info: dict) -> list[str]:
    """Markdown lines: owner and review line, banners, language switcher, tags."""
    fm = doc.frontmatter
    assert fm is not None
    loc = fm.locale
    page = edition.path_of(doc)
    reviewed = info["last_reviewed"] or label("never_reviewed", loc)
    trust = f"{label('owner', loc)}: **{markdown_text(info['owner_name'])}** · {label('last_reviewed', loc)}: **{reviewed}**"
    if info["review_due"]:
        trust += f" · {label('review_due', loc)}: {info['review_due']}"
    out = [trust, "{: .kb-trust }", ""]
    if fm.status == "deprecated":
        text = label("deprecated_text", loc)
        successor = edition.visible(fm.superseded_by)
        if successor is not None:
            link = f"[{markdown_text(successor.title)}]({relative_md(page, edition.path_of(successor))})"
            text += " " + label("deprecated_use", loc).format(link=link)
        out += _admonition("danger kb-deprecated", label("deprecated_title", loc), text)
    if fm.status in ("draft", "review"):
        out += _admonition("note kb-draft", label("draft_title", loc), label("draft_text", loc).format(status=fm.status))
    if info["overdue"]:
        text = label("overdue_text", loc).format(due=info["review_due"]) if info["review_due"] else label("never_text", loc)
        out += _admonition("warning kb-overdue", label("overdue_title", loc), text)
    status = translation_status(doc, edition.corpus.by_id)
    if status is not None and status.outdated:
        text = label("outdated_text", loc)
        source = edition.visible(status.source.id if status.source else None)
        if source is not None:
            link = f"[{markdown_text(source.title)}]({relative_md(page, edition.path_of(source))})"
            text += " " + label("outdated_read", loc).format(link=link)
        out += _admonition("info kb-outdated", label("outdated_title", loc), text)
    others = [v for v in edition.versions_of(doc) if v is not doc]
    if others:
        links = " · ".join(
            f"[{LOCALE_NAMES.get(v.locale, v.locale)}]({relative_md(page, edition.path_of(v))}){{ hreflang={v.locale} }}"
            for v in others
        )
        out += [f"{label('also_in', loc)}: {links}", "{: .kb-translations }", ""]
    tags = [t for t in fm.tags]
    if tags:
        term = edition.taxonomy.tags
        links = " · ".join(
            f"[{markdown_text(term[t].label_for(loc) if t in term else t)}]({relative_md(page, f'tags/{quote(t)}.md')})"
            if SAFE_TAG.match(t) else markdown_text(t)
            for t in tags
        )
        out += [f"{label('tags', loc)}: {links}", "{: .kb-tags }", ""]
    return out


def _admonition(kind: str, title: str, text: str) -> list[str]:
    safe_title = title.replace('"', "'")
    return [f'!!! {kind} "{safe_title}"', "", f"    {text}", ""]


def _first_h1(lines: list[str]) -> int | None:
    fence = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fence = not fence
        elif not fence and _H1.match(line):
            return index
    return None
