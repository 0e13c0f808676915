"""Pages and files the edition generates: landing page, tag pages, navigation, redirects, the id map."""
from __future__ import annotations

import html
import json
import posixpath
import re
from collections import defaultdict
from urllib.parse import quote

from kbops.model.document import Document
from kbops.model.schema import ID_PATTERN
from kbops.site.edition import Edition
from kbops.site.labels import AUDIENCE_LANDING, LOCALE_NAMES, TYPE_ORDER, label, type_label
from kbops.site.render import SAFE_TAG, front_matter
from kbops.site.sanitize import attribute_text, markdown_text
from kbops.site.urls import SiteLayout, page_key, relative_md, relative_url

HOME_PATH = "index.md"
TAGS_DIR = "tags"
IDS_FILE = "_kbops/ids.json"
LANDING_LIMIT = 5  # documents listed per product on the landing page; the nav holds the rest


def _title_key(doc: Document) -> tuple[str, str]:
    return (doc.title.casefold(), doc.relpath)


def _grouped(docs: list[Document]) -> dict[str, dict[str | None, list[Document]]]:
    """type -> product (None when unset) -> docs sorted by title."""
    groups: dict[str, dict[str | None, list[Document]]] = defaultdict(lambda: defaultdict(list))
    for doc in docs:
        fm = doc.frontmatter
        assert fm is not None
        groups[str(fm.type)][fm.product].append(doc)
    for products in groups.values():
        for members in products.values():
            members.sort(key=_title_key)
    return groups


def _product_label(edition: Edition, product: str | None, locale: str) -> str:
    if product is None:
        return label("other", locale)
    term = edition.taxonomy.products.get(product)
    return term.label_for(locale) if term else product


def _locales(edition: Edition) -> list[str]:
    found = {doc.locale for doc in edition.docs}
    return [edition.default_locale] * (edition.default_locale in found) + sorted(found - {edition.default_locale})


def navigation(edition: Edition, home: Document | None, has_tags: bool) -> list:
    """MkDocs `nav`: home, then type > product > page for the default locale, one section per other locale."""
    nav: list = [{label("home", edition.default_locale): HOME_PATH}]
    for locale in _locales(edition):
        local_home = f"{locale}/index.md"
        docs = [d for d in edition.docs if d.locale == locale and d is not home and edition.path_of(d) != local_home]
        tree = _type_sections(edition, docs, locale)
        if locale == edition.default_locale:
            nav += tree
            continue
        if any(edition.path_of(d) == local_home for d in edition.docs):
            tree.insert(0, {label("home", locale): local_home})
        if tree:
            nav.append({LOCALE_NAMES.get(locale, locale): tree})
    if has_tags:
        nav.append({label("tags", edition.default_locale): f"{TAGS_DIR}/index.md"})
    return nav


def _type_sections(edition: Edition, docs: list[Document], locale: str) -> list:
    groups = _grouped(docs)
    sections = []
    for doc_type in sorted(groups, key=lambda t: (TYPE_ORDER.index(t) if t in TYPE_ORDER else 99, t)):
        products = groups[doc_type]
        children: list = []
        for product in sorted(products, key=lambda p: (p is None, _product_label(edition, p, locale).casefold())):
            pages = [{attribute_text(d.title): edition.path_of(d)} for d in products[product]]
            children.append({attribute_text(_product_label(edition, product, locale)): pages})
        if len(children) == 1 and None in products:
            children = children[0][_product_label(edition, None, locale)]
        sections.append({type_label(doc_type, locale): children})
    return sections


def landing_section(edition: Edition) -> list[str]:
    """The audience's landing block: what this edition holds, by type and product (default locale)."""
    words = AUDIENCE_LANDING[edition.audience]
    locale = edition.default_locale
    out = [f"## {words['title']} {{ .kb-landing data-kb-audience={edition.audience} }}", "", words["intro"], ""]
    docs = [d for d in edition.docs if d.locale == locale and edition.path_of(d) != HOME_PATH]
    groups = _grouped(docs)
    for doc_type in [t for t in TYPE_ORDER if t in groups] + sorted(set(groups) - set(TYPE_ORDER)):
        out += [f"### {type_label(doc_type, locale)}", ""]
        for product, members in sorted(groups[doc_type].items(), key=lambda kv: (kv[0] is None, str(kv[0]))):
            links = ", ".join(
                f"[{markdown_text(d.title)}]({relative_md(HOME_PATH, edition.path_of(d))})" for d in members[:LANDING_LIMIT]
            )
            more = f" (+{len(members) - LANDING_LIMIT})" if len(members) > LANDING_LIMIT else ""
            out.append(f"- **{markdown_text(_product_label(edition, product, locale))}**: {links}{more}")
        out.append("")
    return out


