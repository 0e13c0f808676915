"""KB11x: identity across the corpus: unique ids, translation sources and successors that exist."""

from __future__ import annotations

from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.model.loader import Corpus


@rule("KB110", "duplicate-id", kind="corpus")
def duplicate_id(corpus: Corpus, ctx: LintContext):
    """Two documents share the same id.

    What it checks:
        Every `id` is unique across kb/, sops/ and playbooks/. The first file (in path order) keeps the
        id; each other file using it is reported.

    Why it matters:
        Links by id, search clicks, analytics and approvals all refer to the id. With two docs behind one
        id, an agent clicking a result can land on the wrong procedure, and an approval can be credited
        to the wrong text.

    Bad:
        # kb/cards/declined.md and kb/payments/declined.md both say
        id: card-declined

    Good:
        id: card-declined           # kb/cards/declined.md
        id: card-payment-declined   # kb/payments/declined.md

    How to fix:
        Give the newer doc its own id. If one doc replaces the other, deprecate the old one with
        `superseded_by` instead of reusing its id.
    """
    for doc_id, docs in corpus.by_id.items():
        first = docs[0]
        for doc in docs[1:]:
            yield Finding(
                doc.line_of("id"), f"duplicate id {doc_id!r}: already used by {first.relpath}", path=doc.relpath
            )


@rule("KB111", "unknown-translation-source", kind="corpus")
def unknown_translation_source(corpus: Corpus, ctx: LintContext):
    """`translation_of` does not name an existing document in another locale.

    What it checks:
        `translation_of` is the id of another document whose locale differs from this one.

    Why it matters:
        The translation link drives the site's language switcher and the "translation outdated" check.
        A wrong id silently leaves a Spanish procedure out of date when the English source changes.

    Bad:
        id: tarjeta-rechazada
        locale: es
        translation_of: card-decline   # no such id

    Good:
        id: tarjeta-rechazada
        locale: es
        translation_of: card-declined

    How to fix:
        Use the id of the source document (in the source language). A doc cannot translate itself or
        a doc of its own locale.
    """
    for doc in corpus.docs:
        source_id = doc.get("translation_of")
        if not doc.parsed or not isinstance(source_id, str) or not source_id:
            continue
        line = doc.line_of("translation_of")
        candidates = corpus.by_id.get(source_id, [])
        if source_id == doc.id:
            yield Finding(line, f"translation_of names the document itself ({source_id!r})", path=doc.relpath)
        elif not candidates:
            yield Finding(line, f"translation_of names unknown id {source_id!r}", path=doc.relpath)
        elif all(c.locale == doc.locale for c in candidates):
            yield Finding(
                line,
                f"translation_of {source_id!r} ({candidates[0].relpath}) is in the same locale {doc.locale!r}; "
                "expected the source in another locale",
                path=doc.relpath,
            )


@rule("KB112", "unknown-successor", kind="corpus")
def unknown_successor(corpus: Corpus, ctx: LintContext):
    """`superseded_by` does not name an existing document.

    What it checks:
        `superseded_by` is the id of another document of the knowledge base.

    Why it matters:
        Readers of a deprecated doc are sent to its successor by a banner and a redirect; a wrong id
        sends agents to a dead end mid-contact.

    Bad:
        status: deprecated
        superseded_by: card-decline-v2   # no such id

    Good:
        status: deprecated
        superseded_by: card-declined

    How to fix:
        Use the id of the replacing document, or remove `superseded_by` if nothing replaces it.
    """
    for doc in corpus.docs:
        successor = doc.get("superseded_by")
        if not doc.parsed or not isinstance(successor, str) or not successor:
            continue
        if successor == doc.id:
            yield Finding(doc.line_of("superseded_by"), "superseded_by names the document itself", path=doc.relpath)
        elif successor not in corpus.by_id:
            yield Finding(
                doc.line_of("superseded_by"), f"superseded_by names unknown id {successor!r}", path=doc.relpath
            )
