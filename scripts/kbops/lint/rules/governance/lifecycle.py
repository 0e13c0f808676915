"""KB806-KB808: translations follow their source, deprecated docs name a successor, retired ids stay retired."""

from __future__ import annotations

from kbops.governance.deprecation import reserved_ids, reused_reserved_id
from kbops.governance.drift import drift_message
from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.model.document import Document
from kbops.model.loader import Corpus
from kbops.model.translations import translation_status


@rule("KB806", "translation-drift", severity="warning", kind="corpus")
def translation_drift(corpus: Corpus, ctx: LintContext):
    """A translation was made from an older version of its source doc.

    What it checks:
        A doc with `translation_of` records in `source_hash` the content hash of the source it was
        translated from; the rule warns when the source's hash is different now, and summarises the
        source's change from git (commits, latest author and message, lines added and removed).

    Why it matters:
        Spanish- and French-speaking agents otherwise follow last quarter's procedure: a fee, a deadline
        or an escalation contact changed in English but not in their language. The site shows the same
        "outdated translation" notice from the same function.

    Bad:
        translation_of: card-declined
        source_hash: 1a2b...     # the English source was edited since

    Good:
        translation_of: card-declined
        source_hash: 9be0...     # the source's current content hash

    How to fix:
        Update the translation to match the source, then run `kb translated PATH`, which sets
        `source_hash` to the source's current hash (the message shows it too).
    """
    for doc in corpus.docs:
        if not doc.parsed or doc.get("status") == "archived":
            continue
        status = translation_status(doc, corpus.by_id)
        if status is None or not status.outdated:
            continue
        line = doc.line_of("source_hash") if "source_hash" in doc.meta else doc.line_of("translation_of")
        yield Finding(line, drift_message(doc, status, ctx.history), path=doc.relpath)


@rule("KB807", "deprecated-without-successor")
def deprecated_without_successor(doc: Document, ctx: LintContext):
    """A deprecated doc does not say what replaces it.

    What it checks:
        A doc with `status: deprecated` has `superseded_by` naming the id of another existing doc of the
        knowledge base.

    Why it matters:
        Deprecated pages stay published with a banner so old links keep working; without a successor
        the reader is told "do not use this" and left with nothing.

    Bad:
        status: deprecated

    Good:
        status: deprecated
        superseded_by: card-declined-v2

    How to fix:
        Add `superseded_by: <id of the replacement>`, or archive the doc if nothing replaces it.
    """
    if not doc.parsed or doc.get("status") != "deprecated":
        return
    successor = doc.get("superseded_by")
    if not successor:
        yield Finding(
            doc.line_of("status"), "deprecated doc has no superseded_by; name the id of the doc that replaces it"
        )
    elif ctx.known_ids and successor not in ctx.known_ids:
        yield Finding(doc.line_of("superseded_by"), f"superseded_by names unknown doc id {successor!r}")
    elif successor == doc.id:
        yield Finding(doc.line_of("superseded_by"), "superseded_by names the doc itself")


@rule("KB808", "reserved-id-reused", kind="corpus")
def reserved_id_reused(corpus: Corpus, ctx: LintContext):
    """A doc uses the id of an archived doc, or an id retired in governance.yml.

    What it checks:
        Archived docs keep their id reserved, and ids listed in governance.yml `retired_ids` (docs
        deleted from the repository) are never used again.

    Why it matters:
        Links, analytics, approvals and bot training data refer to ids. Reusing one merges the history of
        two different pieces of content: old bookmarks land on the wrong page and last year's view counts
        are credited to new content.

    Bad:
        id: card-declined      # the archived 2024 guide already had this id

    Good:
        id: card-declined-2026

    How to fix:
        Choose a new id. To bring an archived doc back, change its status instead of creating a new file.
    """
    reserved = reserved_ids(corpus, ctx.governance)
    if not reserved:
        return
    for doc in corpus.docs:
        why = reused_reserved_id(doc, reserved, corpus)
        if why:
            yield Finding(doc.line_of("id"), f"id {doc.id!r} is reserved ({why}); choose a new id", path=doc.relpath)
