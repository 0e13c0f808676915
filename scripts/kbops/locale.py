"""Locales: the one owner of language codes, the configured set and default, a doc's language, per-language data.

Every module that needs to know "which language is this" asks here: front-matter and configuration
codes are parsed with `parse_locale`, codes from clients (events, sign-in forms) are checked with
`looks_like_locale`, the language of a tag is `language_of` ("es-MX" -> "es"). What each language
brings (the H2 names of required sections, `kb new` templates and text, the site's own words) lives
in data files under `kbops/locales/<language>/`, so adding a language is a change of
`[tool.kbops] locales` plus data files, never of code. A language without data falls back to English.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from typing import Any, TypeGuard

import yaml

log = logging.getLogger(__name__)

DEFAULT_LOCALE = "en"  # the one default of `[tool.kbops] default_locale` (and of a doc without `locale:`)
DEFAULT_LOCALES = ("en", "es", "fr")
FALLBACK_LANGUAGE = "en"  # the language whose data fills what another language's data lacks

# BCP 47, as far as a knowledge base needs: a primary language subtag (ISO 639, 2-3 letters) and an
# optional region (ISO 3166 alpha-2, or a UN M.49 area such as 419). Front-matter and configuration.
LOCALE_PATTERN = r"^[a-z]{2,3}(?:-(?:[A-Z]{2}|[0-9]{3}))?$"
_LOCALE = re.compile(LOCALE_PATTERN)
# What clients send (browsers' navigator.language, `?lang=`): any case, "_" or "-", one subtag of 2-8.
_CLIENT_LOCALE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")
# A translation is written beside its source as `name.<locale>.md`. Only two-letter languages (and a
# region) count as a suffix, so `faq.old.md` or `setup.api.md` stay ordinary names.
_SUFFIX = re.compile(r"^(?P<stem>.+)\.(?P<locale>[a-z]{2}(?:-(?:[A-Z]{2}|[0-9]{3}))?)\.md$")

# Snowball stemmers and stop-word lists a lexical backend can use (the languages Snowball ships).
SNOWBALL_LANGUAGES = frozenset(
    {"ar", "da", "de", "en", "es", "fi", "fr", "hu", "it", "nl", "no", "pt", "ro", "ru", "sv", "tr"}
)
# Languages the default embedding model (multilingual-e5-small, XLM-R's CC-100 languages) was trained on.
EMBEDDING_LANGUAGES = frozenset(
    "af am ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy ga gd gl gu ha he hi hr hu hy id is "
    "it ja jv ka kk km kn ko ku ky la lo lt lv mg mk ml mn mr ms my nb ne nl nn no om or pa pl ps pt ro ru sa sd si "
    "sk sl so sq sr su sv sw ta te th tl tr ug uk ur uz vi xh yi zh".split()
)


@dataclass(frozen=True)
class Locale:
    """A parsed locale code: `es-MX` -> language `es`, region `MX`."""

    code: str
    language: str
    region: str | None = None


def parse_locale(text: object) -> Locale:
    """A front-matter or configuration locale; ValueError names what is expected."""
    if not isinstance(text, str) or not _LOCALE.fullmatch(text):
        raise ValueError(f"invalid locale {str(text)[:40]!r}; expected a BCP 47 code such as en, es or pt-BR")
    language, _, region = text.partition("-")
    return Locale(text, language, region or None)


def is_locale(text: object) -> TypeGuard[str]:
    return isinstance(text, str) and bool(_LOCALE.fullmatch(text))


def looks_like_locale(text: object) -> bool:
    """A language tag as clients send it (`en`, `pt-BR`, `pt_br`, `es-419`): safe to store and to put in a URL."""
    return isinstance(text, str) and bool(_CLIENT_LOCALE.fullmatch(text))


def language_of(code: str | None) -> str:
    """The primary language subtag, lower case: "es-MX" -> "es", "pt_BR" -> "pt", None -> ""."""
    return (code or "").replace("_", "-").split("-", 1)[0].lower()


def region_of(code: str | None) -> str | None:
    """The region subtag, upper case: "es-MX" -> "MX", "pt_br" -> "BR", "es" or "es-419" -> None."""
    parts = (code or "").replace("_", "-").split("-")
    return parts[1].upper() if len(parts) > 1 and len(parts[1]) == 2 and parts[1].isalpha() else None


def same_language(a: str | None, b: str | None) -> bool:
    return language_of(a) == language_of(b)


def languages(locales: Iterable[str], *more: str) -> tuple[str, ...]:
    """Primary language subtags of some locales (es-MX -> es), sorted, without duplicates."""
    return tuple(sorted({language_of(code) for code in (*locales, *more) if code}))


# -- the configured set -----------------------------------------------------------------------------------------


def locale_problems(codes: Iterable[object]) -> list[str]:
    """What is wrong with a list of locale codes (`[tool.kbops] locales`): invalid or repeated codes."""
    problems = []
    seen: set[str] = set()
    for number, code in enumerate(codes):
        if not is_locale(code):
            problems.append(f"locales[{number}] {str(code)[:40]!r} is not a BCP 47 code such as en, es or pt-BR")
        elif code in seen:
            problems.append(f"locales[{number}] {code!r} is listed twice")
        else:
            seen.add(code)
    return problems


def resolve_locale(code: str | None, configured: Iterable[str], default: str) -> str:
    """The configured locale a requested code means: itself, else one of its language, else the default."""
    configured = tuple(configured)
    if code in configured:
        return code
    matches = [c for c in configured if same_language(c, code)] if code else []
    return matches[0] if matches else default


# -- a document's locale ----------------------------------------------------------------------------------------


def doc_locale(meta: Mapping[str, Any], default: str = DEFAULT_LOCALE) -> str:
    """The locale of a document: its front-matter `locale`, else the configured default."""
    value = meta.get("locale")
    return str(value) if value else default


def suffix_locale(relpath: str) -> tuple[str, str | None]:
    """`kb/x.es.md` -> ("kb/x", "es"); `kb/x.md` -> ("kb/x", None): the stem and the locale its file name says."""
    match = _SUFFIX.match(relpath)
    if match:
        return match.group("stem"), match.group("locale")
    return (relpath[:-3] if relpath.endswith(".md") else relpath), None


def localized_path(relpath: str, locale: str, default: str) -> str:
    """The file name a doc in `locale` has beside its source: `kb/x.md` -> `kb/x.pt.md` (default locale: no suffix)."""
    stem, _ = suffix_locale(relpath)
    return f"{stem}.md" if locale == default else f"{stem}.{locale}.md"


# -- what each language brings ----------------------------------------------------------------------------------


def _data_root() -> Traversable:
    return resources.files("kbops") / "locales"


@functools.cache
def shipped_languages() -> tuple[str, ...]:
    """Languages with a data folder under kbops/locales/."""
    return tuple(sorted(p.name for p in _data_root().iterdir() if p.is_dir() and (p / "language.yml").is_file()))


@functools.cache
def _raw_data(language: str) -> dict:
    source = _data_root() / language / "language.yml"
    if not re.fullmatch(r"[a-z]{2,3}", language) or not source.is_file():
        return {}
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else {}


def has_language_data(code: str) -> bool:
    return bool(_raw_data(language_of(code)))


def language_data(code: str, key: str) -> Any:
    """One entry of a language's data file (`sections`, `new`, `site`...), or None when it has none."""
    return _raw_data(language_of(code)).get(key)


