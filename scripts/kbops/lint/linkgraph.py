"""Resolve a document's links to documents of the corpus: relative paths, `id:` links and anchors.

`[text](id:doc-id)` and `[text](id:doc-id#anchor)` link by stable id (survives renames); the site
resolves them to URLs. Relative links are resolved like the repository shows them on disk.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from kbops.model.document import Document, Link
from kbops.model.loader import Corpus

ID_SCHEME = "id:"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class ResolvedLink:
    link: Link
    kind: str  # external | absolute | anchor (same page) | path | id
    path: str | None = None  # normalized repository path of a relative link
    target: Document | None = None  # the linked document when it is part of the corpus
    anchor: str | None = None  # decoded fragment, without '#'
    exists: bool = True  # the file (path links) or id (id links) exists

    @property
    def target_id(self) -> str | None:
        return self.link.target[len(ID_SCHEME) :].split("#", 1)[0] if self.kind == "id" else None


def resolve(doc: Document, link: Link, corpus: Corpus) -> ResolvedLink:
    raw = link.target.strip()
    target, _, fragment = raw.partition("#")
    anchor = unquote(fragment) if fragment else None
    if raw.startswith(ID_SCHEME):  # case-sensitive, as the site resolves it (site/links.py)
        doc_id = unquote(target[len(ID_SCHEME) :])
        found = corpus.get(doc_id)
        return ResolvedLink(link, "id", target=found, anchor=anchor, exists=found is not None)
    if _SCHEME.match(raw) or raw.startswith("//"):
        return ResolvedLink(link, "external")
    if not target:
        return ResolvedLink(link, "anchor", path=doc.relpath, target=doc, anchor=anchor)
    if target.startswith("/"):
        return ResolvedLink(link, "absolute")
    path = posixpath.normpath(posixpath.join(posixpath.dirname(doc.relpath), unquote(target.split("?", 1)[0])))
    found = corpus.by_path.get(path)
    exists = found is not None or (not path.startswith("../") and (corpus.settings.root / path).exists())
    return ResolvedLink(link, "path", path=path, target=found, anchor=anchor, exists=exists)


def outgoing(doc: Document, corpus: Corpus) -> Iterator[ResolvedLink]:
    """Every link of `doc`, resolved (external links included, marked as such).

    Resolved once per corpus and document: the six link rules each walk every link of the corpus.
    """
    memo = corpus.__dict__.setdefault("_resolved_links", {})
    resolved = memo.get(doc.relpath)
    if resolved is None:
        resolved = memo[doc.relpath] = tuple(resolve(doc, link, corpus) for link in doc.links)
    return iter(resolved)


def anchors(doc: Document) -> frozenset[str]:
    return frozenset(h.anchor for h in doc.headings)
