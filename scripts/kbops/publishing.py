"""What is published to whom: the one decision shared by the site, the index, search, export, eval and the server.

Every other module asks these functions; none keeps its own list of audiences or statuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kbops.model.document import Document

# Lowest to highest: an audience sees its own level and those below it.
AUDIENCES: tuple[str, ...] = ("public", "partner", "internal")
AUDIENCE_LEVEL = {name: level for level, name in enumerate(AUDIENCES)}
ANONYMOUS_AUDIENCE = AUDIENCES[0]  # callers without a key, and the default build
WIDEST_AUDIENCE = AUDIENCES[-1]  # sees every publishable doc (eval, changelog defaults)

PUBLISHED_STATUSES = frozenset({"published", "deprecated"})  # deprecated pages stay up, bannered
PREVIEW_STATUSES = frozenset({"draft", "review"})  # only in a draft-preview build


def audience_error(value: object) -> str:
    """The one message for a value that is not an audience."""
    return f"unknown audience {value!r}; expected one of {', '.join(AUDIENCES)}"


def require_audience(value: object) -> str:
    """`value` if it names an audience; UsageError (exit 2, HTTP 400) otherwise."""
    if isinstance(value, str) and value in AUDIENCE_LEVEL:
        return value
    from kbops.errors import UsageError

    raise UsageError(audience_error(value))


def visible_audiences(reader: str) -> tuple[str, ...]:
    """The audiences whose docs `reader` may see, lowest first."""
    return AUDIENCES[: AUDIENCE_LEVEL[require_audience(reader)] + 1]


def audience_may_see(reader: object, doc_audience: object) -> bool:
    """An audience sees its own level and those below it; unknown levels see nothing and are seen by nobody."""
    if reader not in AUDIENCE_LEVEL or doc_audience not in AUDIENCE_LEVEL:
        return False
    return AUDIENCE_LEVEL[doc_audience] <= AUDIENCE_LEVEL[reader]


def status_is_publishable(status: object, draft_preview: bool = False) -> bool:
    """The status decision alone: published and deprecated reach a site; draft and review only in a preview."""
    return status in PUBLISHED_STATUSES or (draft_preview and status in PREVIEW_STATUSES)


def is_publishable(doc: Document, draft_preview: bool = False) -> bool:
    """Whether `doc` reaches any audience at all (the index holds exactly these docs).

    Only documents whose front-matter validated are ever published: an invalid doc's audience is unknown.
    """
    if not doc.parsed or doc.frontmatter is None:
        return False
    return status_is_publishable(doc.frontmatter.status, draft_preview)


def is_visible(doc: Document, audience: str, draft_preview: bool = False) -> bool:
    """Whether `doc` belongs in a build, index view, search result or export for `audience`."""
    return (
        is_publishable(doc, draft_preview)
        and doc.frontmatter is not None
        and audience_may_see(audience, doc.frontmatter.audience)
    )


def select_for_audience(docs: Iterable[Document], audience: str, draft_preview: bool = False) -> list[Document]:
    """The docs `audience` gets, in the given order (UsageError for an unknown audience)."""
    require_audience(audience)
    return [doc for doc in docs if is_visible(doc, audience, draft_preview)]
