"""Which corpus-rule findings involve a set of files (for PATH arguments and `--changed`).

A finding involves the files when it is reported on one of them, when it sits on a line of another
doc that links into one of them (by relative path or by id), or when it sits on the `id` or
`translation_of` line of a doc that shares an id with one of them (uniqueness, translations).
"""
from __future__ import annotations

import posixpath
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


def involved_filter(corpus: Corpus, relpaths: set[str]):
    """A predicate: does a corpus-rule finding involve any of `relpaths` (existing or deleted files)?"""
    ids = {d.id for path in relpaths if (d := corpus.by_path.get(path)) is not None and d.id}

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
        translation_of = doc.get("translation_of")
        return bool(translation_of) and translation_of in ids and diagnostic.line == doc.line_of("translation_of")

    return involves
