"""KB812: a translation whose text is not in its `locale` (lingua language identification), or still marked untranslated."""

from __future__ import annotations

import re

from kbops.language import (
    BODY_MARKER,
    FIELD_MARKER,
    MIN_PASSAGE_WORDS,
    MIN_WORDS,
    Guess,
    candidates_for,
    guess_language,
    language_name,
    measure,
)
from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.lint.rules._text import Prose, prose
from kbops.model.document import Document

_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
# statuses whose docs reach a site: an untranslated text there is an error, elsewhere a warning
ON_A_SITE = ("published", "deprecated")


def marker_lines(doc: Document) -> list[int]:
    """File lines that still carry an untranslated marker (front-matter comments, body comments outside code)."""
    found = []
    lines = doc.text.split("\n")
    for number, line in enumerate(lines[: doc.body_line - 1], 1):
        if FIELD_MARKER in line:
            found.append(number)
    fence = None
    for number, line in enumerate(lines[doc.body_line - 1 :], doc.body_line):
        opened = _FENCE.match(line)
        if opened:
            fence = None if fence == opened.group(1) else fence or opened.group(1)
        elif fence is None and BODY_MARKER in line and BODY_MARKER in _INLINE_CODE.sub("", line):
            found.append(number)
    return found


def _judge(pieces: list[Prose], candidates: tuple[str, ...], locale: str) -> list[tuple[Prose, Guess]] | None:
    """The language of every passage long enough to judge, in order; None as soon as more than half of all their
    words are known to be in `locale`: the rule's verdict ("no finding") is then certain, whatever the rest are in.
    Longest passages first, so a translation that is one usually stops after about half of its words."""
    measured = [(n, p, measure(p.text)) for n, p in enumerate(pieces)]
    judgeable = [m for m in measured if m[2][1] >= MIN_PASSAGE_WORDS]
    total = sum(m[2][1] for m in judgeable)
    guesses: dict[int, Guess] = {}
    in_locale = 0
    for n, piece, cleaned in sorted(judgeable, key=lambda m: -m[2][1]):
        guess = guess_language(piece.text, candidates, MIN_PASSAGE_WORDS, measured=cleaned)
        guesses[n] = guess
        if guess.language == locale:
            in_locale += guess.words
            if in_locale * 2 > total:
                return None
    return [(piece, guesses[n]) for n, piece, _ in judgeable]


@rule("KB812", "translation-not-in-locale", kind="document")
def translation_not_in_locale(doc: Document, ctx: LintContext):
    """A translation's body is not written in its `locale`, or still carries untranslated markers.

    What it checks:
        For a doc with `translation_of`, the language of the body's prose (headings, paragraphs, list
        items and tables; code blocks, inline code, link targets and HTML comments left out) is
        identified with lingua among the configured locales. The rule fires when another language is
        clearly more likely (bodies under 20 words are not judged), and when fields or passages still
        carry the `# untranslated` / `<!-- untranslated -->` markers that `kb new --translation-of`
        writes. Error when the doc is published (or deprecated: both reach a site), warning in draft
        or review.

    Why it matters:
        A `.es.md` that is still English is published to Spanish-speaking agents and customers as if it
        were Spanish: search in Spanish does not find it, and the language switcher promises a
        translation that is not there.

    Bad:
        locale: es
        translation_of: card-declined
        ---
        # Tarjeta rechazada
        Check the balance first, then ask the customer which merchant declined the payment.

    Good:
        locale: es
        translation_of: card-declined
        ---
        # Tarjeta rechazada
        Revisa primero el saldo y luego pregunta al cliente qué comercio rechazó el pago.

    How to fix:
        Translate the passages the message points to and remove their `untranslated` markers; if the
        doc really is in another language, correct its `locale` (and file name suffix).
    """
    if not doc.parsed or not doc.get("translation_of") or doc.get("status") == "archived":
        return
    severity = None if doc.get("status") in ON_A_SITE else "warning"
    marked = marker_lines(doc)
    if marked:
        shown = ", ".join(map(str, marked[:5])) + (" …" if len(marked) > 5 else "")
        yield Finding(
            marked[0],
            f"{len(marked)} field(s) or passage(s) still marked untranslated (lines {shown}); "
            "translate them and remove the markers",
            severity=severity,
        )
    locale = candidates_for([doc.locale])[0]
    candidates = candidates_for(ctx.settings.locales, ctx.settings.default_locale, locale)
    pieces = [p for p in prose(doc) if p.text.strip()]
    judged = _judge(pieces, candidates, locale)
    if judged is None:  # most of the words are in the locale: nothing to report
        return
    by_language: dict[str | None, int] = {}
    for _, g in judged:
        by_language[g.language] = by_language.get(g.language, 0) + g.words
    if by_language:  # passages long enough to judge: the language most of their words are in
        dominant = max(by_language, key=by_language.__getitem__)
        total = sum(by_language.values())
        if dominant is None or dominant == locale or by_language[dominant] * 2 <= total or total < MIN_WORDS:
            return
        confidence = by_language[dominant] / total
    else:  # only short passages: the body as one text
        whole = guess_language("\n\n".join(p.text for p in pieces), candidates)
        if whole.language is None or whole.language == locale:
            return
        dominant, confidence = whole.language, whole.confidence
    other = [p for p, g in judged if g.language == dominant]
    first = other[0].line if other else (pieces[0].line if pieces else doc.body_line)
    share = f"{len(other)} of {len(judged)} passages" if judged else "the text"
    yield Finding(
        first,
        f"body is in {language_name(dominant)}, not {language_name(locale)} (locale: {doc.locale}): {share} "
        f"({confidence:.0%} of the words judged), first at line {first}; translate it or correct `locale`",
        severity=severity,
    )
