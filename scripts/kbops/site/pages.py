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
from kbops.site.i18n import home_path, locale_prefix, site_locales, versions
from kbops.site.labels import LOCALE_NAMES, TYPE_ORDER, label, landing_words, language_in, type_label
from kbops.site.render import SAFE_TAG, front_matter
from kbops.site.sanitize import attribute_text, markdown_text
from kbops.site.urls import SiteLayout, page_key, relative_md, relative_url

HOME_PATH = "index.md"  # the default locale's home; other locales have <locale>/index.md
TAGS_DIR = "tags"
IDS_FILE = "_kbops/ids.json"
REDIRECT_SCRIPT = "assets/kbops/redirect.js"  # keeps the #fragment across the redirect
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


def navigation(edition: Edition, homes: dict[str, Document], has_tags: bool) -> list:
    """MkDocs `nav`: one top-level section per locale (its home, type > product > page, tags).

    The theme shows only the reading page's locale section (theme/partials/nav.html), so each language
    has its own navigation; a theme without that override shows the sections one under the other.
    """
    nav: list = []
    for locale in site_locales(edition):
        local_home = home_path(edition, locale)
        docs = [d for d in edition.docs if d.locale == locale and edition.path_of(d) != local_home]
        tree = [{label("home", locale): local_home}, *_type_sections(edition, docs, locale)]
        if has_tags:
            tree.append({label("tags", locale): f"{locale_prefix(edition, locale)}{TAGS_DIR}/index.md"})
        nav.append({LOCALE_NAMES.get(locale, locale): tree})
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


def _untranslated(edition: Edition, locale: str) -> list[Document]:
    """Default-locale docs with no visible version in `locale` (listed on that locale's home, marked)."""
    out = []
    for doc in edition.docs:
        if doc.locale == edition.default_locale and not any(v.locale == locale for v in edition.versions_of(doc)):
            out.append(doc)
    return out


def _by_type_and_product(edition: Edition, docs: list[Document], home: str, locale: str, lang: str | None) -> list[str]:
    out: list[str] = []
    groups = _grouped(docs)
    attrs = f"{{ hreflang={lang} lang={lang} }}" if lang else ""
    for doc_type in [t for t in TYPE_ORDER if t in groups] + sorted(set(groups) - set(TYPE_ORDER)):
        out += [f"### {type_label(doc_type, locale)}", ""]
        for product, members in sorted(groups[doc_type].items(), key=lambda kv: (kv[0] is None, str(kv[0]))):
            links = ", ".join(
                f"[{markdown_text(d.title)}]({relative_md(home, edition.path_of(d))}){attrs}"
                for d in members[:LANDING_LIMIT]
            )
            more = f" (+{len(members) - LANDING_LIMIT})" if len(members) > LANDING_LIMIT else ""
            out.append(f"- **{markdown_text(_product_label(edition, product, locale))}**: {links}{more}")
        out.append("")
    return out


def landing_section(edition: Edition, locale: str) -> list[str]:
    """A locale home's landing block: its docs by type and product, then the docs only the default locale has."""
    words = landing_words(edition.audience, locale)
    home = home_path(edition, locale)
    out = [f"## {words['title']} {{ .kb-landing data-kb-audience={edition.audience} }}", "", words["intro"], ""]
    docs = [d for d in edition.docs if d.locale == locale and edition.path_of(d) != home]
    out += _by_type_and_product(edition, docs, home, locale, None)
    if locale != edition.default_locale:
        english = _untranslated(edition, locale)
        if english:
            language = language_in(edition.default_locale, locale)
            default_home = relative_md(home, home_path(edition, edition.default_locale))
            out += [
                f"## {label('only_in', locale).format(language=language)} {{ .kb-untranslated }}",
                "",
                label("only_in_intro", locale).format(language=language),
                "",
                f"[{label('all_in', locale).format(language=language)}]({default_home}){{ hreflang={edition.default_locale} }}",
                "",
            ]
            out += _by_type_and_product(edition, english, home, locale, edition.default_locale)
    return out


def generated_home(edition: Edition, locale: str, site_name: str) -> str:
    {loc: home_path(edition, loc) for loc in site_locales(edition)}
    meta = {"title": site_name, "kbops": {"generated": "landing", "locale": locale}}
    return front_matter(meta) + "\n".join([f"# {site_name}", "", *landing_section(edition, locale)]) + "\n"


