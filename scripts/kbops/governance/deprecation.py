"""Deprecation and renames: successors, reserved (archived or retired) ids, and redirects for moved docs."""

from __future__ import annotations

from kbops.model.document import Document
from kbops.model.governance import Governance
from kbops.model.loader import Corpus


def reserved_ids(corpus: Corpus, governance: Governance) -> dict[str, str]:
    """id -> why it is reserved: archived docs keep their id; governance.yml `retired_ids` lists deleted ones."""
    reserved = {doc_id: "retired in governance.yml retired_ids" for doc_id in governance.retired_ids}
    for doc in corpus.docs:
        if doc.id and doc.get("status") == "archived":
            reserved[doc.id] = f"archived doc {doc.relpath}"
    return reserved


def reused_reserved_id(doc: Document, reserved: dict[str, str], corpus: Corpus) -> str | None:
    """Why `doc` may not use its id, or None. A translation shares its source's id only by `translation_of`."""
    if not doc.id or doc.get("status") == "archived" or doc.id not in reserved:
        return None
    why = reserved[doc.id]
    if why.startswith("archived doc "):
        archived = [d for d in corpus.by_id.get(doc.id, []) if d.get("status") == "archived"]
        if all(d.locale != doc.locale for d in archived):
            return None  # an archived translation does not reserve the id for the other locales
    return why


def _redirect_key(path: str) -> str:
    key = path.strip().lstrip("/")
    for suffix in (".md", "/"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    if key.endswith("/index") or key == "index":
        key = key[: -len("index")].rstrip("/")
    return key


def redirect_keys(path: str, roots: tuple[str, ...], docs_root: str = "kb") -> set[str]:
    """Ways a redirect_from entry may name an old path: with or without its root folder and `.md`."""
    key = _redirect_key(path)
    keys = {key}
    if key.startswith(docs_root + "/"):
        keys.add(key[len(docs_root) + 1 :])
    return keys


def old_paths(renames: list[tuple[str, str]]) -> dict[str, list[str]]:
    """current path -> every earlier path it had, following chains of renames (oldest first)."""
    earlier: dict[str, list[str]] = {}
    for old, new in renames:
        earlier[new] = earlier.pop(old, []) + [old] + earlier.get(new, [])
    return earlier


def missing_redirects(doc: Document, previous: list[str], roots: tuple[str, ...]) -> list[str]:
    declared = set()
    for entry in doc.get("redirect_from") or []:
        declared |= redirect_keys(str(entry), roots)
    return [
        old
        for old in previous
        if old.split("/", 1)[0] in roots and old != doc.relpath and not (redirect_keys(old, roots) & declared)
    ]
