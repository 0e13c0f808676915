"""A site per language in one build: page `lang`, interface words, navigation, homes and the language selector."""

from __future__ import annotations

import ast
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kbops.config import load_settings
from kbops.model.loader import load_corpus
from kbops.publishing import is_visible
from kbops.site.labels import _LABELS, AUTH_LABELS, SEARCH_LABELS, TYPE_LABELS
from kbops.site.urls import site_layout

LOCALES = ("es", "fr")


def material_words(code: str) -> dict[str, str]:
    """Material's interface words for one language, read from its partials/languages/<code>.html."""
    import material

    text = (Path(material.__file__).parent / "templates/partials/languages" / f"{code}.html").read_text(
        encoding="utf-8"
    )
    body = text[text.index("{{ {") + 3 : text.index("}[key]") + 1]
    return ast.literal_eval(body)


def english_labels(locale: str) -> set[str]:
    """Interface words whose English differs from `locale`'s: Material's own plus the site's."""
    english, local = material_words("en"), material_words(locale)
    words = {english[k] for k in english if k in local and local[k] != english[k] and not english[k].startswith("#")}
    for table in (_LABELS, TYPE_LABELS, AUTH_LABELS, SEARCH_LABELS):
        for names in table.values():
            if names.get(locale) and names[locale] != names["en"] and "{" not in names["en"]:
                words.add(names["en"])
    words.update({"Made with", "Was this helpful?", "Still need help? Contact support"})
    return {w for w in words if len(w) > 2}


class _Interface(HTMLParser):
    """Visible text and labelling attributes, minus scripts and anything marked as another language."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[bool] = []  # per open element: inside foreign-language or script content
        self.found: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        foreign = (
            self._skipping()
            or tag in ("script", "style")
            or any(attrs.get(name) not in (None, self.page_lang) for name in ("lang", "hreflang"))
        )
        if not foreign:
            for name in ("aria-label", "title", "placeholder", "alt"):
                if attrs.get(name):
                    self.found.append(attrs[name])
        if tag not in self.VOID:
            self.stack.append(foreign)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.found.append(data)


def interface_strings(html: str, lang: str) -> list[str]:
    parser = _Interface(lang)
    parser.feed(html)
    return [re.sub(r"\s+", " ", s).strip().rstrip(":").strip() for s in parser.found]


def html_lang(html: str) -> str:
    return re.search(r"<html lang=\"([^\"]+)\"", html).group(1)


@pytest.mark.parametrize("audience", ["public", "partner", "internal"])
def test_every_page_lang_is_its_docs_locale(built_sites, site_kb, audience):
    site = built_sites[audience].site_dir
    settings = load_settings(site_kb)
    layout = site_layout(settings)
    docs = [d for d in load_corpus(settings).docs if is_visible(d, audience)]
    assert {d.locale for d in docs} >= {"en", "es", "fr"}
    for doc in docs:
        page = site / layout.output_file(layout.staged_path(doc.relpath))
        assert html_lang(page.read_text(encoding="utf-8")) == doc.locale, page
    for page in site.rglob("index.html"):  # generated pages (homes, tags, sign-in) by their locale's folder
        html = page.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in html:
            continue  # a redirect page (renamed docs)
        head = page.relative_to(site).parts[0]
        assert html_lang(html) == (head if head in LOCALES else "en"), page


def test_no_english_interface_words_on_spanish_and_french_pages(built_sites):
    site = built_sites["partner"].site_dir
    checked = 0
    for locale in LOCALES:
        english = english_labels(locale)
        assert {"Skip to content", "Table of contents", "Back to top", "Agent sign-in", "Help articles"} <= english
        for page in (site / locale).rglob("index.html"):
            html = page.read_text(encoding="utf-8")
            if 'http-equiv="refresh"' in html:
                continue
            leaks = sorted({s for s in interface_strings(html, locale) if s in english})
            assert not leaks, f"{page.relative_to(site)}: English interface text {leaks}"
            config = json.loads(
                re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.S).group(1)
            )
            assert not set(config["translations"].values()) & english, page
            checked += 1
    assert checked > 20
    # The check itself catches English chrome: the English page, read as if it were Spanish, fails it.
    english_page = (
        (site / "account/sign-in-help/index.html")
        .read_text(encoding="utf-8")
        .replace('<html lang="en"', '<html lang="es"')
    )
    caught = {s for s in interface_strings(english_page, "es") if s in english_labels("es")}
    assert {"Skip to content", "Table of contents", "Agent sign-in", "Help articles", "Was this helpful?"} <= caught


def test_each_language_has_its_own_navigation_home_and_site_name(built_sites):
    site = built_sites["partner"].site_dir
    es = (site / "es/account/sign-in-help/index.html").read_text(encoding="utf-8")
    nav = es[
        es.index('class="md-nav md-nav--primary"') : es.index("</nav>", es.index('class="md-nav md-nav--primary"'))
    ]
    assert "Artículos de ayuda" in nav and "Acceso a la cuenta" in nav and "Help articles" not in nav
    assert "Centro de ayuda de Northwind Spend" in es and "Hecho con" in es
    assert 'placeholder="Búsqueda"' in es and "Saltar a contenido" in es
    fr_home = (site / "fr/index.html").read_text(encoding="utf-8")
    assert "Articles d'aide" in fr_home and "Uniquement en anglais" in fr_home
    # Untranslated docs are reachable from a language's home, marked as English pages.
    assert re.search(r'<a href="\.\./transfers/send-a-transfer/" hreflang="en" lang="en">Send a transfer</a>', fr_home)
    tags = (site / "es/tags/index.html").read_text(encoding="utf-8")
    assert html_lang(tags) == "es" and "Todas las etiquetas" in tags


def selector_links(html: str) -> dict[str, str]:
    """{hreflang: href} of the header's language selector."""
    block = html[html.index('class="md-select__list"') :]
    block = block[: block.index("</ul>")]
    return {lang: href for href, lang in re.findall(r'<a href="([^"]*)"[^>]*\shreflang="([^"]+)"', block)}