def tag_pages(edition: Edition) -> dict[str, str]:
    """`<locale>/tags/<tag>.md` for each tag used by a visible document, and a tags index, in each locale."""
    tagged: dict[str, list[Document]] = defaultdict(list)
    for doc in edition.docs:
        for tag in doc.frontmatter.tags if doc.frontmatter else ():
            if SAFE_TAG.match(tag):  # a tag names a file: `../x` or `a/b` never becomes a path
                tagged[tag].append(doc)
    if not tagged:
        return {}
    pages: dict[str, str] = {}
    terms = edition.taxonomy.tags
    locales = site_locales(edition)
    for locale in locales:
        folder = f"{locale_prefix(edition, locale)}{TAGS_DIR}"
        index = [f"# {label('all_tags', locale)}", ""]
        for tag in sorted(tagged, key=lambda t: (terms[t].label_for(locale) if t in terms else t).casefold()):
            name = terms[tag].label_for(locale) if tag in terms else tag
            path = f"{folder}/{tag}.md"
            lines = [f"# {label('tagged', locale)}: {markdown_text(name)}", ""]
            # Each language section lists its own pages; the default locale's tag page is one link away.
            members = sorted((d for d in tagged[tag] if d.locale == locale), key=_title_key)
            lines += [f"- [{markdown_text(d.title)}]({relative_md(path, edition.path_of(d))})" for d in members]
            if locale != edition.default_locale:
                default_page = relative_md(path, f"{TAGS_DIR}/{tag}.md")
                language = language_in(edition.default_locale, locale)
                lines += [
                    "",
                    f"[{label('all_in', locale).format(language=language)}]({default_page}){{ hreflang={edition.default_locale} }}",
                ]
            same = {loc: f"{locale_prefix(edition, loc)}{TAGS_DIR}/{tag}.md" for loc in locales}
            meta = {
                "title": attribute_text(name),
                "kbops": {
                    "generated": "tag",
                    "tag": attribute_text(tag),
                    "locale": locale,
                    "versions": versions(edition, same),
                },
            }
            pages[path] = front_matter(meta) + "\n".join(lines) + "\n"
            count = sum(1 for d in tagged[tag] if d.locale == locale)
            index.append(f"- [{markdown_text(name)}]({quote(tag)}.md) ({count} {label('documents', locale)})")
        same = {loc: f"{locale_prefix(edition, loc)}{TAGS_DIR}/index.md" for loc in locales}
        meta = {
            "title": label("tags", locale),
            "kbops": {"generated": "tags", "locale": locale, "versions": versions(edition, same)},
        }
        pages[f"{folder}/index.md"] = front_matter(meta) + "\n".join(index) + "\n"
    return pages


def redirect_pages(edition: Edition, taken: set[str]) -> dict[str, str]:
    """HTML redirect pages for each `redirect_from` entry (renames: a handful, and they work on any host).

    Stable `id/<id>/` URLs need no page per doc: the server (and the 404 page's script on static hosts)
    resolve them through the id map.
    """
    pages: dict[str, str] = {}
    for doc in edition.docs:
        target = edition.url_of(doc)
        assert doc.frontmatter is not None  # an edition holds visible docs only: their front-matter validated
        sources = [_redirect_source(entry, edition.layout) for entry in doc.frontmatter.redirect_from]
        for source in filter(None, sources):
            file = source if source.endswith(".html") else f"{source.strip('/')}/index.html"
            if file in taken or file in pages:
                continue
            pages[file] = _redirect_html(relative_url(file, target), relative_url(file, REDIRECT_SCRIPT).rstrip("/"))
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


def _redirect_html(url: str, script: str) -> str:
    """A redirect page without inline script (the server's CSP allows only the site's own script files)."""
    href = html.escape(url, quote=True)
    src = html.escape(script, quote=True)
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>Redirecting…</title>'
        f'<meta name="robots" content="noindex"><link rel="canonical" href="{href}">'
        f'<meta http-equiv="refresh" content="0; url={href}">'
        f'<script src="{src}"></script></head>'
        f'<body><a href="{href}">Redirecting…</a></body></html>\n'
    )


def id_map(edition: Edition) -> str:
    """`{page URL: doc id}`: result clicks are reported by id, and `id/<id>/` URLs resolve through it."""
    mapping = {page_key(edition.url_of(d)): d.id for d in edition.docs}
    return json.dumps(mapping, ensure_ascii=False, sort_keys=True)


def output_files(paths: list[str], layout: SiteLayout) -> set[str]:
    return {layout.output_file(p) for p in paths}
