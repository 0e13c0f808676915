"""KB008-KB009: inline suppressions (`<!-- kb-disable KB123: reason -->`) must be justified and needed."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet

from kbops.lint.context import LintContext
from kbops.lint.registry import RULES, Finding, rule
from kbops.lint.suppression import UNSUPPRESSIBLE, Suppression, parse_suppressions, well_formed_code
from kbops.model.document import Document


@rule("KB008", "suppression-without-reason")
def suppression_without_reason(doc: Document, ctx: LintContext) -> Iterator[Finding]:
    """A kb-disable comment gives no reason, names no rule, or names a rule that does not exist.

    What it checks:
        Every `<!-- kb-disable ... -->` and `<!-- kb-disable-file ... -->` comment outside code blocks
        names one or more existing rule codes, comma-separated, followed by a colon and a reason.

    Why it matters:
        A suppression is an exception to a governance or content rule. Reviewers and auditors need to
        know why it was granted; a bare or mistyped suppression hides a finding nobody can justify, and
        a typo in the code silently suppresses nothing.

    Bad:
        <!-- kb-disable KB501 -->
        Call us at +34 600 000 000.

    Good:
        <!-- kb-disable KB501: the public switchboard number, approved by legal in TICKET-812 -->
        Call us at +34 600 000 000.

    How to fix:
        Add `: reason` after the codes, correct the code (`kb rule --list` shows every code), or remove
        the comment if the finding should be fixed instead.
    """
    for suppression in parse_suppressions(doc):
        if not suppression.codes:
            yield Finding(
                suppression.line,
                f"kb-disable comment names no rule code (got {suppression.raw!r}); expected e.g. 'KB501: reason'",
            )
            continue
        for code in suppression.codes:
            if not well_formed_code(code) or code not in RULES:
                yield Finding(
                    suppression.line, f"kb-disable names unknown rule {code!r}; `kb rule --list` shows every code"
                )
            elif code in UNSUPPRESSIBLE:
                yield Finding(suppression.line, f"{code} cannot be suppressed")
        if not suppression.reason:
            yield Finding(
                suppression.line,
                f"kb-disable {', '.join(suppression.codes)} has no reason; expected 'kb-disable CODE: why this is acceptable'",
            )


@rule("KB009", "unused-suppression", "warning")
def unused_suppression(
    doc: Document,
    ctx: LintContext,
    used: AbstractSet[tuple[int, str]] | None = None,
    enabled: AbstractSet[str] = frozenset(),
    suppressions: tuple[Suppression, ...] | None = None,
) -> Iterator[Finding]:
    """A kb-disable comment silences nothing: the rule it names reports no finding there.

    What it checks:
        After every other rule ran, each code named by a suppression matched at least one finding on
        its target line (or in its file, for `kb-disable-file`). Only rules enabled in the run count,
        so `--select` never makes a suppression look unused. Like ruff's RUF100, the runner evaluates
        this rule after all others, passing which suppressions were used.

    Why it matters:
        Stale suppressions pile up after the underlying problem is fixed; later they silently hide a
        new, real finding on the same line.

    Bad:
        <!-- kb-disable KB703: sentence quoted from the card scheme rules -->
        Short sentence that no longer trips the rule.

    Good:
        Short sentence that no longer trips the rule.

    How to fix:
        Delete the comment, or the codes in it that no longer apply.
    """
    if used is None:  # only meaningful once the other rules' findings are known (see the runner)
        return
    for suppression in parse_suppressions(doc) if suppressions is None else suppressions:
        yield from _unused(suppression, used, enabled)


def _unused(
    suppression: Suppression, used: AbstractSet[tuple[int, str]], enabled: AbstractSet[str]
) -> Iterator[Finding]:
    for code in suppression.codes:
        if code in enabled and code not in UNSUPPRESSIBLE and (suppression.line, code) not in used:
            where = "in this file" if suppression.whole_file else f"on line {suppression.target}"
            yield Finding(suppression.line, f"kb-disable {code} is unused: {code} reports nothing {where}")


unused_suppression.after_suppression = True