def test_language_selector_goes_to_the_translation_else_that_languages_home(built_sites):
    site = built_sites["public"].site_dir
    en = (site / "cards/lost-or-stolen-card/index.html").read_text(encoding="utf-8")
    assert selector_links(en) == {
        "en": "./",
        "es": "../../es/cards/lost-or-stolen-card/",
        "fr": "../../fr/cards/lost-or-stolen-card/",
    }
    untranslated = (site / "cards/freeze-card/index.html").read_text(encoding="utf-8")
    assert selector_links(untranslated) == {"en": "./", "es": "../../es/", "fr": "../../fr/"}
    es = (site / "es/cards/lost-or-stolen-card/index.html").read_text(encoding="utf-8")
    assert selector_links(es)["en"] == "../../../cards/lost-or-stolen-card/"
    assert '<link rel="alternate" hreflang="en" href="../../../cards/lost-or-stolen-card/">' in es


def test_sign_in_page_per_language_is_labelled_and_out_of_search(built_sites):
    site = built_sites["public"].site_dir
    page = (site / "es/login/index.html").read_text(encoding="utf-8")
    assert html_lang(page) == "es" and '<label class="kb-login__label" for="kb-key">Clave de acceso</label>' in page
    assert 'id="kb-key" name="key" type="password"' in page and 'data-kb-error="key" role="alert" hidden' in page
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    assert not [d for d in index["docs"] if d["location"].startswith(("login/", "es/login/"))]
    header = (site / "es/cards/lost-or-stolen-card/index.html").read_text(encoding="utf-8")
    assert 'data-kb-login-path="es/login/"' in header and "Acceso de agentes" in header


def test_no_inline_script_of_ours(built_sites):
    """The server's CSP allows only the site's own script files: our templates add none inline."""
    html = (built_sites["public"].site_dir / "fx/declined-card/index.html").read_text(encoding="utf-8")
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S)
    assert not [s for s in inline if "kbops" in s or "__kbops" in s]
    assert 'src="../../assets/kbops/site.js"' in html and 'src="../../assets/kbops/analytics.js"' in html
    assert " onclick=" not in html and " onload=" not in html
