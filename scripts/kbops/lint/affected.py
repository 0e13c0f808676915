"""Which corpus-rule findings involve a set of files (for PATH arguments and `--changed`).

A finding involves the files when it is reported on one of them, when it sits on a line of another
doc that links into one of them (by relative path or by id), when it sits on the `id` or
`translation_of` line of a doc that shares an id with one of them (uniqueness, translations), or when
it is a finding about a whole doc (reported in its front-matter, e.g. a published orphan) that one of
them links to now or linked to before the change (`linked_before`, from the base version).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from kbops.lint.diagnostics import Diagnostic
from kbops.model.document import Document
from kbops.model.loader import Corpus


def link_target_path(doc: Document, target: str) -> str | None:
    """The relpath a relative link of `doc` points to, or None for external links and pure anchors."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(posixpath.dirname(doc.relpath), path)
    return posixpath.normpath(joined)


def link_targets(doc: Document) -> set[str]:
    """Relpaths a document links to, and `id:NAME` for the ids it links to."""
    found: set[str] = set()
    for link in doc.links:
        if link.target.startswith("id:"):
            found.add("id:" + link.target[3:].split("#", 1)[0])
        elif (path := link_target_path(doc, link.target)) is not None:
            found.add(path)
    return found


def involved_filter(corpus: Corpus, relpaths: set[str], linked_before: Iterable[str] = ()):
    """A predicate: does a corpus-rule finding involve any of `relpaths` (existing or deleted files)?"""
    ids = {d.id for path in relpaths if (d := corpus.by_path.get(path)) is not None and d.id}
    linked = set(linked_before)
    for path in relpaths:
        if (doc := corpus.by_path.get(path)) is not None:
            linked |= link_targets(doc)
    linked_paths = {p for p in linked if not p.startswith("id:")}
    linked_paths |= {d.relpath for p in linked if p.startswith("id:") for d in corpus.by_id.get(p[3:], ())}

    def involves(diagnostic: Diagnostic) -> bool:
        if diagnostic.path in relpaths:
            return True
        doc = corpus.by_path.get(diagnostic.path)
        if doc is None:
            return False
        for link in doc.links:
            if link.line != diagnostic.line:
                continue
            if link_target_path(doc, link.target) in relpaths:
                return True
            if link.target.split("#", 1)[0].removeprefix("id:").strip("/") in ids:
                return True
        if doc.id and doc.id in ids and diagnostic.line == doc.line_of("id"):
            return True
        if doc.relpath in linked_paths and diagnostic.line < doc.body_line:
            return True  # about the linked doc as a whole, e.g. it became an orphan
        translation_of = doc.get("translation_of")
        return bool(translation_of) and translation_of in ids and diagnostic.line == doc.line_of("translation_of")

    return involves
