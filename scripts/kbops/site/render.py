"""Render one published document as a staged Markdown page: clean front-matter, trust line, banners, links."""

from __future__ import annotations

import html
import json
import re

from kbops.model.document import Document
from kbops.model.translations import translation_status
from kbops.site.budget import CPU_BUDGET
from kbops.site.edition import Edition
from kbops.site.i18n import doc_versions
from kbops.site.labels import LOCALE_NAMES, label
from kbops.site.links import LinkReport, rewrite_links
from kbops.site.sanitize import attribute_text, defuse_heavy_paragraphs, markdown_text
from kbops.site.trust import owner_name, review_state
from kbops.site.urls import relative_md, relative_url

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


THEME_KEYS = ("id", "locale", "type", "status")  # what templates and scripts read; the rest is rendered into the page


def render_doc(doc: Document, edition: Edition, report: LinkReport) -> str:
    """The staged Markdown of `doc`: its body with links rewritten and trust signals under the title."""
    meta = page_meta(doc, edition)
    written = {
        "title": meta["title"],
        "description": meta["description"],
        "kbops": {key: meta["kbops"][key] for key in THEME_KEYS},
    }
    others = doc_versions(edition, doc)
    if others:
        written["kbops"]["versions"] = others
    body = rewrite_links(doc, doc.body, edition, report)
    body, heavy = defuse_heavy_paragraphs(body)
    for offset, count in heavy:
        report.problems.append(
            f"{doc.relpath}:{doc.body_line + offset}: paragraph with {count:,} Markdown markers takes more than "
            f"{CPU_BUDGET:g} s of CPU to render: rendered as plain text"
        )
    lines = body.split("\n")
    at = _first_h1(lines)
    if at is None:
        lines[:0] = [f"# {markdown_text(doc.title)}", ""]
        at = 0
    written["kbops"]["chrome"] = chrome_html(doc, edition, meta["kbops"])
    banners = trust_block(doc, edition, meta["kbops"])
    lines[at + 1 : at + 1] = ["", *banners]
    return front_matter(written) + "\n".join(lines).rstrip("\n") + "\n"


def insert_chrome(content: str, chrome: str | None) -> str:
    """Put a page's chrome line(s) right under its title in the built HTML (the plugin's on_page_content)."""
    if not chrome:
        return content
    end = content.find("</h1>")
    return content[: end + 5] + "\n" + chrome + content[end + 5 :] if end >= 0 else chrome + "\n" + content


def chrome_html(doc: Document, edition: Edition, info: dict) -> str:
    """The trust line, the other language versions and the tags, as HTML.

    They are on every page, so they skip Markdown: the plugin inserts them under the page's title after
    MkDocs converted it (Python-Markdown costs about 0.2 ms per page for these three lines; bench/site).
    """
    fm = doc.frontmatter
    assert fm is not None
    loc = fm.locale
    reviewed = info["last_reviewed"] or label("never_reviewed", loc)
    trust = (
        f"{_h(label('owner', loc))}: <strong>{_h(info['owner_name'])}</strong> · "
        f"{_h(label('last_reviewed', loc))}: <strong>{_h(reviewed)}</strong>"
    )
    if info["review_due"]:
        trust += f" · {_h(label('review_due', loc))}: {_h(info['review_due'])}"
    out = [f'<p class="kb-trust">{trust}</p>']
    here = edition.layout.output_file(edition.path_of(doc))
    others = [v for v in edition.versions_of(doc) if v is not doc]
    if others:
        links = " · ".join(
            f'<a href="{_h(_url(here, edition.path_of(v), edition))}" hreflang="{_h(v.locale)}">{_h(LOCALE_NAMES.get(v.locale, v.locale))}</a>'
            for v in others
        )
        out.append(f'<p class="kb-translations">{_h(label("also_in", loc))}: {links}</p>')
    if fm.tags:
        folder = "" if loc == edition.default_locale else f"{loc}/"
        term = edition.taxonomy.tags
        links = " · ".join(
            f'<a href="{_h(_url(here, f"{folder}tags/{t}.md", edition))}">{_h(term[t].label_for(loc) if t in term else t)}</a>'
            if SAFE_TAG.match(t)
            else _h(t)  # a tag that cannot name a page has none (pages.tag_pages)
            for t in fm.tags
        )
        out.append(f'<p class="kb-tags">{_h(label("tags", loc))}: {links}</p>')
    return "\n".join(out)


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _url(from_file: str, to_path: str, edition: Edition) -> str:
    """The relative URL from a built page (`from_file`) to the staged page `to_path`."""
    return relative_url(from_file, edition.layout.page_url(to_path))


def trust_block(doc: Document, edition: Edition, info: dict) -> list[str]:
    """Markdown lines: the banners (deprecated, draft, overdue, outdated translation) under the title."""
    fm = doc.frontmatter
    assert fm is not None
    loc = fm.locale
    page = edition.path_of(doc)
    out: list[str] = []
    if fm.status == "deprecated":
        text = label("deprecated_text", loc)
        successor = edition.visible(fm.superseded_by)
        if successor is not None:
            link = f"[{markdown_text(successor.title)}]({relative_md(page, edition.path_of(successor))})"
            text += " " + label("deprecated_use", loc).format(link=link)
        out += _admonition("danger kb-deprecated", label("deprecated_title", loc), text)
    if fm.status in ("draft", "review"):
        out += _admonition(
            "note kb-draft", label("draft_title", loc), label("draft_text", loc).format(status=fm.status)
        )
    if info["overdue"]:
        text = (
            label("overdue_text", loc).format(due=info["review_due"])
            if info["review_due"]
            else label("never_text", loc)
        )
        out += _admonition("warning kb-overdue", label("overdue_title", loc), text)
    status = translation_status(doc, edition.corpus.by_id)
    if status is not None and status.outdated:
        text = label("outdated_text", loc)
        source = edition.visible(status.source.id if status.source else None)
        if source is not None:
            link = f"[{markdown_text(source.title)}]({relative_md(page, edition.path_of(source))})"
            text += " " + label("outdated_read", loc).format(link=link)
        out += _admonition("info kb-outdated", label("outdated_title", loc), text)
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
