"""`kb export`: heading-sized chunks of the docs an audience may see, with metadata, for bots and RAG."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from kbops.config import Settings
from kbops.model.document import Document
from kbops.model.loader import load_corpus
from kbops.publishing import ANONYMOUS_AUDIENCE, select_for_audience
from kbops.search.records import split_sections
from kbops.site.urls import SiteLayout, site_layout


@dataclass(frozen=True)
class Chunk:
    """One section of one doc: what a retrieval-augmented assistant embeds and cites."""

    id: str  # "<doc id>#<heading anchor>", or the doc id for the text before the first sub-heading
    doc_id: str
    title: str  # "<doc title> › <section heading>"
    section: str
    url: str
    locale: str
    audience: str
    type: str
    product: str | None
    intents: list[str]
    tags: list[str]
    status: str
    owner: str
    last_reviewed: str | None
    superseded_by: str | None
    path: str
    line: int
    content_hash: str
    text: str


def chunks_of(doc: Document, layout: SiteLayout) -> Iterator[Chunk]:
    """Split a doc at its headings (the H1 opens the first chunk); empty sections are skipped.

    Chunk URLs are the built page's (`layout`), with the heading's anchor."""
    fm = doc.frontmatter
    assert fm is not None
    url = layout.doc_url(doc.relpath)
    first_h1 = next((h for h in sorted(doc.headings, key=lambda h: h.line)), None)
    for heading, body in split_sections(doc.headings, doc.blocks):
        # the doc's own chunk (before any heading, or under its first H1) or a section's
        own = None if heading is None or (heading.level == 1 and heading is first_h1) else heading
        is_top = own is None
        section = "" if own is None else own.text
        yield Chunk(
            id=fm.id if own is None else f"{fm.id}#{own.anchor}",
            doc_id=fm.id,
            title=fm.title if is_top else f"{fm.title} › {section}",
            section=section,
            url=url if own is None else f"{url}#{own.anchor}",
            locale=fm.locale,
            audience=str(fm.audience),
            type=str(fm.type),
            product=fm.product,
            intents=list(fm.intents),
            tags=list(fm.tags),
            status=str(fm.status),
            owner=fm.owner,
            last_reviewed=fm.last_reviewed.isoformat() if fm.last_reviewed else None,
            superseded_by=fm.superseded_by,
            path=doc.relpath,
            line=heading.line if heading else doc.body_line,
            content_hash=doc.content_hash,
            text=(f"{section}\n\n{body}" if section else f"{fm.title}\n\n{body}"),
        )


def export_chunks(
    settings: Settings, audience: str = ANONYMOUS_AUDIENCE, problems: list[str] | None = None
) -> list[Chunk]:
    """Chunks of every doc published to `audience` (the same decision as the site and the index).

    `problems`, when given, receives `path:line: CODE message` of each file that could not be read.
    """
    corpus = load_corpus(settings)
    if problems is not None:
        problems.extend(corpus.refused())
    docs = select_for_audience(corpus.docs, audience)
    layout = site_layout(settings)
    from kbops.site.links import published_to, without_unseen_links  # the site's link rule, for every output

    docs = [without_unseen_links(doc, corpus, published_to(audience)) for doc in docs]
    return [chunk for doc in docs for chunk in chunks_of(doc, layout)]


def to_jsonl(chunks: Iterable[Chunk]) -> Iterator[str]:
    for chunk in chunks:
        yield json.dumps(asdict(chunk), ensure_ascii=False, separators=(",", ":"))
