"""What the index stores about one publishable document, derived from the content model."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kbops.locale import DEFAULT_LOCALES, language_of
from kbops.model.document import Block, Document, Heading
from kbops.model.taxonomy import Taxonomy
from kbops.site.urls import SiteLayout

# Classes stop at the next opener, so a text of 50,000 `[` or `<` is scanned once, not once per opener.
_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")
_HTML = re.compile(r"<[^<>]+>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`|~~)")
_ADMONITION = re.compile(r"^(?:!!!|\?\?\?\+?)\s*\w+(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)


@dataclass(frozen=True)
class IndexRecord:
    """One publishable document as the search backends see it (plain text, labels resolved)."""

    key: str  # relpath: stable within one checkout, the unit of incremental updates
    id: str
    title: str
    description: str
    headings: tuple[str, ...]
    text: str  # body as plain text, for matching and snippets
    tags: tuple[str, ...]  # tag and product labels in the doc's language, plus their keys
    product: str
    intents: tuple[str, ...]  # intent keys and their labels in the doc's language
    sample_queries: tuple[str, ...]
    type: str
    audience: str
    status: str
    locale: str
    path: str
    url: str
    content_hash: str
    chunks: tuple[str, ...] = ()  # heading-sized passages (the export's chunks) that get embedded
    superseded_by: str = ""
    translation_of: str = ""
    # Taxonomy labels of the doc's intents and tags in the other languages: (locale, label). The taxonomy is
    # a controlled, translated vocabulary, so an English doc labelled "PIN blocked" answers "PIN bloqueado".
    labels_elsewhere: tuple[tuple[str, str], ...] = ()
    # (language, label) of the doc's intents in every language: embedded beside the sample queries.
    intent_labels: tuple[tuple[str, str], ...] = ()


def plain_text(markdown: str) -> str:
    """Markdown inline syntax removed; what a reader sees, good enough for matching and snippets."""
    text = _ADMONITION.sub("", markdown)
    text = _LINK.sub(r"\1", text)
    text = _HTML.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def split_sections(headings: Iterable[Heading], blocks: Iterable[Block]) -> list[tuple[Heading | None, str]]:
    """A body cut at its headings: (heading or None before the first one, plain text); empty sections skipped.

    The one definition of a heading-sized chunk, shared by `kb export` and the embedded passages.
    """
    ordered = sorted(headings, key=lambda h: h.line)
    starts = [h.line for h in ordered]
    sections: dict[int, list[str]] = {}
    for block in blocks:
        if block.kind not in ("text", "code"):
            continue
        text = plain_text(block.text)
        if text:
            sections.setdefault(bisect.bisect_right(starts, block.line) - 1, []).append(text)
    return [(ordered[i] if i >= 0 else None, "\n\n".join(sections[i])) for i in sorted(sections)]


def passages(
    title: str, description: str, sections: list[tuple[Heading | None, str]], limit: int = 2000
) -> tuple[str, ...]:
    """What gets embedded: one passage per section, each carrying the doc title (and the first one the description)."""
    found: list[str] = []
    for heading, body in sections:
        if heading is None or heading.level == 1:
            head = f"{title}. {description}" if description else title
        else:
            head = f"{title} › {heading.text}"
        found.append(f"{head}\n{body}"[:limit])
    if not found:
        found.append(f"{title}. {description}" if description else title)
    return tuple(found)


def _labels(keys: list[str], terms: dict, locale: str) -> tuple[str, ...]:
    found: list[str] = []
    for key in keys:
        found.append(key.replace("_", " ").replace("-", " "))
        term = terms.get(key)
        if term is not None:
            found.append(term.label_for(language_of(locale)))
            found.extend(term.synonyms.get(language_of(locale), []))
    return tuple(dict.fromkeys(found))


def labels_elsewhere(
    keys: list[str], terms: dict, locale: str, languages: tuple[str, ...] = DEFAULT_LOCALES
) -> tuple[tuple[str, str], ...]:
    own = language_of(locale)
    found: list[tuple[str, str]] = []
    for language in languages:
        if language == own:
            continue
        for key in keys:
            term = terms.get(key)
            if term is not None:
                found.append((language, term.label_for(language)))
                found.extend((language, synonym) for synonym in term.synonyms.get(language, []))
    return tuple(dict.fromkeys(found))


def record_for(
    doc: Document, taxonomy: Taxonomy, layout: SiteLayout, languages: tuple[str, ...] = DEFAULT_LOCALES
) -> IndexRecord:
    """The index record of a doc whose front-matter validated (callers check publishability first).

    Its `url` is where `kb build` puts the page, from the site's layout (`kbops.site.urls`)."""
    fm = doc.frontmatter
    assert fm is not None, "only validated documents are indexed"
    body_blocks = [plain_text(b.text) for b in doc.blocks if b.kind in ("text", "code")]
    headings = tuple(plain_text(h.text) for h in doc.headings if h.text.strip() and h.text.strip() != fm.title)
    product = fm.product or ""
    tags = _labels(list(fm.tags) + ([product] if product else []), {**taxonomy.tags, **taxonomy.products}, fm.locale)
    return IndexRecord(
        key=doc.relpath,
        id=fm.id,
        title=fm.title,
        description=fm.description,
        headings=headings,
        text="\n".join(t for t in body_blocks if t),
        tags=tags,
        product=product,
        intents=_labels(list(fm.intents), taxonomy.intents, fm.locale),
        sample_queries=tuple(fm.sample_queries),
        type=str(fm.type),
        audience=str(fm.audience),
        status=str(fm.status),
        locale=fm.locale,
        path=doc.relpath,
        url=layout.doc_url(doc.relpath),
        content_hash=doc.content_hash,
        chunks=passages(fm.title, fm.description, split_sections(doc.headings, doc.blocks)),
        superseded_by=fm.superseded_by or "",
        translation_of=fm.translation_of or "",
        labels_elsewhere=labels_elsewhere(list(fm.intents), taxonomy.intents, fm.locale, languages)
        + labels_elsewhere(list(fm.tags), taxonomy.tags, fm.locale, languages),
        intent_labels=tuple(
            dict.fromkeys(
                (lang, taxonomy.intents[k].label_for(lang))
                for lang in languages
                for k in fm.intents
                if k in taxonomy.intents
            )
        ),
    )
