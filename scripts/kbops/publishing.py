"""What is published to whom: the one decision shared by the site, the search index and the export."""
from __future__ import annotations

from typing import Iterable

from kbops.model.document import Document

AUDIENCES = ("public", "partner", "internal")
AUDIENCE_LEVEL = {name: level for level, name in enumerate(AUDIENCES)}
PUBLISHED_STATUSES = frozenset({"published", "deprecated"})
PREVIEW_STATUSES = frozenset({"draft", "review"})


def audience_may_see(reader: str, doc_audience: str) -> bool:
    """An audience sees its own level and those below it; unknown levels see nothing."""
    if reader not in AUDIENCE_LEVEL or doc_audience not in AUDIENCE_LEVEL:
        return False
    return AUDIENCE_LEVEL[doc_audience] <= AUDIENCE_LEVEL[reader]


def is_visible(doc: Document, audience: str, include_drafts: bool = False) -> bool:
    """Whether `doc` belongs in a build, index or export for `audience`.

    Only documents whose front-matter validated are ever published: an invalid doc's audience is unknown.
    """
    if not doc.parsed or doc.frontmatter is None:
        return False
    fm = doc.frontmatter
    allowed = PUBLISHED_STATUSES | (PREVIEW_STATUSES if include_drafts else frozenset())
    return fm.status in allowed and audience_may_see(audience, fm.audience)


def select_for_audience(docs: Iterable[Document], audience: str, include_drafts: bool = False) -> list[Document]:
    if audience not in AUDIENCE_LEVEL:
        from kbops.errors import UsageError

        raise UsageError(f"unknown audience {audience!r}; expected one of {', '.join(AUDIENCES)}")
    return [doc for doc in docs if is_visible(doc, audience, include_drafts)]
