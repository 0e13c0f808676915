"""The parser reads the site's Markdown extensions like MkDocs does: admonitions and heading attr_list ids."""

from __future__ import annotations

from kbops.model.markdown import parse_structure

BODY = """# Card declined {#declined}

!!! warning "Before you start"
    Check the card status.

    <script>alert(1)</script>

## Fees {: #card-fees .wide }

Text.

## Fees

More.

## Limits {2026}

Text.
"""


def test_admonition_body_is_content_not_code():
    headings, _, blocks = parse_structure(BODY, first_line=10)
    kinds = [(b.kind, b.line, b.text.strip()) for b in blocks]
    assert ("text", 13, "Check the card status.") in kinds
    assert ("html", 15, "<script>alert(1)</script>") in kinds
    assert not any(b.kind == "code" for b in blocks)
    assert headings[0].has_content


def test_heading_attr_list_sets_the_anchor_and_leaves_the_text():
    headings, _, _ = parse_structure(BODY, first_line=1)
    assert [(h.text, h.anchor) for h in headings] == [
        ("Card declined", "declined"),
        ("Fees", "card-fees"),
        ("Fees", "fees"),
        ("Limits {2026}", "limits-2026"),
    ]
