"""KB207-KB208: text `kb new` wrote as an example, still there when the doc leaves draft."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.model.document import Document

# Example sentences are whole lines; a single short one can be a real step ("Tap **Cards**."), so one
# match counts only when it is long, and a doc repeating two example lines of any template always does.
_LONG_LINE_WORDS = 8
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_WORD = re.compile(r"\w+")
_INLINE_COMMENT = re.compile(r"<!--.*?-->")
TEMPLATE_LOCALES = ("en", "es", "fr")  # locales with templates of their own; others fall back to English

# Placeholder sample queries: fewer than 3 letters or digits ("a", "b", "?"), or a stand-in word.
_STAND_INS = frozenset(
    {
        "foo",
        "bar",
        "baz",
        "qux",
        "test",
        "testing",
        "query",
        "question",
        "example",
        "sample",
        "placeholder",
        "todo",
        "tbd",
        "xxx",
        "asdf",
        "lorem ipsum",
        "consulta",
        "pregunta",
        "ejemplo",
        "prueba",
        "requête",
        "exemple",
        "essai",
    }
)
_NUMBERED_STAND_IN = re.compile(r"^(?:query|question|example|sample|consulta|pregunta|ejemplo|requête|exemple)\s*\d+$")


def normalize(line: str) -> str:
    """A line as compared: no list marker, comment, emphasis or extra spaces, case-folded."""
    text = (
        _LIST_MARKER.sub("", _INLINE_COMMENT.sub("", line) if "<!--" in line else line)
        .replace("**", "")
        .replace("__", "")
    )
    return " ".join(text.split()).casefold()


@lru_cache(maxsize=8)
def template_examples(locales: tuple[str, ...]) -> dict[str, str]:
    """Normalized example line -> `type.locale` of the template it comes from, for every type and locale.

    Headings, guidance comments, table headers and rules are not examples: a real doc keeps them.
    """
    from kbops.authoring.new import render_body
    from kbops.model.schema import DocType

    examples: dict[str, str] = {}
    for locale in locales:
        for doc_type in DocType:
            lines = render_body(doc_type.value, "Title", locale).splitlines()
            for index, line in enumerate(lines):
                stripped = line.strip()
                if not stripped or stripped.startswith(("#", "<!--")) or _TABLE_RULE.match(stripped):
                    continue
                if stripped.startswith("|") and index + 1 < len(lines) and _TABLE_RULE.match(lines[index + 1].strip()):
                    continue  # a table header, e.g. | Situation | Escalate to | First response |
                examples.setdefault(normalize(stripped), f"{doc_type.value}.{locale}")
    return examples


@lru_cache(maxsize=8)
def template_descriptions(locales: tuple[str, ...]) -> frozenset[str]:
    from kbops.authoring.new import _description
    from kbops.model.schema import DocType

    return frozenset(normalize(_description(t.value, loc)) for loc in locales for t in DocType)


def _locales(ctx: LintContext) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*TEMPLATE_LOCALES, *ctx.settings.locales)))


def _leaves_draft(doc: Document) -> bool:
    return doc.parsed and isinstance(doc.get("status"), str) and doc.get("status") != "draft"


def _body_lines(doc: Document) -> Iterable[tuple[int, str]]:
    """(file line, text) of body lines outside code fences."""
    fence = None
    for number, line in enumerate(doc.body.split("\n")):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
            continue
        if fence is None:
            yield doc.body_line + number, line


@rule("KB207", "template-text")
def template_text(doc: Document, ctx: LintContext):
    """Example text from a `kb new` template is still in a document that is no longer a draft.

    What it checks:
        A document whose status is not `draft` keeps neither the template's description ("One or two
        sentences that say what this article answers...") nor its example lines (steps, scope,
        escalation rows), in any language the templates exist in. One example line counts when it is
        long; shorter ones count when the doc keeps at least two of them. Headings, guidance comments
        and table headers are the writer's to keep.

    Why it matters:
        Template sentences read as real guidance: "Open the app and tap Cards" on a page about wire
        transfers sends the customer to the wrong screen. The same boilerplate description on many docs
        also crowds search results with look-alike snippets and drags down ranking.

    Bad:
        status: published
        description: One or two sentences that say what this article answers, shown in search results.
        ...
        1. Open the app and tap **Cards**.
        2. Tap the card and then **Settings**.

    Good:
        status: published
        description: How to freeze a lost card from the app, and how to order a replacement.
        ...
        1. Open the app and tap **Cards**.
        2. Tap the card you lost, then **Freeze card**.

    How to fix:
        Replace every example sentence with the doc's own content (the message names the template), or
        keep `status: draft` until it is written.
    """
    if not _leaves_draft(doc):
        return
    locales = _locales(ctx)
    description = doc.get("description")
    if isinstance(description, str) and normalize(description) in template_descriptions(locales):
        yield Finding(doc.line_of("description"), "description is the template's example; say what this doc answers")
    examples = template_examples(locales)
    kept = [(line, text, examples[key]) for line, text in _body_lines(doc) if (key := normalize(text)) in examples]
    if len(kept) < 2:
        kept = [k for k in kept if len(_WORD.findall(k[1])) >= _LONG_LINE_WORDS]
    for line, text, template in kept:
        shown = " ".join(_INLINE_COMMENT.sub("", text).split())
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        yield Finding(
            line,
            f"example text of the {template} template is still here: {shown!r}; replace it with this doc's content",
        )


def is_placeholder_query(query: str) -> bool:
    text = " ".join(query.split()).casefold().strip(" .?!¿¡")
    alnum = sum(ch.isalnum() for ch in text)
    return alnum < 3 or text in _STAND_INS or bool(_NUMBERED_STAND_IN.match(text))


@rule("KB208", "placeholder-sample-query")
def placeholder_sample_query(doc: Document, ctx: LintContext):
    """A sample query is a placeholder (`[a, b, c]`, `test`, `query 1`) in a document that is no longer a draft.

    What it checks:
        In a document whose status is not `draft`, every entry of `sample_queries` has at least three
        letters or digits and is not a stand-in word such as `test`, `example`, `query 2`, `foo`,
        `consulta` or `exemple`.

    Why it matters:
        Sample queries are what search quality checks, the query vectors and bot training learn from. A
        list of placeholders teaches the search engine that "a" finds this doc, and hides that nobody
        wrote down how customers really ask.

    Bad:
        sample_queries: [a, b, c]

    Good:
        sample_queries: [card frozen by mistake, unfreeze my card, card locked after wrong PIN]

    How to fix:
        Write 3-6 questions a customer or agent would type, in the doc's language, or take them from
        the search logs with `kb suggest-queries`.
    """
    if not _leaves_draft(doc):
        return
    queries = doc.get("sample_queries")
    if not isinstance(queries, list):
        return
    placeholders = [q for q in queries if isinstance(q, str) and is_placeholder_query(q)]
    if placeholders:
        shown = ", ".join(repr(q) for q in placeholders[:5])
        yield Finding(
            doc.line_of("sample_queries"),
            f"placeholder sample quer{'y' if len(placeholders) == 1 else 'ies'} {shown}: "
            "write what a reader would really type to find this doc",
        )