def language_name(code: str) -> str:
    """The language by its own name ("Português"), for selectors and navigation; the code when unknown."""
    return str(_raw_data(language_of(code)).get("name") or code)


def english_name(code: str) -> str:
    """The language's English name ("Portuguese"), for messages."""
    return str(_raw_data(language_of(code)).get("english_name") or code)


def section_names(code: str) -> dict[str, str]:
    """Canonical (English) H2 heading -> the heading documents in this language use (English where missing)."""
    english = dict(_raw_data(FALLBACK_LANGUAGE).get("sections") or {})
    return {**english, **(_raw_data(language_of(code)).get("sections") or {})}


def new_doc_text(code: str, key: str) -> Any:
    """`kb new` text of a language (`description`, `kinds`), English where the language has none."""
    own = _raw_data(language_of(code)).get("new") or {}
    return own.get(key) if key in own else (_raw_data(FALLBACK_LANGUAGE).get("new") or {}).get(key)


def site_words(code: str, group: str) -> dict:
    """A group of site words (`feedback`, `labels`...) in a language, English for what it lacks."""
    english = ((_raw_data(FALLBACK_LANGUAGE).get("site") or {}).get(group)) or {}
    own = ((_raw_data(language_of(code)).get("site") or {}).get(group)) or {}
    return {**english, **own}


def language_regions(code: str | None) -> tuple[str, ...]:
    """Countries (ISO 3166) whose phone numbers a doc in this language most likely holds (`regions:` of its data)."""
    return tuple(str(r) for r in (_raw_data(language_of(code)).get("regions") or ()))


def template_source(doc_type: str, code: str) -> Traversable | None:
    """The `kb new` body template of a type in a language, None when the language has none."""
    source = _data_root() / language_of(code) / "templates" / f"{doc_type}.md"
    return source if re.fullmatch(r"[a-z]{2,3}", language_of(code)) and source.is_file() else None


def has_templates(code: str) -> bool:
    return template_source("article", code) is not None


# -- search, site and embedding model ---------------------------------------------------------------------------


def stemmer_language(code: str | None) -> str | None:
    """The Snowball stemmer a lexical index uses for a locale's language, None when there is none."""
    language = language_of(code)
    configured = _raw_data(language).get("stemmer") if language else None
    if configured is not None:
        return configured or None
    return language if language in SNOWBALL_LANGUAGES else None


def stopword_language(code: str | None) -> str | None:
    """The stop-word list for a locale's language (the same Snowball lists), None when there is none."""
    return stemmer_language(code)


def interface_language(code: str, available: Iterable[str], fallback: str) -> str:
    """The theme's interface language for a locale: itself (pt-BR), else its language (pt), else `fallback`."""
    available = set(available)
    if code in available:
        return code
    language = language_of(code)
    return language if language in available else fallback


def embedding_supports(code: str) -> bool:
    """Whether the default embedding model was trained on this locale's language."""
    return language_of(code) in EMBEDDING_LANGUAGES
