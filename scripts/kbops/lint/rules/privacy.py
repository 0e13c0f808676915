"""KB5xx: personal data and secrets in documents: e-mails, phones, IBANs, cards, national ids, API keys.

Every rule reads the findings of the one detector the collector and analytics scrub with (kbops.pii):
what lint reports is what the collector would scrub, and the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.lint.rules._text import line_at, str_list, value_line
from kbops.model.document import Document
from kbops.pii import Finding as PersonalData
from kbops.pii import find_personal_data

# Front-matter fields that carry free text readers (and the search index) see.
SCANNED_FIELDS = ("title", "description", "sample_queries")
_SEPARATORS = re.compile(r"[\s.\-()/]")
KIND_LABELS = {
    "email": "e-mail address",
    "phone": "phone number",
    "iban": "IBAN",
    "account": "bank account number (CLABE)",
    "card": "card number",
    "secret": "API key or token",
    "national_id": "national id number",
}
# What each rule reports (the detector's kinds).
RULE_KINDS = {
    "email": ("email",),
    "phone": ("phone",),
    "iban": ("iban", "account"),
    "card": ("card",),
    "secret": ("secret",),
    "national_id": ("national_id",),
}


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value.casefold())


def _allowed(value: str, ctx: LintContext) -> bool:
    """Documented example values (`allow_examples`) and the teams' published addresses are allowed."""
    lowered, compact = value.casefold(), _compact(value)
    for example in ctx.allow_examples_lower:
        if example and (example in lowered or (_compact(example) and _compact(example) in compact)):
            return True
    team_emails = {t.email.casefold() for t in ctx.governance.teams.values() if t.email}
    return lowered in team_emails


def _mask(value: str) -> str:
    """Show enough to find the value, not enough to leak it again in CI logs."""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 6)}{value[-2:]}"


@lru_cache(maxsize=256)
def _findings(text: str, locale: str | None) -> tuple[PersonalData, ...]:
    """Every finding of the shared detector (kbops.pii), computed once per text for the five rules."""
    return tuple(find_personal_data(text, locale=locale))


def _scan(text: str, kinds: tuple[str, ...], ctx: LintContext, locale: str | None) -> Iterator[tuple[int, str, str]]:
    for found in _findings(text, locale):
        if found.kind in kinds and not _allowed(found.value, ctx):
            yield found.start, found.value, found.kind


def personal_data(doc: Document, ctx: LintContext, kind: str) -> Iterator[Finding]:
    """Findings of one rule in the body (code blocks included) and the free-text front-matter fields."""
    if not doc.parsed:
        return
    kinds = RULE_KINDS[kind]
    locale = doc.get("locale") if isinstance(doc.get("locale"), str) else None
    for key in SCANNED_FIELDS:
        for item in str_list(doc.get(key)):
            for _, value, found in _scan(item, kinds, ctx, locale):
                yield Finding(
                    value_line(doc, key, item), f"{KIND_LABELS[found]} {_mask(value)!r} in front-matter field {key!r}"
                )
    for start, value, found in _scan(doc.body, kinds, ctx, locale):
        yield Finding(line_at(doc.body_line, doc.body, start), f"{KIND_LABELS[found]} {_mask(value)!r}")


@rule("KB501", "email-address")
def email_address(doc: Document, ctx: LintContext):
    """An e-mail address appears in a document.

    What it checks:
        The body (code blocks included), `title`, `description` and `sample_queries` contain no e-mail
        address, except team addresses declared in governance.yml and documented examples listed in
        `[tool.kbops.lint] allow_examples` (e.g. `@example.com`; matched case-insensitively).

    Why it matters:
        Docs are copied from real tickets. A customer's or an agent's address in a published article is
        a personal-data breach (GDPR), and it is indexed, exported to bots and cached by CDNs.

    Bad:
        Ask the cardholder (e.g. maria.lopez@gmail.com) to confirm.

    Good:
        Ask the cardholder (e.g. jane.doe@example.com) to confirm, or write to cards-support@ (team
        address declared in governance.yml).

    How to fix:
        Replace the address with an example value, or use the team's address.
    """
    return personal_data(doc, ctx, "email")


