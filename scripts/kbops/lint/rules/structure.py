"""KB2xx: document structure: required sections per type, one H1 equal to the title, headings, placeholders."""

from __future__ import annotations

import re
import unicodedata

from kbops import locale as locales
from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.lint.rules._text import line_at, prose
from kbops.model.document import Document, Heading
from kbops.model.sections import REQUIRED_SECTIONS, SECTION_NAMES

PLACEHOLDER = re.compile(
    # the lookahead (first letters of every alternative) changes no match; it only makes the scan faster
    r"(?=[TXFfLl\[])"
    r"(?:\b(?:TODO|TBD|FIXME|XXX)\b|\b(?i:fixme|lorem ipsum)\b|\[(?i:insert)\b[^\]\n]*\])",
)


def normalize_heading(text: str) -> str:
    """Case- and accent-insensitive form of a heading, without numbering or a trailing colon."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"^\s*(?:\d+[.)]\s*)+", "", text)
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip().casefold()


def accepted_names(section: str) -> set[str]:
    """The canonical name of a required section and its name in every configured locale, normalized."""
    names = [section] + [names[section] for names in SECTION_NAMES.values() if section in names]
    return {normalize_heading(name) for name in names}


def _anchor_line(doc: Document) -> int:
    """Where a finding about the whole body goes: the H1, else the first body line."""
    return doc.h1[0].line if doc.h1 else doc.body_line


@rule("KB201", "missing-required-section")
def missing_required_section(doc: Document, ctx: LintContext):
    """A required section for the document type is missing.

    What it checks:
        Troubleshooting guides have `## Symptoms`, `## Cause` and `## Resolution`; SOPs have
        `## Purpose`, `## Scope`, `## Procedure` and `## Escalation`; playbooks have `## Trigger`,
        `## Steps` and `## Communication`. Spanish and French names are accepted (e.g. `## Escalado`,
        `## Escalade`), compared without case or accents. Reported at the H1, once per missing section.

    Why it matters:
        Agents scan for the same sections under time pressure. An SOP without an Escalation section
        leaves a BPO agent with no next step when the procedure fails, and the contact is lost.

    Bad:
        ---
        type: sop
        ---
        # Authorise a manual card load
        ## Purpose
        ## Procedure

    Good:
        # Authorise a manual card load
        ## Purpose
        ## Scope
        ## Procedure
        ## Escalation

    How to fix:
        Add the missing H2 section named in the message (in the document's language); `kb new TYPE`
        scaffolds every required section.
    """
    if not doc.parsed:
        return
    required = REQUIRED_SECTIONS.get(str(doc.get("type")), ())
    present = {normalize_heading(h.text) for h in doc.headings if h.level == 2}
    for section in required:
        if not accepted_names(section) & present:
            name = locales.section_names(doc.locale).get(section, section)
            label = name if name == section else f"{name} ({section})"
            yield Finding(_anchor_line(doc), f"missing required section '## {label}' for type {doc.get('type')!r}")


@rule("KB202", "h1-count")
def h1_count(doc: Document, ctx: LintContext):
    """The document does not have exactly one H1 heading.

    What it checks:
        The body has one `# Heading` (level 1). A missing H1 is reported at the first body line; each
        extra H1 at its own line.

    Why it matters:
        The H1 is the page title in the site, the search result and the bot's citation. Two H1s make
        the page outline and the search snippet ambiguous; none leaves the page untitled.

    Bad:
        # Card declined
        ...
        # Card declined (old version)

    Good:
        # Card declined
        ...
        ## Older cards

    How to fix:
        Keep one H1 (equal to `title`) and demote the others to `##`.
    """
    if not doc.parsed:
        return
    h1 = doc.h1
    if not h1:
        yield Finding(doc.body_line, "no H1 heading: the body must start with '# <title>'")
    for extra in h1[1:]:
        yield Finding(
            extra.line, f"second H1 heading {extra.text!r}: a document has exactly one H1 (first at line {h1[0].line})"
        )


@rule("KB203", "h1-title-mismatch")
def h1_title_mismatch(doc: Document, ctx: LintContext):
    """The H1 heading differs from the front-matter `title`.

    What it checks:
        The first H1 of the body is exactly the `title` of the front-matter.

    Why it matters:
        Search results and links show `title`; the page shows the H1. When they drift apart, agents
        click "Card declined" and land on "Payment refused", and doubt they found the right page.

    Bad:
        title: Card declined
        ---
        # Payment refused

    Good:
        title: Card declined
        ---
        # Card declined

    How to fix:
        Make the H1 and `title` identical (update both when renaming).
    """
    title = doc.get("title")
    if doc.parsed and isinstance(title, str) and doc.h1 and doc.h1[0].text != title.strip():
        yield Finding(doc.h1[0].line, f"H1 {doc.h1[0].text!r} differs from title {title.strip()!r}")


@rule("KB204", "skipped-heading-level")
def skipped_heading_level(doc: Document, ctx: LintContext):
    """A heading skips a level (for example `##` followed by `####`).

    What it checks:
        Each heading is at most one level deeper than the heading before it.

    Why it matters:
        The page outline, the table of contents and screen readers rely on the heading hierarchy;
        skipped levels break navigation and chunking for search and bots.

    Bad:
        ## Procedure
        #### Check the card status

    Good:
        ## Procedure
        ### Check the card status

    How to fix:
        Use the next level down (`###` under `##`).
    """
    if not doc.parsed:
        return
    previous = 0
    for heading in doc.headings:
        if previous and heading.level > previous + 1:
            yield Finding(
                heading.line,
                f"heading level {heading.level} after level {previous}: expected at most level {previous + 1}",
            )
        previous = heading.level


def _is_empty(headings: tuple[Heading, ...], index: int) -> bool:
    """No content under the heading, directly or in a deeper subsection, before the next same-or-higher heading."""
    heading = headings[index]
    if heading.has_content:
        return False
    for later in headings[index + 1 :]:
        if later.level <= heading.level:
            return True
        if later.has_content:
            return False
    return True


@rule("KB205", "empty-section")
def empty_section(doc: Document, ctx: LintContext):
    """A section has a heading but no content.

    What it checks:
        Every heading is followed by text, a list, a table, code or a subsection with content before
        the next heading of the same or a higher level.

    Why it matters:
        An empty "Escalation" heading looks like an answer in the outline but tells the agent nothing;
        it usually marks unfinished work that slipped into a published doc.

    Bad:
        ## Escalation

        ## Related articles

    Good:
        ## Escalation

        Escalate to Banking Operations in the #banking-ops queue with the transfer reference.

    How to fix:
        Write the section, or remove the heading.
    """
    if not doc.parsed:
        return
    for index, heading in enumerate(doc.headings):
        if _is_empty(doc.headings, index):
            yield Finding(heading.line, f"section {heading.text!r} is empty")


@rule("KB206", "placeholder-text")
def placeholder_text(doc: Document, ctx: LintContext):
    """Placeholder text such as TODO, TBD, FIXME, XXX, lorem ipsum or `[insert ...]`.

    What it checks:
        Headings and text outside code blocks and inline code contain none of `TODO`, `TBD`, `XXX`
        (upper case, as whole words, so the Spanish word "todo" passes), `FIXME`, `lorem ipsum` or
        `[insert ...]`.

    Why it matters:
        Placeholders reach customers and partners as "Call TBD for refunds"; they undermine trust in
        every other page and hide a missing step.

    Bad:
        Refunds take TBD business days. Contact [insert team name].

    Good:
        Refunds take 5 business days. Contact Cards Support.

    How to fix:
        Replace the placeholder with the real content, or keep the doc in `status: draft` until it is
        known. Placeholders inside code examples are ignored.
    """
    # one pass over the raw body first: prose is part of the body, so nothing there means nothing here
    if not doc.parsed or not PLACEHOLDER.search(doc.body):
        return
    for piece in prose(doc):
        for match in PLACEHOLDER.finditer(piece.text):
            yield Finding(line_at(piece.line, piece.text, match.start()), f"placeholder text {match.group()!r}")
