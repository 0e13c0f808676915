"""One site section per language: homes, the header's language selector, localized names and interface words.

What mkdocs-static-i18n does with one build per language, done in the one audience build: every page
carries its locale (Material's interface language follows it, see theme/partials/language.html), each
locale has its own home and navigation subtree, and the selector links each page to its translation,
else to that language's home.
"""

from __future__ import annotations

import json
from pathlib import Path

from kbops.model.document import Document
from kbops.site.edition import Edition
from kbops.site.labels import (
    AUDIENCE_NAMES,
    AUTH_LABELS,
    LOCALE_NAMES,
    SEARCH_LABELS,
    TYPE_LABELS,
    label,
    localized,
)

UI_DIR = "_kbops"
LOGIN_PAGE = "login.md"


def site_locales(edition: Edition) -> list[str]:
    """Locales with at least one visible doc, the default first (always present: it holds the site home)."""
    return list(edition.locales)


def locale_prefix(edition: Edition, locale: str) -> str:
    return "" if locale == edition.default_locale else f"{locale}/"


def home_path(edition: Edition, locale: str) -> str:
    return f"{locale_prefix(edition, locale)}index.md"


def login_path(edition: Edition, locale: str) -> str:
    return f"{locale_prefix(edition, locale)}{LOGIN_PAGE}"


def versions(edition: Edition, paths: dict[str, str]) -> dict[str, str]:
    """{locale: URL} of one page in the other locales it exists in (`paths`: locale -> staged path).

    The language selector (theme/partials/alternate.html) links these, and each other locale's home.
    Only what differs from the homes is written, so 5k pages do not each carry the full selector.
    """
    return {loc: edition.layout.page_url(path) for loc, path in sorted(paths.items())}


def doc_versions(edition: Edition, doc: Document) -> dict[str, str]:
    others = {v.locale: edition.path_of(v) for v in reversed(edition.versions_of(doc)) if v is not doc}
    others.pop(doc.locale, None)
    return versions(edition, others)


def site_names(edition: Edition, site_name: str, homes: dict[str, Document]) -> dict[str, str]:
    """The header's site name per locale: the title of that locale's home document, else the configured name."""
    return {loc: (homes[loc].title if loc in homes else site_name) for loc in site_locales(edition)}


def ui_files(edition: Edition) -> dict[str, str]:
    """`_kbops/ui.<locale>.json`: words and taxonomy labels the search box shows (fetched when it is first used)."""
    files = {}
    for loc in site_locales(edition):
        words = {
            "search": localized(SEARCH_LABELS, loc),
            "locales": {code: name for code, name in LOCALE_NAMES.items()},
            "type": localized(TYPE_LABELS, loc),
            "product": {key: term.label_for(loc) for key, term in edition.taxonomy.products.items()},
        }
        files[f"{UI_DIR}/ui.{loc}.json"] = json.dumps(words, ensure_ascii=False, sort_keys=True)
    return files


def login_pages(edition: Edition) -> dict[str, str]:
    """The sign-in page in each locale: a themed form that `kb serve` answers (POST to the page's own URL)."""
    from kbops.site.render import front_matter  # render imports this module for document alternates

    pages = {}
    paths = {loc: login_path(edition, loc) for loc in site_locales(edition)}
    for loc, path in paths.items():
        words = localized(AUTH_LABELS, loc)
        home = edition.layout.page_url(home_path(edition, loc))
        meta = {
            "title": words["title"],
            "hide": ["navigation", "toc"],
            "search": {"exclude": True},
            "kbops": {"generated": "login", "locale": loc, "versions": versions(edition, paths)},
        }
        errors = "\n".join(
            f'<p class="kb-login__error" data-kb-error="{code}" role="alert" hidden>{words[key]}</p>'
            for code, key in (("key", "error_key"), ("empty", "error_empty"), ("static", "error_static"))
        )
        body = f"""# {words["title"]}

{words["intro"]}

<form class="kb-login" method="post" action="" data-kb-login>
{errors}
<label class="kb-login__label" for="kb-key">{words["key_label"]}</label>
<input class="kb-login__input" id="kb-key" name="key" type="password" autocomplete="current-password" aria-describedby="kb-key-hint" required>
<p class="kb-login__hint" id="kb-key-hint">{words["key_hint"]}</p>
<input type="hidden" name="next" value="{home}">
<input type="hidden" name="lang" value="{loc}">
<button class="md-button md-button--primary" type="submit">{words["submit"]}</button>
</form>

{words["public_note"]}
"""
        pages[path] = front_matter(meta) + body
    return pages


def header_words(edition: Edition) -> dict[str, dict]:
    """Per-locale words the header template needs (sign-in state, audience names), for `config.extra.kbops`."""
    out = {}
    for loc in site_locales(edition):
        words = localized(AUTH_LABELS, loc)
        out[loc] = {
            "sign_in": words["sign_in"],
            "sign_out": words["sign_out"],
            "signed_in_as": words["signed_in_as"],
            "audiences": localized(AUDIENCE_NAMES, loc),
            "login": edition.layout.page_url(login_path(edition, loc)),
            "home": edition.layout.page_url(home_path(edition, loc)),
            "made_with": label("made_with", loc),
        }
    return out


def material_languages() -> set[str]:
    """Interface languages Material ships (partials/languages/<code>.html)."""
    try:
        import material

        folder = Path(material.__file__).parent / "templates" / "partials" / "languages"
        return {p.stem for p in folder.glob("*.html")}
    except ImportError:  # another theme: only the default language is used
        return set()