@rule("KB502", "phone-number")
def phone_number(doc: Document, ctx: LintContext):
    """A phone number appears in a document.

    What it checks:
        The body (code blocks included), `title`, `description` and `sample_queries` contain no phone
        number: digits dialled with a `+`/`00` prefix, an area code in brackets (`(555) 123-4567`), a
        word such as `phone`/`tel`/`móvil` before them (`phone612345678`), or written in groups
        (`612 34 56 78`, `612.345.678`), that `phonenumbers` accepts as a number of the doc's locale or of
        a market served (US, ES, FR, MX, GB). Bare digit runs (order or ticket numbers), versions
        (`10.0.569.20009`), IP addresses, dates and amounts are not reported. Values listed in
        `allow_examples` pass.

    Why it matters:
        A cardholder's or an employee's personal number in a doc is personal data; the company's
        published hotline should come from one governed place, not be copied into many docs.

    Bad:
        The customer called from +34 612 345 678.

    Good:
        The customer called from their registered number. Hotline: see [contact us](id:contact-support).

    How to fix:
        Remove the number, or add an official, published number to `allow_examples`.
    """
    return personal_data(doc, ctx, "phone")


@rule("KB503", "iban")
def iban(doc: Document, ctx: LintContext):
    """A valid IBAN or Mexican CLABE appears in a document.

    What it checks:
        The body (code blocks included), `title`, `description` and `sample_queries` contain no IBAN
        (any case, with spaces, hyphens or NBSPs, `ibanES91…`) that passes python-stdnum's check
        (country format and ISO 13616 mod-97, so product codes pass), and no 18-digit CLABE with a
        valid check digit. Values listed in `allow_examples` pass.

    Why it matters:
        A customer's IBAN identifies their bank account; with a name it enables fraud. Docs built from
        real transfer tickets leak them.

    Bad:
        Transfer to ES91 2100 0418 4502 0005 1332 was returned.

    Good:
        Transfer to ES00 0000 0000 0000 0000 0000 was returned.

    How to fix:
        Replace the IBAN with an invalid-checksum placeholder, or list a documented example in
        `allow_examples`.
    """
    return personal_data(doc, ctx, "iban")


@rule("KB504", "card-number")
def card_number(doc: Document, ctx: LintContext):
    """A card number (Luhn-valid) appears in a document.

    What it checks:
        The body (code blocks included), `title`, `description` and `sample_queries` contain no 13–19
        digit number (grouped with spaces, `.`, `-`, `/`, `_`, tabs, NBSPs or zero-width spaces) in a
        card network's issuer range that passes the Luhn check; an expiry date and CVV written right
        after it are part of the finding. Test card numbers listed in `allow_examples`
        (e.g. `4111 1111 1111 1111`) pass, with or without separators. Epoch milliseconds
        (`1543885200000`) are not cards: no network issues numbers starting with 1.

    Why it matters:
        A primary account number in a document puts the knowledge base in PCI DSS scope and exposes
        the cardholder to fraud.

    Bad:
        The card 4000 0566 5566 5556 was declined.

    Good:
        The card ending in 5556 was declined.

    How to fix:
        Keep only the last four digits, or use a documented test card number.
    """
    return personal_data(doc, ctx, "card")


@rule("KB505", "secret")
def secret(doc: Document, ctx: LintContext):
    """An API key, token, private key or password appears in a document.

    What it checks:
        The body (code blocks included), `title`, `description` and `sample_queries` contain no
        Stripe-style keys (`sk_live_...`), AWS access key ids, GitHub or Slack tokens, JWTs, private key
        blocks, or `api_key=`/`token:`/`password=` assignments with a long value.

    Why it matters:
        Code blocks in integration troubleshooting guides are where real keys get pasted. A key in the
        knowledge base is readable by every partner agent and every bot.

    Bad:
        curl -H "Authorization: Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc" ...

    Good:
        curl -H "Authorization: Bearer $API_KEY" ...

    How to fix:
        Remove the value, rotate the key (it has leaked), and use a placeholder or an environment
        variable in the example.
    """
    return personal_data(doc, ctx, "secret")


@rule("KB506", "national-id")
def national_id(doc: Document, ctx: LintContext):
    """A national identity number appears in a document.

    What it checks:
        The body (code blocks included), `title`, `description` and `sample_queries` contain no
        national id of the markets served, validated with its check digits by python-stdnum: Spain's
        DNI and NIE, France's NIR (social security number), Mexico's CURP and RFC, and US social
        security numbers written `123-45-6789`. Values listed in `allow_examples` pass.

    Why it matters:
        A national id identifies a person for life and opens accounts in their name; Spain's and
        France's data-protection rules and Mexico's (CONDUSEF) treat it as sensitive. Docs built from
        onboarding or KYC tickets leak them.

    Bad:
        The customer's DNI 12345678Z did not match the account holder.

    Good:
        The customer's DNI did not match the account holder (check it in the KYC tool).

    How to fix:
        Remove the number; describe the check instead of the value.
    """
    return personal_data(doc, ctx, "national_id")
