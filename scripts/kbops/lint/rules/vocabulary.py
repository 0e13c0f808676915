"""KB12x: front-matter values from the controlled vocabularies (governance.yml, taxonomy.yml, locales)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.lint.rules._text import str_list, value_line
from kbops.model.document import Document


def _did_you_mean(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unknown_values(doc: Document, key: str, known: Iterable[str], what: str, source: str) -> Iterator[Finding]:
    if not doc.parsed or key not in doc.meta:
        return
    known = list(known)
    for value in str_list(doc.get(key)):
        if value not in known:
            yield Finding(
                value_line(doc, key, value),
                f"{what} {value!r} is not declared in {source}{_did_you_mean(value, known)}",
            )


@rule("KB120", "unknown-owner")
def unknown_owner(doc: Document, ctx: LintContext):
    """The owner is not a team or person declared in governance.yml.

    What it checks:
        `owner` names a key under `teams:` or `people:` in governance.yml.

    Why it matters:
        The owner is who gets the review reminders, the CODEOWNERS request and the blame when an agent
        follows an outdated procedure. A typo means nobody owns the doc.

    Bad:
        owner: card-support

    Good:
        owner: cards-support

    How to fix:
        Use a declared team or person (the message suggests the closest), or declare the new team in
        governance.yml in the same pull request.
    """
    known = [*ctx.governance.teams, *ctx.governance.people]
    owner = doc.get("owner")
    if isinstance(owner, str) and owner:
        yield from _unknown_values(doc, "owner", known, "owner", "governance.yml (teams or people)")


@rule("KB121", "unknown-product")
def unknown_product(doc: Document, ctx: LintContext):
    """The product is not in taxonomy.yml.

    What it checks:
        `product` is a key under `products:` in taxonomy.yml.

    Why it matters:
        Products drive site navigation, search facets and the content-gap report per product. A
        free-text product makes the doc invisible in all three.

    Bad:
        product: card

    Good:
        product: cards

    How to fix:
        Use a declared product key (the message suggests the closest) or add the product to taxonomy.yml.
    """
    yield from _unknown_values(doc, "product", ctx.taxonomy.products, "product", "taxonomy.yml products")


@rule("KB122", "unknown-tag")
def unknown_tag(doc: Document, ctx: LintContext):
    """A tag is not in taxonomy.yml.

    What it checks:
        Every entry of `tags` is a key under `tags:` in taxonomy.yml.

    Why it matters:
        Tags are a controlled vocabulary: `declined`, `Declined` and `declines` would split one topic
        into three tag pages and three search facets.

    Bad:
        tags: [declines]

    Good:
        tags: [declined]

    How to fix:
        Use a declared tag (the message suggests the closest) or add it to taxonomy.yml.
    """
    yield from _unknown_values(doc, "tags", ctx.taxonomy.tags, "tag", "taxonomy.yml tags")


@rule("KB123", "unknown-intent")
def unknown_intent(doc: Document, ctx: LintContext):
    """An intent is not in taxonomy.yml.

    What it checks:
        Every entry of `intents` is a key under `intents:` in taxonomy.yml.

    Why it matters:
        Intents connect docs to what customers ask (bots, deflection reports, search evaluation). An
        undeclared intent is never matched, so the doc never answers the bot's question.

    Bad:
        intents: [card_declined]

    Good:
        intents: [declined_card_payment]

    How to fix:
        Use a declared intent (the message suggests the closest) or add it to taxonomy.yml.
    """
    yield from _unknown_values(doc, "intents", ctx.taxonomy.intents, "intent", "taxonomy.yml intents")


@rule("KB124", "unknown-compliance-tag")
def unknown_compliance_tag(doc: Document, ctx: LintContext):
    """A compliance tag is not declared in governance.yml.

    What it checks:
        Every entry of `compliance` is a key under `compliance_tags:` in governance.yml.

    Why it matters:
        Compliance tags select the approval policy. `GDPR` or `gpdr` would match no policy, and a
        data-subject-request SOP would be published without the compliance team's sign-off.

    Bad:
        compliance: [gpdr]

    Good:
        compliance: [gdpr]

    How to fix:
        Use a declared tag (the message suggests the closest), or ask compliance to declare the new
        regulation in governance.yml.
    """
    yield from _unknown_values(
        doc, "compliance", ctx.governance.compliance_tags, "compliance tag", "governance.yml compliance_tags"
    )


@rule("KB125", "unsupported-locale")
def unsupported_locale(doc: Document, ctx: LintContext):
    """The locale is not one the knowledge base is configured for.

    What it checks:
        `locale` (default `en`) is one of `[tool.kbops] locales` in pyproject.toml.

    Why it matters:
        Search analyzers, the site's language switcher and section-name checks exist per configured
        locale; a doc in another locale is indexed with the wrong stemmer and shown in no language.

    Bad:
        locale: pt

    Good:
        locale: es

    How to fix:
        Use a configured locale, or add the language to `[tool.kbops] locales` when the organisation
        starts supporting it.
    """
    if not doc.parsed:
        return
    locale = doc.get("locale", ctx.settings.default_locale)
    if isinstance(locale, str) and locale not in ctx.settings.locales:
        yield Finding(
            doc.line_of("locale"),
            f"locale {locale!r} is not configured (allowed: {', '.join(ctx.settings.locales)})"
            f"{_did_you_mean(locale, ctx.settings.locales)}",
        )
