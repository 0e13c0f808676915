"""What the index stores about one publishable document, derived from the content model."""
from __future__ import annotations

import re
from dataclasses import dataclass

from kbops.model.document import Document
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


def plain_text(markdown: str) -> str:
    """Markdown inline syntax removed; what a reader sees, good enough for matching and snippets."""
    text = _ADMONITION.sub("", markdown)
    text = _LINK.sub(r"\1", text)
    text = _HTML.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _labels(keys: list[str], terms: dict, locale: str) -> tuple[str, ...]:
    found: list[str] = []
    for key in keys:
        found.append(key.replace("_", " ").replace("-", " "))
        term = terms.get(key)
        if term is not None:
            found.append(term.label_for(locale.split("-")[0]))
            found.extend(term.synonyms.get(locale.split("-")[0], []))
    return tuple(dict.fromkeys(found))


def record_for(doc: Document, taxonomy: Taxonomy, layout: SiteLayout) -> IndexRecord:
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
    )
