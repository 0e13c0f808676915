"""The one publishing authority: every reader audience x doc audience x status x draft preview, and its callers."""

from __future__ import annotations

import itertools

import pytest

from kbops.errors import UsageError
from kbops.model.loader import parse_document
from kbops.model.schema import Audience, DocStatus
from kbops.publishing import (
    ANONYMOUS_AUDIENCE,
    AUDIENCES,
    WIDEST_AUDIENCE,
    audience_error,
    is_publishable,
    is_visible,
    require_audience,
    select_for_audience,
    visible_audiences,
)

# Written out by hand, not derived from the module under test: the rules as DESIGN.md states them.
LEVEL = {"public": 0, "partner": 1, "internal": 2}
ON_SITE = {"published", "deprecated"}
IN_PREVIEW = {"draft", "review"}
STATUSES = ("draft", "review", "published", "deprecated", "archived")


def make_doc(status: str, audience: str, *, valid: bool = True):
    extra = "" if valid else "colour: blue\n"  # unknown key: the front-matter does not validate
    text = (
        f"---\nid: doc-{status}-{audience}\ntitle: A doc\ndescription: A doc for the table test.\ntype: article\n"
        f"status: {status}\naudience: {audience}\nowner: support-ops\nlocale: en\n{extra}---\n# A doc\n\nBody.\n"
    )
    return parse_document("kb/a-doc.md", text.encode("utf-8"))


def test_the_schema_and_the_authority_agree():
    assert tuple(a.value for a in Audience) == AUDIENCES == tuple(LEVEL)
    assert tuple(s.value for s in DocStatus) == STATUSES
    assert ANONYMOUS_AUDIENCE == "public" and WIDEST_AUDIENCE == "internal"


@pytest.mark.parametrize(
    "reader, doc_audience, status, preview",
    list(itertools.product(AUDIENCES, AUDIENCES, STATUSES, (False, True))),
)
def test_every_audience_status_and_preview(reader, doc_audience, status, preview):
    doc = make_doc(status, doc_audience)
    assert doc.frontmatter is not None, doc.schema_problems
    publishable = status in ON_SITE or (preview and status in IN_PREVIEW)
    visible = publishable and LEVEL[doc_audience] <= LEVEL[reader]
    assert is_publishable(doc, draft_preview=preview) is publishable
    assert is_visible(doc, reader, draft_preview=preview) is visible
    assert select_for_audience([doc], reader, draft_preview=preview) == ([doc] if visible else [])


@pytest.mark.parametrize("status", STATUSES)
def test_a_doc_whose_front_matter_does_not_validate_is_never_published(status):
    doc = make_doc(status, "public", valid=False)
    assert doc.frontmatter is None
    assert not is_publishable(doc, draft_preview=True)
    assert not any(is_visible(doc, reader, draft_preview=True) for reader in AUDIENCES)


def test_visible_audiences_are_the_reader_and_below():
    assert visible_audiences("public") == ("public",)
    assert visible_audiences("partner") == ("public", "partner")
    assert visible_audiences("internal") == ("public", "partner", "internal")


@pytest.mark.parametrize("bad", ["everyone", "Public", "", None, 3, "public "])
def test_require_audience_is_the_one_validation(bad):
    with pytest.raises(UsageError) as caught:
        require_audience(bad)
    assert (
        str(caught.value)
        == audience_error(bad)
        == f"unknown audience {bad!r}; expected one of public, partner, internal"
    )
    with pytest.raises(UsageError):
        visible_audiences(bad)
    with pytest.raises(UsageError):
        select_for_audience([], bad)
    assert not is_visible(make_doc("published", "public"), bad)
