"""The loader turns every file into a Document; user mistakes become problems, never exceptions."""

from __future__ import annotations

from kbops.model.hashing import content_hash
from kbops.model.loader import parse_document

GOOD = b"""---
id: card-declined
title: Card declined
description: Why a card payment is declined and what to do.
type: troubleshooting
status: published
audience: public
owner: cards-support
last_reviewed: 2026-10-01
---
# Card declined

## Symptoms

A payment is refused [see](other.md#x).
"""


def test_good_document_has_structure_and_lines():
    doc = parse_document("playbooks/card-declined.md", GOOD)
    assert doc.parsed and doc.frontmatter is not None
    assert doc.meta_lines["owner"] == 8
    assert [(h.level, h.text, h.line) for h in doc.headings] == [(1, "Card declined", 11), (2, "Symptoms", 13)]
    assert doc.headings[0].has_content is False and doc.headings[1].has_content is True
    assert [(l.target, l.line) for l in doc.links] == [("other.md#x", 15)]
    assert doc.content_hash == content_hash(doc.meta, doc.body)


def test_yaml_error_points_at_line():
    doc = parse_document("kb/x.md", b"---\nid: x\ntitle: [unclosed\nowner: a\n---\nbody\n")
    assert [(p.code, p.line) for p in doc.problems] == [("KB002", 4)] or doc.problems[0].code == "KB002"


def test_invalid_utf8_line():
    doc = parse_document("kb/x.md", b"---\nid: x\n---\nline\ncontrase\xf1a\n")
    assert (doc.problems[0].code, doc.problems[0].line) == ("KB003", 5)


def test_binary_empty_and_missing_frontmatter():
    assert parse_document("kb/x.md", b"%PDF\x00\x01").problems[0].code == "KB005"
    assert parse_document("kb/x.md", b"  \n").problems[0].code == "KB004"
    assert parse_document("kb/x.md", b"# Title\n").problems[0].code == "KB001"


def test_hash_ignores_approvals_but_not_body():
    base = {"id": "a", "title": "T"}
    assert content_hash({**base, "approvals": [{"reviewer": "x"}]}, "body") == content_hash(base, "body\n")
    assert content_hash(base, "body") != content_hash(base, "body changed")


def test_one_definition_of_the_knowledge_base_files(tmp_path):
    """Lint, the site, the index and `kb approve` all list files through `markdown_files`: hidden folders are out."""
    from kbops.config import load_settings
    from kbops.model.loader import discover, load_corpus, markdown_files
    from kbops.search.indexer import scan_sources

    (tmp_path / "governance.yml").write_text("teams: {}\n", encoding="utf-8")
    for relpath in ("kb/a.md", "kb/cards/b.md", "kb/.archive/hidden.md", "sops/c.md", "kb/notes.txt"):
        (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relpath).write_bytes(GOOD)
    settings = load_settings(tmp_path)
    expected = ["kb/a.md", "kb/cards/b.md", "sops/c.md"]
    assert list(markdown_files(settings)) == expected
    assert [p.relative_to(tmp_path).as_posix() for p in discover(settings)] == expected
    assert [d.relpath for d in load_corpus(settings).docs] == expected
    assert [relpath for relpath, _, _ in scan_sources(settings)] == expected
    assert list(markdown_files(settings, [tmp_path / "kb"])) == ["kb/a.md", "kb/cards/b.md"]
