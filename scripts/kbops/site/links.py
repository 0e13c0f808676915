"""Rewrite links in a staged page: `id:` links and relative links become staged paths; hidden targets become text.

`hide_unseen_links` is the one rule for every output (site pages, the search index and its snippets,
`kb export`): a link to a doc the reader may not see becomes "(link not available)" in the doc's
language — URL and link text both — so neither reaches a page, a snippet or a chunk.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kbops.model.document import Document
from kbops.model.loader import Corpus
from kbops.site.edition import Edition
from kbops.site.labels import label
from kbops.site.urls import relative_md, resolve_relative

# Link text: no brackets, or one level of balanced ones. Every class excludes `[`, so a scan from one `[`
# ends at the next: linear on a line of 50,000 `[` (a `[^\]]*` text rescanned the line from each one).
_TEXT = r"(?:[^\[\]\n]|\[[^\[\]\n]*\])"
_INLINE = re.compile(
    r"(?P<bang>!?)\[(?P<text>" + _TEXT + r'*)\]\((?P<target><[^<>\n]*>|[^()\s]+)(?P<title>\s+"[^"\n]*")?\)'
)
_REFDEF = re.compile(r"^(?P<indent> {0,3})\[(?P<label>[^\]\n]+)\]:\s*(?P<target>\S+)(?P<rest>.*)$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_REFUSE = re.compile(r"(?<![\]!])\[(?P<text>[^\[\]\n]+)\](?:\[(?P<label>[^\[\]\n]*)\])?(?![(:\[])")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_BACKTICKS = re.compile(r"`+")


def _code_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of inline code on one line: a run of N backticks up to the next run of exactly N.

    By runs and binary search, O(n log n): a regex rescans the line from every unclosed run.
    """
    if "`" not in line:
        return []
    runs = [m.span() for m in _BACKTICKS.finditer(line)]
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        start, end = runs[index]
        same = by_length[end - start]
        later = bisect.bisect_right(same, index)
        if later >= len(same):
            index += 1
            continue
        closing = same[later]
        spans.append((start, runs[closing][1]))
        index = closing + 1
    return spans


def _in_code(offset: int, spans: list[tuple[int, int]]) -> bool:
    """Whether `offset` falls in one of `spans` (sorted, disjoint): a link whose `[` sits inside inline code
    is text (a code span inside link text is fine). Binary search: a line may hold thousands of both."""
    index = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= offset < spans[index][1]


@dataclass(frozen=True)
class BuildLink:
    """A link target as the site build sees it (lint checks the same ones: `kb lint` is the build's gate)."""

    line: int  # 0-based line of the body
    target: str
    in_comment: bool  # inside an HTML comment: readers never see it, the build still resolves it


def build_links(body: str) -> list[BuildLink]:
    """Every inline link or reference definition `rewrite_links` resolves, in the same places (code fences skipped).

    Unlike a Markdown parser, the build's rewrite also reaches links inside HTML comments and raw HTML.
    """
    found: list[BuildLink] = []
    comments = _comment_spans(body) if "<!--" in body else []
    fence: str | None = None
    offset = 0
    for number, line in enumerate(body.split("\n")):
        start, offset = offset, offset + len(line) + 1
        marker = _FENCE.match(line)
        if fence:
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            continue
        if marker:
            fence = marker.group(1)
            continue
        if "[" not in line:
            continue
        ref = _REFDEF.match(line)
        spans = _code_spans(line)
        matches = (
            [(ref.start("target"), ref.group("target"))]
            if ref
            else [
                (m.start("target"), m.group("target").strip("<>"))
                for m in _INLINE.finditer(line)
                if not _in_code(m.start(), spans)
            ]
        )
        for column, target in matches:
            found.append(BuildLink(number, target, _in_code(start + column, comments)))
    return found


