"""An edition: the documents one audience gets, decided once by `kbops.publishing` before MkDocs runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kbops.model.document import Document
from kbops.model.governance import Governance
from kbops.model.loader import Corpus
from kbops.model.taxonomy import Taxonomy
from kbops.publishing import select_for_audience
from kbops.site.urls import SiteLayout


@dataclass(frozen=True)
class Edition:
    """Visible documents of one audience, with lookups the staging steps share."""

    audience: str
    corpus: Corpus
    governance: Governance
    taxonomy: Taxonomy
    today: dt.date
    layout: SiteLayout  # where pages land and their URLs (mkdocs.yml + [tool.kbops])
    include_drafts: bool = False
    docs: tuple[Document, ...] = field(init=False)
    by_id: dict[str, Document] = field(init=False)
    by_path: dict[str, Document] = field(init=False)
    families: dict[str, list[Document]] = field(init=False)  # source id -> its visible language versions
    locales: tuple[str, ...] = field(init=False)  # locales with a visible doc, the default first (site sections)

    def __post_init__(self) -> None:
        docs = select_for_audience(self.corpus.docs, self.audience, draft_preview=self.include_drafts)
        # Two files claiming the same id are a lint error; the site keeps the first so links stay deterministic.
        by_id: dict[str, Document] = {}
        for doc in docs:
            by_id.setdefault(doc.id or "", doc)
        object.__setattr__(self, "docs", tuple(docs))
        object.__setattr__(self, "by_id", by_id)
        object.__setattr__(self, "by_path", {doc.relpath: doc for doc in docs})
        families: dict[str, list[Document]] = {}
        for doc in docs:
            families.setdefault(doc.get("translation_of") or doc.id or "", []).append(doc)
        for members in families.values():
            members.sort(key=lambda d: (d.locale != self.default_locale, d.locale))
        object.__setattr__(self, "families", families)
        found = {doc.locale for doc in docs}
        object.__setattr__(self, "locales", (self.default_locale, *sorted(found - {self.default_locale})))

    def visible(self, doc_id: str | None) -> Document | None:
        return self.by_id.get(doc_id or "")

    @property
    def default_locale(self) -> str:
        return self.layout.default_locale

    @property
    def use_directory_urls(self) -> bool:
        return self.layout.use_directory_urls

    def path_of(self, doc: Document) -> str:
        return self.layout.staged_path(doc.relpath)

    def url_of(self, doc: Document) -> str:
        """The page URL of a visible doc, relative to the site root."""
        return self.layout.page_url(self.path_of(doc))

    def versions_of(self, doc: Document) -> list[Document]:
        """The visible language versions of `doc` (source and translations), itself included, by locale."""
        return self.families.get(doc.get("translation_of") or doc.id or "", [doc])
