"""`kb new --translation-of`: scaffold a translation beside its source, stamped with the source's content hash."""

from __future__ import annotations

import datetime as dt
import logging
import re

from kbops import locale as locales
from kbops.authoring.new import NewDocument, front_matter_text
from kbops.authoring.untranslated import mark_body, mark_field
from kbops.config import Settings
from kbops.errors import NotFoundError, UsageError
from kbops.model.loader import load_corpus, parse_document
from kbops.model.schema import ID_PATTERN
from kbops.model.sections import REQUIRED_SECTIONS

log = logging.getLogger(__name__)

KEY_ORDER = (
    "id",
    "title",
    "description",
    "type",
    "status",
    "audience",
    "owner",
    "product",
    "tags",
    "intents",
    "locale",
    "translation_of",
    "source_hash",
    "last_reviewed",
    "review_every",
    "risk",
    "classification",
    "compliance",
)

# Governed fields a translation inherits unchanged from its source; the rest is the translator's.
INHERITED = (
    "type",
    "audience",
    "owner",
    "product",
    "tags",
    "intents",
    "review_every",
    "risk",
    "classification",
    "compliance",
)


def translation_path(source_relpath: str, locale: str) -> str:
    """`kb/payments/card-declined.md` -> `kb/payments/card-declined.es.md` (the locale-suffix convention)."""
    stem, _ = locales.suffix_locale(source_relpath)
    return f"{stem}.{locale}.md"


def localize_headings(body: str, doc_type: str, title: str, locale: str) -> str:
    """The source body with the new title as H1 and the required sections under their localized names."""
    names = locales.section_names(locale)
    required = set(REQUIRED_SECTIONS.get(doc_type, []))
    lines = []
    h1_done = False
    for line in body.split("\n"):
        if not h1_done and re.match(r"^# \S", line):
            line, h1_done = f"# {title}", True
        else:
            match = re.match(r"^## (.+?)\s*$", line)
            if match and match.group(1) in required and match.group(1) in names:
                line = f"## {names[match.group(1)]}"
        lines.append(line)
    return "\n".join(lines)


def new_translation(
    settings: Settings,
    source_id: str,
    locale: str,
    title: str,
    doc_type: str | None = None,
    doc_id: str | None = None,
    today: dt.date | None = None,
) -> NewDocument:
    """Write a draft translation of `source_id` into `locale`. Refuses to overwrite anything."""
    if locale not in settings.locales:
        raise UsageError(
            f"unknown locale {locale!r}; expected one of {', '.join(settings.locales)} ([tool.kbops] locales)"
        )
    corpus = load_corpus(settings)
    source = corpus.get(source_id)
    if source is None:
        hint = corpus.did_you_mean(source_id) or "; --translation-of names the source doc's id"
        raise NotFoundError(f"no document has the id {source_id!r}{hint}")
    if source.frontmatter is None:
        raise UsageError(
            f"{source.relpath} does not pass the schema (`kb lint {source.relpath}`); fix it before translating"
        )
    fm = source.frontmatter
    if fm.translation_of:
        raise UsageError(
            f"{source_id!r} is itself a translation of {fm.translation_of!r}; translate the source instead"
        )
    if doc_type and doc_type != fm.type:
        raise UsageError(f"{source_id!r} is a {fm.type}, not a {doc_type}")
    if locale == fm.locale:
        raise UsageError(f"{source_id!r} is already in {locale!r}; choose another --locale")
    title = " ".join(title.split())
    if len(title) < 3:
        raise UsageError("the title needs at least 3 characters")
    new_id = doc_id or f"{source_id}-{locale}"
    if not re.fullmatch(ID_PATTERN, new_id):
        raise UsageError(f"invalid id {new_id!r}; use lowercase letters, digits and hyphens")
    relpath = translation_path(source.relpath, locale)
    path = settings.root / relpath
    existing = [d.relpath for d in corpus.translations_of(source_id) if d.locale == locale]
    if existing or new_id in corpus.by_id or path.exists():
        where = existing[0] if existing else (holder.relpath if (holder := corpus.get(new_id)) is not None else relpath)
        raise UsageError(f"a {locale} translation or the id {new_id!r} already exists ({where}); nothing was written")

    raw = source.meta
    meta = {key: raw[key] for key in INHERITED if key in raw}
    meta.update(
        id=new_id,
        title=title,
        description=raw["description"],
        status="draft",
        locale=locale,
        translation_of=source_id,
        source_hash=source.content_hash,
        last_reviewed=(today or settings.today_date()).isoformat(),
    )
    meta = {key: meta[key] for key in KEY_ORDER if key in meta}
    body = localize_headings(source.body, fm.type, title, locale)
    translated = {title} | {locales.section_names(locale).get(n, n) for n in REQUIRED_SECTIONS.get(fm.type, [])}
    front = mark_field(front_matter_text(meta, lists=("sample_queries",)), "description")
    text = front + "\n" + mark_body(body, translated)
    parsed = parse_document(relpath, text.encode("utf-8"), default_locale=settings.default_locale)
    if parsed.schema_problems or parsed.problems:
        raise RuntimeError(f"kb new produced an invalid translation: {parsed.schema_problems or parsed.problems}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    log.info("created %s (translation of %s)", relpath, source.relpath)
    return NewDocument(path, relpath, new_id, fm.type, locale, fm.owner, str(fm.audience))  # a str (use_enum_values)