def _comment_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of `<!-- ... -->` comments, by a linear scan; an unclosed one runs to the end."""
    spans: list[tuple[int, int]] = []
    at = 0
    while (start := text.find("<!--", at)) >= 0:
        end = text.find("-->", start + 4)
        end = len(text) if end < 0 else end + 3
        spans.append((start, end))
        at = end
    return spans


@dataclass
class LinkReport:
    """What rewriting one page found: assets to copy and links that point nowhere."""

    assets: set[str] = field(default_factory=set)  # KB-root-relative paths of referenced non-Markdown files
    problems: list[str] = field(default_factory=list)


def linked_doc(raw: str, doc: Document, corpus: Corpus) -> Document | None:
    """The knowledge-base doc a link target names (`id:x#a`, `../y.md#a`), or None (external, anchor, asset, unknown)."""
    raw = raw.strip("<>")
    if raw.startswith("id:"):
        return corpus.get(raw[3:].partition("#")[0])
    if _SCHEME.match(raw) or raw.startswith(("#", "/")):
        return None
    path = raw.partition("#")[0].partition("?")[0]
    if not path.endswith(".md"):
        return None
    return corpus.by_path.get(resolve_relative(doc.relpath, path))


def hide_unseen_links(
    doc: Document, text: str, corpus: Corpus, may_see: Callable[[Document], bool], definitions: str | None = None
) -> str:
    """`text` (Markdown of `doc`) with every link to a doc `may_see` refuses turned into plain text.

    Inline links, reference definitions (dropped) and their uses (`[text][label]`, `[label]`) are handled;
    fenced code is left alone. `definitions`: where reference definitions live when `text` is one block
    of the doc (default: `text` itself).
    """

    def hidden(raw: str) -> bool:
        target = linked_doc(raw, doc, corpus)
        return target is not None and not may_see(target)

    hidden_refs: dict[str, str] = {}
    for line in (definitions if definitions is not None else text).split("\n"):
        ref = _REFDEF.match(line)
        if ref and hidden(ref.group("target")):
            hidden_refs[ref.group("label").strip().casefold()] = ref.group("target")

    def inline(match: re.Match) -> str:
        raw = match.group("target").strip("<>")
        return _hidden_text(match.group("text"), raw, doc, corpus) if hidden(raw) else match.group(0)

    def unlink(match: re.Match) -> str:
        label = (match.group("label") or match.group("text")).strip().casefold()
        return (
            _hidden_text(match.group("text"), hidden_refs[label], doc, corpus)
            if label in hidden_refs
            else match.group(0)
        )

    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        marker = _FENCE.match(line)
        if fence or marker:
            if fence is None:
                assert marker is not None  # no fence open: the line opens one
                fence = marker.group(1)
            elif marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        ref = _REFDEF.match(line)
        if ref and ref.group("label").strip().casefold() in hidden_refs:
            continue  # its URL must not reach any output
        if "](" in line:
            line = _INLINE.sub(inline, line)
        if hidden_refs and "[" in line:
            line = _REFUSE.sub(unlink, line)
        out.append(line)
    return "\n".join(out)


def without_unseen_links(doc: Document, corpus: Corpus, may_see: Callable[[Document], bool]) -> Document:
    """`doc` with its body, blocks and headings passed through `hide_unseen_links` (for the index and the export)."""
    if "[" not in doc.body:
        return doc
    blocks = tuple(
        dataclasses.replace(b, text=hide_unseen_links(doc, b.text, corpus, may_see, doc.body)) if "[" in b.text else b
        for b in doc.blocks
    )
    headings = tuple(
        dataclasses.replace(h, text=hide_unseen_links(doc, h.text, corpus, may_see, doc.body)) if "[" in h.text else h
        for h in doc.headings
    )
    return dataclasses.replace(
        doc, body=hide_unseen_links(doc, doc.body, corpus, may_see), blocks=blocks, headings=headings
    )


def published_to(audience: str) -> Callable[[Document], bool]:
    """`may_see` for an output that serves `audience`: docs published to it (what its site would show)."""
    from kbops.publishing import is_visible

    return lambda target: is_visible(target, audience)


def within_its_audience(doc: Document, corpus: Corpus) -> Document:
    """`doc` without links above its own audience: the form the search index stores, whoever searches it."""
    return without_unseen_links(doc, corpus, published_to(doc.get("audience") or "public"))


def rewrite_links(doc: Document, body: str, edition: Edition, report: LinkReport) -> str:
    """Return `body` with every link pointing into the staged tree; code blocks are left alone."""
    body = hide_unseen_links(doc, body, edition.corpus, lambda target: edition.by_path.get(target.relpath) is target)
    out: list[str] = []
    prose: list[int] = []  # indexes of `out` outside code blocks
    hidden_refs: dict[str, str] = {}  # reference label (casefolded) -> its target, for definitions dropped
    fence: str | None = None
    page = edition.path_of(doc)
    for number, line in enumerate(body.split("\n")):
        marker = _FENCE.match(line)
        if fence:
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if marker:
            fence = marker.group(1)
            out.append(line)
            continue
        if "[" not in line:  # no link, no reference definition: most lines
            prose.append(len(out))
            out.append(line)
            continue
        where = f"{doc.relpath}:{doc.body_line + number}"
        ref = _REFDEF.match(line)
        if ref:
            target = _target(ref.group("target"), doc, page, edition, report, where)
            if target is not None:
                out.append(f"{ref.group('indent')}[{ref.group('label')}]: {target}{ref.group('rest')}")
            else:  # a definition to a hidden page is dropped: its URL must not reach the site
                hidden_refs[ref.group("label").strip().casefold()] = ref.group("target")
            continue
        prose.append(len(out))
        spans = _code_spans(line)
        out.append(
            _INLINE.sub(
                lambda m: m.group(0) if _in_code(m.start(), spans) else _inline(m, doc, page, edition, report, where),
                line,
            )
        )
    if hidden_refs:  # `[text][label]`, `[label][]` and `[label]` uses of a dropped definition become text

        def unlink(match: re.Match) -> str:
            label = (match.group("label") or match.group("text")).strip().casefold()
            if label not in hidden_refs:
                return match.group(0)
            return _hidden_text(match.group("text"), hidden_refs[label], doc, edition.corpus)

        for index in prose:
            out[index] = _REFUSE.sub(unlink, out[index])
    return "\n".join(out)


def _inline(match: re.Match, doc: Document, page: str, edition: Edition, report: LinkReport, where: str) -> str:
    raw = match.group("target")
    target = _target(raw.strip("<>"), doc, page, edition, report, where)
    if target is None:
        return _hidden_text(match.group("text"), raw.strip("<>"), doc, edition.corpus)
    return f"{match.group('bang')}[{match.group('text')}]({target}{match.group('title') or ''})"


def _target(raw: str, doc: Document, page: str, edition: Edition, report: LinkReport, where: str) -> str | None:
    """The staged link target, the raw target if it needs no change, or None for a page the audience may not see."""
    if raw.startswith("id:"):
        doc_id, _, anchor = raw[3:].partition("#")
        target = edition.visible(doc_id)
        if target is None:
            if not edition.corpus.get(doc_id):
                report.problems.append(f"{where}: link to unknown document id {doc_id!r}")
            return None
        return relative_md(page, edition.path_of(target)) + (f"#{anchor}" if anchor else "")
    if _SCHEME.match(raw) or raw.startswith(("#", "/")):
        return raw
    path, _, anchor = raw.partition("#")
    path, _, query = path.partition("?")
    if not path:
        return raw
    resolved = resolve_relative(doc.relpath, path)
    if resolved.endswith(".md"):
        known = edition.corpus.by_path.get(resolved)
        if known is None:
            return raw  # a broken link: MkDocs reports it (and lint does, with its line)
        target = edition.by_path.get(resolved)
        if target is None:
            return None
        new = relative_md(page, edition.path_of(target))
    else:
        report.assets.add(resolved)
        new = relative_md(page, edition.layout.staged_path(resolved))
    return new + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


def _hidden_text(text: str, raw: str, doc: Document, corpus: Corpus) -> str:
    """Plain text in place of a link to a page above the audience: a label, never its URL, id, title or the
    writer's words about it ("the partner refund override" says what exists). A link to an unknown id keeps
    its words (lint reports it)."""
    if raw.startswith("id:"):
        hidden = corpus.get(raw[3:].partition("#")[0])
    else:
        hidden = corpus.by_path.get(resolve_relative(doc.relpath, raw.partition("#")[0]))
    if hidden is not None or not text.strip() or ".md" in text.casefold():
        return label("link_unavailable", doc.locale)
    return text
