"""KB7xx: style: per-locale preferred and forbidden terms, long sentences (prose outside code)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.lint.rules._text import line_at, prose
from kbops.lint.settings import TermList
from kbops.locale import language_of
from kbops.model.document import Document

SENTENCE_END = re.compile(r"[.!?…](?=[\s)\"'»”]|$)|\n\s*\n")


def term_pattern(term: str) -> re.Pattern:
    """A whole-word, case-insensitive pattern for a term or phrase (any whitespace between its words)."""
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?![\w-])", re.IGNORECASE)


def _term_hits(doc: Document, terms: list[str]) -> Iterator[tuple[int, str, str]]:
    """(line, term, matched text) of every occurrence of `terms` in the doc's prose."""
    # one pass over the raw body first: prose is part of the body, so a term absent there is absent
    patterns = [(term, pattern) for term in terms if term.strip() and (pattern := term_pattern(term)).search(doc.body)]
    if not patterns:
        return
    for piece in prose(doc):
        for term, pattern in patterns:
            for match in pattern.finditer(piece.text):
                yield line_at(piece.line, piece.text, match.start()), term, match.group()


def _terms_for(doc: Document, ctx: LintContext) -> TermList | None:
    """The term list of the doc's locale (`es-MX`), else of its language (`es`); None for unparsed docs."""
    if not doc.parsed:
        return None
    return ctx.lint.terms.get(doc.locale) or ctx.lint.terms.get(language_of(doc.locale))


@rule("KB701", "preferred-term", "warning")
def preferred_term(doc: Document, ctx: LintContext):
    """A discouraged term is used where the style guide prefers another.

    What it checks:
        Headings and prose outside code contain none of the discouraged terms of the document's locale,
        configured as `[tool.kbops.lint.terms.<locale>] preferred = {discouraged = "preferred"}`
        (whole words, case-insensitive). The message names the preferred term.

    Why it matters:
        Consistent vocabulary is what makes search work and translations cheap: if half the docs say
        "top-up" and half say "load", customers miss answers and translators pay for both.

    Bad:
        Log in to the dashboard and check your e-mail.

    Good:
        Sign in to the dashboard and check your email.

    How to fix:
        Use the preferred term named in the message.
    """
    terms = _terms_for(doc, ctx)
    if terms is None:
        return
    for line, term, found in _term_hits(doc, list(terms.preferred)):
        yield Finding(line, f"{found!r}: use {terms.preferred[term]!r} (style guide, locale {doc.locale})")


@rule("KB702", "forbidden-term")
def forbidden_term(doc: Document, ctx: LintContext):
    """A forbidden term is used.

    What it checks:
        Headings and prose outside code contain none of the terms listed in
        `[tool.kbops.lint.terms.<locale>] forbidden` for the document's locale (whole words,
        case-insensitive).

    Why it matters:
        Some words create legal exposure or break tone: "guarantee" is a promise under consumer-finance
        rules, a competitor's brand name is a trademark problem, "simply" blames the customer.

    Bad:
        We guarantee a refund within 24 hours.

    Good:
        Most refunds arrive within 24 hours.

    How to fix:
        Rephrase without the term; ask compliance before adding exceptions.
    """
    terms = _terms_for(doc, ctx)
    if terms is None:
        return
    for line, _, found in _term_hits(doc, terms.forbidden):
        yield Finding(line, f"forbidden term {found!r} (locale {doc.locale})")


@rule("KB703", "long-sentence", "warning")
def long_sentence(doc: Document, ctx: LintContext):
    """A sentence is longer than the configured maximum.

    What it checks:
        Sentences of paragraphs, list items and table cells (outside code; link targets not counted)
        have at most `[tool.kbops.lint] max_sentence_words` words (default 40; words are separated by
        whitespace). Reported where the sentence starts.

    Why it matters:
        Agents read procedures while talking to a customer, often in their second language. Long
        sentences hide conditions and steps and are the first thing machine translation garbles.

    Bad:
        If the cardholder says the card was declined at a merchant abroad and the decline code is 05
        and the card was issued less than 30 days ago, check the activation status, then the country
        restrictions, then the limits, before escalating to Banking Operations with the reference.

    Good:
        Check three things when a new card is declined abroad with code 05. First, check activation.
        Then check the country restrictions and the limits. If all pass, escalate to Banking Operations.

    How to fix:
        Split the sentence; turn conditions and steps into a list.
    """
    if not doc.parsed:
        return
    limit = ctx.lint.max_sentence_words
    for piece in prose(doc, headings=False):
        if len(piece.text.split()) <= limit:
            continue  # no sentence of this paragraph can be longer than the paragraph
        start = 0
        for end_match in [*SENTENCE_END.finditer(piece.text), None]:
            end = end_match.end() if end_match else len(piece.text)
            sentence = piece.text[start:end]
            words = len(sentence.split())
            if words > limit:
                offset = start + (len(sentence) - len(sentence.lstrip()))
                yield Finding(line_at(piece.line, piece.text, offset), f"sentence of {words} words (at most {limit})")
            start = end