def generated_home(edition: Edition, site_name: str) -> str:
    meta = {"title": site_name, "kbops": {"generated": "landing", "locale": edition.default_locale}}
    return front_matter(meta) + "\n".join([f"# {site_name}", "", *landing_section(edition)]) + "\n"


def tag_pages(edition: Edition) -> dict[str, str]:
    """`tags/<tag>.md` for each tag used by a visible document, and `tags/index.md`."""
    tagged: dict[str, list[Document]] = defaultdict(list)
    for doc in edition.docs:
        for tag in doc.frontmatter.tags if doc.frontmatter else ():
            if SAFE_TAG.match(tag):  # a tag names a file: `../x` or `a/b` never becomes a path
                tagged[tag].append(doc)
    if not tagged:
        return {}
    locale = edition.default_locale
    terms = edition.taxonomy.tags
    pages: dict[str, str] = {}
    index = [f"# {label('all_tags', locale)}", ""]
    for tag in sorted(tagged, key=lambda t: (terms[t].label if t in terms else t).casefold()):
        name = terms[tag].label if tag in terms else tag
        path = f"{TAGS_DIR}/{tag}.md"
        lines = [f"# {label('tagged', locale)}: {markdown_text(name)}", ""]
        for doc in sorted(tagged[tag], key=_title_key):
            lang = f" ({LOCALE_NAMES.get(doc.locale, doc.locale)})" if doc.locale != locale else ""
            lines.append(f"- [{markdown_text(doc.title)}]({relative_md(path, edition.path_of(doc))}){lang}")
        meta = {"title": attribute_text(name), "kbops": {"generated": "tag", "tag": attribute_text(tag)}}
        pages[path] = front_matter(meta) + "\n".join(lines) + "\n"
        index.append(f"- [{markdown_text(name)}]({quote(tag)}.md) ({len(tagged[tag])} {label('documents', locale)})")
    pages[f"{TAGS_DIR}/index.md"] = front_matter({"title": label("tags", locale), "kbops": {"generated": "tags"}}) + "\n".join(index) + "\n"
    return pages


def redirect_pages(edition: Edition, taken: set[str]) -> dict[str, str]:
    """HTML redirect pages: `id/<id>/` for every doc (stable across renames), plus each `redirect_from` entry."""
    pages: dict[str, str] = {}
    for doc in edition.docs:
        target = edition.url_of(doc)
        sources = [f"id/{doc.id}"] + [_redirect_source(entry, edition.layout) for entry in doc.frontmatter.redirect_from]
        for source in filter(None, sources):
            file = source if source.endswith(".html") else f"{source.strip('/')}/index.html"
            if file in taken or file in pages:
                continue
            pages[file] = _redirect_html(relative_url(file, target))
    return pages


def _redirect_source(entry: str, layout: SiteLayout) -> str | None:
    """An old path (`kb/cards/old.md`, `cards/old/`) or an old id (`old-id`) -> the folder to redirect from.

    None for entries that would land outside the site (`..`), which must never be written.
    """
    written_as_path = "/" in entry.strip()
    entry = posixpath.normpath(entry.strip().lstrip("/"))
    if entry in (".", "") or entry == ".." or entry.startswith("../"):
        return None
    if entry.endswith(".md"):
        return layout.page_url(layout.staged_path(entry)).rstrip("/") or "index"
    if not written_as_path and re.fullmatch(ID_PATTERN, entry):
        return f"id/{entry}"
    return entry


def _redirect_html(url: str) -> str:
    href = html.escape(url, quote=True)
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>Redirecting…</title>'
        f'<meta name="robots" content="noindex"><link rel="canonical" href="{href}">'
        f'<meta http-equiv="refresh" content="0; url={href}">'
        f'<script>location.replace({json.dumps(url)} + location.hash)</script></head>'
        f'<body><a href="{href}">Redirecting…</a></body></html>\n'
    )


def id_map(edition: Edition) -> str:
    """`{page URL: doc id}` so the site's scripts can report result clicks by document id."""
    mapping = {page_key(edition.url_of(d)): d.id for d in edition.docs}
    return json.dumps(mapping, ensure_ascii=False, sort_keys=True)


def output_files(paths: list[str], layout: SiteLayout) -> set[str]:
    return {layout.output_file(p) for p in paths}
