"""KB1xx: front-matter schema: required fields, unknown keys, invalid values, vocabulary and identity."""

from __future__ import annotations

import difflib

from kbops.config import TYPE_FOLDERS
from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.model.document import Document
from kbops.model.schema import FIELD_NAMES, DocType


@rule("KB101", "missing-field")
def missing_field(doc: Document, ctx: LintContext):
    """A required front-matter field is missing.

    What it checks:
        `id`, `title`, `description`, `type`, `status`, `audience` and `owner` are present.

    Why it matters:
        These fields decide who may see a doc, who answers for it and how it is found. A doc without an
        audience could leak internal procedures to customers; one without an owner never gets reviewed.

    Bad:
        ---
        title: Card declined
        ---

    Good:
        ---
        id: card-declined
        title: Card declined
        description: Why a card payment is declined and what the cardholder can do.
        type: troubleshooting
        status: published
        audience: public
        owner: cards-support
        ---

    How to fix:
        Add the missing field; `kb schema` lists every field and its allowed values.
    """
    for problem in doc.schema_problems:
        if problem.kind == "missing":
            yield Finding(1, f"missing required field {problem.field!r}")


@rule("KB102", "unknown-field")
def unknown_field(doc: Document, ctx: LintContext):
    """The front-matter has a key the schema does not know.

    What it checks:
        Every key is one of the documented fields (`kb schema`).

    Why it matters:
        A typo such as `audiance: internal` would otherwise be silently ignored, and the doc would be
        treated as if the field were missing. Typos must not pass.

    Bad:
        audiance: internal

    Good:
        audience: internal

    How to fix:
        Correct the spelling (the message suggests the closest field) or remove the key.
    """
    for problem in doc.schema_problems:
        if problem.kind == "unknown":
            close = difflib.get_close_matches(problem.field, FIELD_NAMES, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            yield Finding(problem.line, f"unknown field {problem.field!r}{hint}")


@rule("KB103", "invalid-field-value")
def invalid_field_value(doc: Document, ctx: LintContext):
    """A front-matter value has the wrong type, format or enum value.

    What it checks:
        Enums (`type`, `status`, `audience`, `risk`, `classification`), dates (`YYYY-MM-DD`), the id and
        locale formats, durations such as `90d`, and list fields hold valid values.

    Why it matters:
        `status: publised` or `last_reviewed: 12/03/2026` would silently unpublish a doc or hide an
        overdue review.

    Bad:
        status: publised
        last_reviewed: 12/03/2026

    Good:
        status: published
        last_reviewed: 2026-03-12

    How to fix:
        Use one of the allowed values named in the message.
    """
    for problem in doc.schema_problems:
        if problem.kind == "invalid":
            shown = (
                f" (got {problem.value!r})"
                if problem.value is not None and not isinstance(problem.value, (dict, list))
                else ""
            )
            yield Finding(problem.line, f"{problem.message}{shown}")


@rule("KB104", "type-folder-mismatch")
def type_folder_mismatch(doc: Document, ctx: LintContext):
    """The document type does not belong in the folder the file lives in.

    What it checks:
        `kb/` holds `article`s, `sops/` holds `sop`s, and `playbooks/` holds `troubleshooting` guides,
        `playbook`s and `template`s.

    Why it matters:
        The folder decides where a doc appears on the site and which reviewers see it in a pull request
        (CODEOWNERS); the type decides its required sections, review interval and approval policy. When
        they disagree, an SOP filed as a help-center article escapes its sign-off.

    Bad:
        # sops/banking/manual-load.md
        type: article

    Good:
        # sops/banking/manual-load.md
        type: sop

    How to fix:
        Correct `type`, or move the file to the folder of its type.
    """
    if not doc.parsed:
        return
    allowed = TYPE_FOLDERS.get(doc.folder)
    doc_type = doc.get("type")
    if not allowed or not isinstance(doc_type, str) or doc_type not in DocType.__members__ or doc_type in allowed:
        return
    home = next((folder for folder, types in TYPE_FOLDERS.items() if doc_type in types), "?")
    yield Finding(
        doc.line_of("type"),
        f"type {doc_type!r} does not belong in {doc.folder}/ (allowed there: {', '.join(allowed)}); "
        f"{doc_type} documents live in {home}/",
    )


@rule("KB105", "missing-last-reviewed")
def missing_last_reviewed(doc: Document, ctx: LintContext):
    """A published document has no `last_reviewed` date.

    What it checks:
        Every doc with `status: published` records when its content was last attested as correct.

    Why it matters:
        Without the date nobody can tell whether the refund window or escalation phone tree an agent
        reads today is still true, and the freshness rules cannot flag it as overdue.

    Bad:
        status: published

    Good:
        status: published
        last_reviewed: 2026-10-01

    How to fix:
        Check the content against current policy, then set `last_reviewed` to today's date.
    """
    if doc.parsed and doc.get("status") == "published" and doc.get("last_reviewed") in (None, ""):
        yield Finding(doc.line_of("status"), "published document has no 'last_reviewed' date")
