"""KB6xx: unsafe HTML in documents: scripts, inline event handlers, embedded frames, `javascript:` URLs."""

from __future__ import annotations

import html as html_entities
import re
from collections.abc import Iterator

from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.lint.rules._text import html_fragments, line_at, prose
from kbops.model.document import Document

SCRIPT = re.compile(r"<\s*script\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[A-Za-z][^<>]*?\s(on[a-z]+)\s*=", re.IGNORECASE)
EMBED = re.compile(r"<\s*(iframe|object|embed|frame|frameset)\b", re.IGNORECASE)
# URL-valued HTML attributes, whose (entity-decoded) value must not use the javascript: scheme ...
URL_ATTRIBUTE = re.compile(
    r"""\b(?:href|src|action|formaction|data|xlink:href)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE
)
# ... and in Markdown links, autolinks and reference definitions (markdown-it refuses them, so they stay text)
JS_MARKDOWN = re.compile(r"(?:\]\(\s*<?|<|^\s*\[[^\]]+\]:\s*<?)\s*javascript\s*:", re.IGNORECASE | re.MULTILINE)


def _html_matches(doc: Document, pattern: re.Pattern) -> Iterator[tuple[int, re.Match]]:
    """Matches in the document's HTML, at the line of the first group (the attribute) or of the match."""
    if not doc.parsed:
        return
    for piece in html_fragments(doc):
        for match in pattern.finditer(piece.text):
            start = match.start(1) if pattern.groups else match.start()
            yield line_at(piece.line, piece.text, start), match


@rule("KB601", "script-tag")
def script_tag(doc: Document, ctx: LintContext):
    """A `<script>` element in a document.

    What it checks:
        The Markdown body contains no `<script>` tag outside code blocks and inline code (HTML comments
        are ignored).

    Why it matters:
        Docs are published to customers and partners from pull requests by many writers; a script runs
        in every reader's browser with the site's origin (session cookies, the search API key, the
        feedback endpoint). Behaviour belongs in the site theme, reviewed as code.

    Bad:
        <script src="https://cdn.example.net/chat.js"></script>

    Good:
        A plain link to the chat page, or a theme feature configured in mkdocs.yml.

    How to fix:
        Remove the script; show code examples in a fenced code block instead.
    """
    for line, _match in _html_matches(doc, SCRIPT):
        yield Finding(line, "<script> element in a document: scripts belong in the site theme")


@rule("KB602", "event-handler-attribute")
def event_handler_attribute(doc: Document, ctx: LintContext):
    """An HTML element has an inline event handler such as `onclick=`.

    What it checks:
        No HTML tag outside code has an `on...=` attribute (`onclick`, `onerror`, `onload`, ...).

    Why it matters:
        Event handlers run JavaScript without a `<script>` tag: `<img src=x onerror=...>` is the
        classic way to smuggle script into content.

    Bad:
        <button onclick="copyMacro()">Copy</button>

    Good:
        Use a fenced code block (Material adds a copy button), or a plain link.

    How to fix:
        Remove the attribute; ask the site maintainers for a theme feature if the behaviour is needed.
    """
    for line, match in _html_matches(doc, EVENT_HANDLER):
        yield Finding(line, f"inline event handler {match.group(1).lower()}= runs JavaScript from content")


@rule("KB603", "embedded-frame")
def embedded_frame(doc: Document, ctx: LintContext):
    """An `<iframe>`, `<object>` or `<embed>` element in a document.

    What it checks:
        No `<iframe>`, `<frame>`, `<object>` or `<embed>` tag outside code.

    Why it matters:
        Embedded frames load third-party pages into the help center: they track readers, break the
        audience boundary (an internal dashboard embedded in a partner doc) and cannot be searched.

    Bad:
        <iframe src="https://dashboards.internal/queue"></iframe>

    Good:
        [Open the queue dashboard](https://dashboards.internal/queue) (staff only).

    How to fix:
        Replace the embed with a link, a screenshot, or the content itself.
    """
    for line, match in _html_matches(doc, EMBED):
        yield Finding(line, f"<{match.group(1).lower()}> embeds another page into the document")


@rule("KB604", "javascript-url")
def javascript_url(doc: Document, ctx: LintContext):
    """A `javascript:` URL in a link or an HTML attribute.

    What it checks:
        No Markdown link, autolink, reference definition or HTML attribute (`href`, `src`, `action`,
        ...) outside code uses the `javascript:` scheme, including entity-encoded forms.

    Why it matters:
        A `javascript:` link runs code when an agent clicks what looks like a normal link. Markdown
        renderers refuse it, so it also shows up as broken literal text.

    Bad:
        [Reset the card](javascript:resetCard())

    Good:
        [Reset the card](id:reset-card-pin)

    How to fix:
        Link to a page instead.
    """
    if not doc.parsed:
        return
    for line, match in _html_matches(doc, URL_ATTRIBUTE):
        value = re.sub(r"[\x00-\x20]", "", html_entities.unescape(match.group(1).strip("\"'"))).lower()
        if value.startswith("javascript:"):
            yield Finding(line, "javascript: URL in an HTML attribute")
    if "javascript" not in doc.body.lower():
        return
    for piece in prose(doc, headings=False, keep_link_targets=True):
        for match in JS_MARKDOWN.finditer(piece.text):
            yield Finding(line_at(piece.line, piece.text, match.start()), "javascript: URL in a link")
