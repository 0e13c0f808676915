"""KB3xx: links between documents: broken paths, anchors and ids, audience leaks, dead ends, orphans."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import lru_cache

from kbops.lint.context import LintContext
from kbops.lint.linkgraph import ResolvedLink, anchors, outgoing
from kbops.lint.registry import Finding, rule
from kbops.model.document import Document
from kbops.model.loader import Corpus
from kbops.publishing import audience_may_see, is_publishable
from kbops.site.links import build_links

HOME_PAGE = "kb/index.md"


def _links(corpus: Corpus, published_only: bool = False) -> Iterator[tuple[Document, ResolvedLink]]:
    for doc in corpus.docs:
        if not doc.parsed or (published_only and not is_publishable(doc)):
            continue
        for resolved in outgoing(doc, corpus):
            if resolved.kind in ("path", "id", "anchor"):
                yield doc, resolved


def _name(doc: Document) -> str:
    return f"{doc.id!r} ({doc.relpath})" if doc.id else doc.relpath


@rule("KB301", "broken-link", kind="corpus")
def broken_link(corpus: Corpus, ctx: LintContext):
    """A relative link points to a file that does not exist.

    What it checks:
        Every relative link or image (`[text](../sops/manual-load.md)`) resolves, from the linking
        file's folder, to a file of the repository. External `http(s)` links are not checked (no
        network in lint).

    Why it matters:
        A broken link in the middle of a procedure strands the agent at the step where they needed the
        next document, usually while a customer waits.

    Bad:
        See [manual loads](../sops/manual-loads.md).

    Good:
        See [manual loads](../sops/manual-load.md), or by id: [manual loads](id:manual-card-load).

    How to fix:
        Correct the path, or link by id (`id:doc-id`) so the link survives future renames.
    """
    for doc, resolved in _links(corpus):
        if resolved.kind == "path" and not resolved.exists:
            where = "outside the knowledge base" if (resolved.path or "").startswith("../") else "no such file"
            yield Finding(
                resolved.link.line, f"broken link {resolved.link.target!r}: {where} ({resolved.path})", path=doc.relpath
            )


@lru_cache(maxsize=4096)
def _anchor_hint(anchor: str, known: tuple[str, ...]) -> str:
    """The closest anchor, else the first anchors (difflib is most of KB302's time; the same broken anchor
    recurs in every translation and in the run after `kb import` held docs back)."""
    close = difflib.get_close_matches(anchor, known, n=1, cutoff=0.6)
    return f"did you mean '#{close[0]}'?" if close else f"anchors: {', '.join(known[:8]) or 'none'}"


@rule("KB302", "broken-anchor", kind="corpus")
def broken_anchor(corpus: Corpus, ctx: LintContext):
    """A link's `#anchor` names no heading of the target document.

    What it checks:
        The fragment of a link (`doc.md#resolution`, `#resolution`, `id:doc-id#resolution`) is the
        anchor of a heading in the target document, as MkDocs generates it (lower case, accents
        removed, spaces as dashes, `_1` suffixes for repeated headings).

    Why it matters:
        A deep link that lands at the top of a long SOP makes the agent hunt for the step; after a
        heading is renamed, every such link silently degrades.

    Bad:
        [Resolution](card-declined.md#fix)

    Good:
        [Resolution](card-declined.md#resolution)

    How to fix:
        Use the heading's anchor (the message suggests the closest, or lists the target's anchors), or
        link to the page.
    """
    for doc, resolved in _links(corpus):
        target = resolved.target
        if resolved.anchor is None or target is None or not target.parsed:
            continue
        known = anchors(target)
        if resolved.anchor not in known:
            hint = _anchor_hint(resolved.anchor.lower(), tuple(sorted(known)))
            yield Finding(
                resolved.link.line,
                f"anchor '#{resolved.anchor}' is not a heading of {target.relpath}; {hint}",
                path=doc.relpath,
            )


@rule("KB303", "unknown-link-id", kind="corpus")
def unknown_link_id(corpus: Corpus, ctx: LintContext):
    """A link by id (`id:doc-id`) names no document.

    What it checks:
        In `[text](id:doc-id)` and `[text](id:doc-id#anchor)`, `doc-id` is the `id` of a document of
        the knowledge base.

    Why it matters:
        Links by id survive file moves, but only if the id exists; a typo produces a dead link on the
        site exactly where the reader is told to go next.

    Bad:
        [Manual card load](id:manual-card-laod)

    Good:
        [Manual card load](id:manual-card-load)

    How to fix:
        Use an existing id (the `id` in the target's front-matter).
    """
    for doc, resolved in _links(corpus):
        if resolved.kind == "id" and not resolved.exists:
            yield Finding(resolved.link.line, f"link to unknown id {resolved.target_id!r}", path=doc.relpath)


@rule("KB304", "link-above-audience", kind="corpus")
def link_above_audience(corpus: Corpus, ctx: LintContext):
    """A published document links to a document its readers may not see.

    What it checks:
        A published (or deprecated) document for audience A links only to documents A may see: public
        docs to public docs; partner docs to public or partner docs; internal docs to anything.

    Why it matters:
        A public help article that links to a partner or internal procedure leaks its title and
        existence to customers, and the link is broken for them because that page is not in the public
        site. It is also a sign the public article relies on internal knowledge.

    Bad:
        # kb/cards/card-declined.md (audience: public)
        Agents follow [the manual load SOP](id:manual-card-load).   # audience: internal

    Good:
        # kb/cards/card-declined.md (audience: public)
        If the payment still fails, [contact us](id:contact-support).   # audience: public

    How to fix:
        Remove the link from the public doc, link to a public doc instead, or raise the linking doc's
        audience.
    """
    for doc, resolved in _links(corpus, published_only=True):
        target = resolved.target
        if target is None or target is doc or not target.parsed:
            continue
        reader, target_audience = doc.get("audience"), target.get("audience")
        if (
            isinstance(reader, str)
            and isinstance(target_audience, str)
            and not audience_may_see(reader, target_audience)
        ):
            yield Finding(
                resolved.link.line,
                f"{reader} document links to {target_audience} document {_name(target)}: "
                f"{reader} readers cannot open it and must not learn of it",
                path=doc.relpath,
            )


@rule("KB305", "link-to-deprecated", "warning", kind="corpus")
def link_to_deprecated(corpus: Corpus, ctx: LintContext):
    """A document links to a deprecated or archived document.

    What it checks:
        Links from documents that are not themselves deprecated or archived point to documents with
        `status: deprecated` or `status: archived`. The message names the `superseded_by` successor.

    Why it matters:
        Agents who follow the link land on an outdated procedure (deprecated: bannered) or a page that
        no longer exists (archived), and may apply the old fee or the old escalation path.

    Bad:
        See [the old refund process](id:refunds-2024).   # status: deprecated, superseded_by: refunds

    Good:
        See [the refund process](id:refunds).

    How to fix:
        Link to the successor named in the message (the deprecated doc's `superseded_by`).
    """
    for doc, resolved in _links(corpus):
        target = resolved.target
        if target is None or target is doc or doc.get("status") in ("deprecated", "archived"):
            continue
        status = target.get("status")
        if status in ("deprecated", "archived"):
            successor = target.get("superseded_by")
            hint = (
                f"; link to its successor {successor!r} instead"
                if successor
                else "; it names no successor (superseded_by)"
            )
            yield Finding(resolved.link.line, f"link to {status} document {_name(target)}{hint}", path=doc.relpath)


@rule("KB306", "link-to-unpublished", "warning", kind="corpus")
def link_to_unpublished(corpus: Corpus, ctx: LintContext):
    """A published document links to a draft or in-review document.

    What it checks:
        Links from published (or deprecated) documents point to documents whose `status` is `draft` or
        `review`.

    Why it matters:
        Drafts are not in the published site, so readers get a dead link until the draft ships, and
        they may read unreviewed guidance in the preview build.

    Bad:
        # status: published
        See [new chargeback flow](id:chargebacks-v2).   # status: draft

    Good:
        Publish both together, or add the link when the target is published.

    How to fix:
        Publish the target first, or remove the link until it is published.
    """
    for doc, resolved in _links(corpus, published_only=True):
        target = resolved.target
        if (
            target is not None
            and target is not doc
            and not is_publishable(target)
            and is_publishable(target, draft_preview=True)
        ):
            yield Finding(
                resolved.link.line,
                f"link to {target.get('status')} document {_name(target)}: it is not on the published site",
                path=doc.relpath,
            )


@rule("KB310", "published-orphan", "warning", kind="corpus")
def published_orphan(corpus: Corpus, ctx: LintContext):
    """A published document is not linked from any other published document.

    What it checks:
        Every document with `status: published` is the target of at least one link (by path or by id)
        from another published or deprecated document. The home page `kb/index.md` and translations
        (reached through the language switcher of their source) are exempt. Reported at `status`.

    Why it matters:
        Orphans are found only by search; an agent browsing the escalation matrix never sees the SOP it
        should have linked, and orphans tend to go stale because nobody notices them.

    Bad:
        sops/banking/manual-load.md is published, and no article, SOP or playbook links to it.

    Good:
        The escalation matrix links to [manual card loads](id:manual-card-load).

    How to fix:
        Link the document from its natural parent (section index, related SOP, playbook step), or
        archive it if nobody needs it.
    """
    linked: set[str] = set()
    for doc, resolved in _links(corpus, published_only=True):
        target = resolved.target
        if target is not None and target is not doc:
            linked.add(target.relpath)
    for doc in corpus.docs:
        if (
            doc.parsed
            and doc.get("status") == "published"
            and doc.relpath != HOME_PAGE
            and not doc.get("translation_of")
            and doc.relpath not in linked
        ):
            yield Finding(
                doc.line_of("status"),
                f"published document {_name(doc)} is not linked from any published document",
                path=doc.relpath,
            )


@rule("KB307", "link-in-comment")
def link_in_comment(doc: Document, ctx: LintContext):
    """A link hides where the site build still resolves it: in an HTML comment, or text Markdown shows as no link.

    What it checks:
        The site build rewrites every `[text](target)` outside code fences, including those inside
        HTML comments and raw HTML, which a Markdown reader never shows as links. Each such link inside
        a comment is reported, and so is a link by id (`id:doc-id`) that names no document anywhere
        the build resolves it (links Markdown shows are KB303's).

    Why it matters:
        The strict build stops on a link to an unknown id even inside a comment: a guidance comment
        with a sample link by id, left in a new article, passes review and then fails the publish that
        was meant to put the article live. A valid link in a comment is dead weight that readers never
        see.

    Bad:
        <!-- Link related articles, e.g. [Title](id:doc-id). -->

    Good:
        <!-- Link related articles by path or by id. -->

    How to fix:
        Delete the comment (guidance comments have done their job once the doc is written), or write
        the link as plain words without `[...](...)`.
    """
    if not doc.parsed or "](" not in doc.body and "]:" not in doc.body:
        return
    shown = {(link.line, link.target) for link in doc.links}
    for found in build_links(doc.body):
        line = doc.body_line + found.line
        doc_id = found.target[3:].partition("#")[0] if found.target.startswith("id:") else None
        unknown = bool(doc_id) and bool(ctx.known_ids) and doc_id not in ctx.known_ids
        if found.in_comment:
            if unknown:
                yield Finding(
                    line,
                    f"link to unknown id {doc_id!r} inside an HTML comment: the site build resolves "
                    "links in comments too, and stops on it; delete the comment or the link",
                )
            else:
                yield Finding(
                    line,
                    f"link {found.target!r} inside an HTML comment: readers never see it, the site "
                    "build still resolves it; delete it or write it as plain words",
                    severity="warning",
                )
        elif unknown and (line, found.target) not in shown:
            yield Finding(line, f"link to unknown id {doc_id!r}: the site build resolves it here and stops on it")
