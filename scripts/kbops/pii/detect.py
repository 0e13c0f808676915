"""The personal-data detector: e-mails, phones, cards, IBANs/CLABEs, national ids and secrets in any text.

One detector serves lint (KB5xx), the event collector and analytics, so a value that lint reports is the
value the collector scrubs. Text is normalised first (kbops.pii.normalize); candidates are validated by
the field's libraries: `phonenumbers`, `python-stdnum` (IBAN, Luhn, DNI/NIE, NIR, CURP/RFC, SSN) and
the Public Suffix List (`publicsuffixlist`) for an e-mail's top-level domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from publicsuffixlist import PublicSuffixList
from stdnum import iban as stdnum_iban

from kbops.pii.disguise import HINT as _DISGUISE_HINT
from kbops.pii.disguise import disguised_emails
from kbops.pii.normalize import normalise
from kbops.pii.numbers import MARKET_REGIONS, national_id_findings, number_findings, phone_valid

KINDS = ("secret", "email", "iban", "card", "account", "national_id", "phone")
PLACEHOLDERS = {
    "email": "[email]",
    "phone": "[phone]",
    "card": "[card]",
    "iban": "[iban]",
    "account": "[account]",
    "national_id": "[id]",
    "secret": "[secret]",
}

SECRET = re.compile(
    # The lookahead lists the first character of every alternative: it changes no match, but lets the
    # engine skip most positions at once (about 6x faster on prose).
    r"(?=[-sprAgxek]|(?i:[astpb]))"
    r"(?:"
    r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b"  # Stripe-style keys
    r"|\bAKIA[0-9A-Z]{16}\b"  # AWS access key id
    r"|\bgh[pousr]_[A-Za-z0-9]{36,}\b"  # GitHub tokens
    r"|\bxox[baprs]-[A-Za-z0-9-]{10,}\b"  # Slack tokens
    r"|\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"  # JWT
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|(?i:\b(?:api[_-]?key|secret|token|password|passwd)\b\s*[:=]\s*['\"]?[A-Za-z0-9_\-/+]{12,})"
    r"|\bkb_[A-Za-z0-9_\-]{20,}"  # kbops API keys (`kb api-key create`: kb_ + 43 URL-safe characters)
    r"|(?i:\bbearer\s+)[A-Za-z0-9._~+/\-]{16,}=*"  # any bearer token (an Authorization header pasted whole)
    r")"
)
# Every SECRET match contains one of these (lower-cased); a substring test is much cheaper than the regex.
_SECRET_HINTS = (
    "k_live_",
    "k_test_",
    "akia",
    "gh",
    "xox",
    "eyj",
    "-----begin",
    "api",
    "secret",
    "token",
    "passw",
    "kb_",
    "bearer",
)

# E-mail: a plain or quoted local part, `@` also written ` @ `, `(at)`, `[at]`; the domain's last label must
# be a real top-level domain (so `msdyn_project@odata.bind` and `logo@2x.png` are not addresses).
EMAIL = re.compile(
    r"(?:\"[\w.+' -]{1,64}\"|(?<![\w.+'\-])[\w.+'\-]{1,64}(?<!\.))"
    r"(?: ?@ ?|(?i: ?[\(\[\{<] ?at ?[\)\]\}>] ?))"
    r"(?P<domain>[^\W_](?:[\w\-]{0,62})(?:(?:\.|(?i: ?[\(\[\{<] ?dot ?[\)\]\}>] ?))[^\W_][\w\-]{0,62})+)"
    r"(?![\w\-]|\.[^\W_])"
)
_DOT_WORD = re.compile(r"(?i) ?[\(\[\{<] ?dot ?[\)\]\}>] ?")
# Annotation keys of OData payloads look like addresses (`name@odata.id`, `x@Microsoft.Dynamics.CRM.y`).
_NOT_MAIL_DOMAINS = ("odata.", "microsoft.dynamics.")
IBAN = re.compile(
    r"(?i)(?=[a-z]{2}\d\d)(?:(?<![A-Za-z0-9])|(?<=iban)|(?<=iban:))[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,34}"
)
# Where an address may be: an `@` or an obfuscated one. E-mails are searched only around these.
_AT = re.compile(r"@|(?i:[\(\[\{<] ?at ?[\)\]\}>])")

# Every kind but secrets needs a digit (any script's: NFKC makes them ASCII), an `@` (or a full-width or
# small one) or an `(at)`: text without any is skipped at once (most queries, ids and channels).
_MAY_HOLD = re.compile(r"[\d@\uff20\ufe6b]|(?i:[\(\[\{<] ?at ?[\)\]\}>])")

_psl = PublicSuffixList(accept_unknown=False)
# Special-use names (RFC 2606, RFC 6761) are what writers use in examples; they count as real so that
# lint still reports `jane@acme.test` in a doc (allow it with `allow_examples`).
_SPECIAL_USE_TLDS = {"test", "example", "invalid", "localhost"}


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    start: int
    end: int
    value: str


@lru_cache(maxsize=4096)
def real_top_level_domain(domain: str) -> bool:
    label = domain.rsplit(".", 1)[-1].lower()
    if not label or label.isdigit():
        return False
    if label in _SPECIAL_USE_TLDS:
        return True
    try:
        label = label.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return _psl.publicsuffix("x." + label) is not None


def _emails(text: str) -> Iterator[tuple[str, int, int]]:
    seen_end = -1
    for at in _AT.finditer(text):
        if at.start() < seen_end:
            continue
        for m in EMAIL.finditer(text, max(0, at.start() - 72), min(len(text), at.end() + 300)):
            if m.start() > at.start():
                break
            if m.end() <= at.start():
                continue
            seen_end = m.end()
            domain = _DOT_WORD.sub(".", m.group("domain"))
            if not domain.lower().startswith(_NOT_MAIL_DOMAINS) and real_top_level_domain(domain):
                yield "email", m.start(), m.end()
            break


_TWO_DIGITS = re.compile(r"\d\d")


def _iban_candidates(text: str) -> Iterator[re.Match]:
    # An IBAN starts with two letters and two digits; digits are rarer than letters in prose, so
    # look for them first and try the pattern only there.
    end = 0
    for digits in _TWO_DIGITS.finditer(text):
        start = digits.start() - 2
        if start < end or start < 0:
            continue
        m = IBAN.match(text, start)
        if m:
            end = m.end()
            yield m


def _ibans(text: str) -> Iterator[tuple[str, int, int]]:
    for m in _iban_candidates(text):
        # The pattern may run into the next words: keep the longest prefix that is a valid IBAN.
        positions = [m.start() + i for i, ch in enumerate(m.group()) if ch.isalnum()]
        compact = "".join(text[i] for i in positions).upper()
        for length in range(min(len(compact), 34), 14, -1):
            end = positions[length - 1] + 1
            if end < m.end() and text[end].isalnum():
                continue  # must end at a group boundary
            if stdnum_iban.is_valid(compact[:length]):
                yield "iban", m.start(), end
                break


def luhn_valid(digits: str) -> bool:
    from stdnum import luhn

    return digits.isdigit() and luhn.is_valid(digits)


def iban_valid(candidate: str) -> bool:
    """ISO 13616 mod-97 and the country's format (python-stdnum), so product codes that merely look like IBANs pass."""
    return stdnum_iban.is_valid(candidate)


def find_personal_data(text: str, kinds: tuple[str, ...] = KINDS, locale: str | None = None) -> Iterator[Finding]:
    """Every likely piece of personal data or secret in `text`, validated; spans are in `text` as given.

    Overlaps resolve in KINDS order (a secret, then an e-mail, an IBAN, a card...): a card number
    inside an IBAN is reported once, as the IBAN. `locale` orders the phone regions tried first.
    """
    found: list[tuple[str, int, int]] = []
    if "secret" in kinds:
        lowered = text.lower()
        if any(hint in lowered for hint in _SECRET_HINTS):
            found += [("secret", m.start(), m.end()) for m in SECRET.finditer(text)]
    wanted = set(kinds) - {"secret"}
    if "email" in wanted and _DISGUISE_HINT.search(text):
        # Percent-encoded, HTML-escaped and spelled-out addresses (kbops.pii.disguise), on the normalised text.
        norm = normalise(text)
        found += [("email", *norm.original_span(s, e)) for s, e in disguised_emails(norm.text, real_top_level_domain)]
    if wanted and _MAY_HOLD.search(text):
        norm = normalise(text)
        candidates: list[tuple[str, int, int]] = []
        if "email" in wanted:
            candidates += _emails(norm.text)
        if "iban" in wanted:
            candidates += _ibans(norm.text)
        if wanted & {"card", "account", "national_id", "phone"}:
            candidates += [(f.kind, f.start, f.end) for f in number_findings(norm.text, locale)]
        if "national_id" in wanted:
            candidates += [(f.kind, f.start, f.end) for f in national_id_findings(norm.text)]
        for kind, start, end in candidates:
            if kind in wanted:
                found.append((kind, *norm.original_span(start, end)))
    taken: list[tuple[int, int]] = []
    for kind, start, end in sorted(found, key=lambda f: (KINDS.index(f[0]), f[1])):
        if all(end <= s or start >= e for s, e in taken):
            taken.append((start, end))
            yield Finding(kind, start, end, text[start:end])


def has_personal_data(text: str, locale: str | None = None) -> bool:
    return next(find_personal_data(text, locale=locale), None) is not None


def scrub(text: str, locale: str | None = None) -> str:
    """Replace personal data and secrets with placeholders such as `[email]` (used before storing queries)."""
    for finding in sorted(find_personal_data(text, locale=locale), key=lambda f: f.start, reverse=True):
        text = text[: finding.start] + PLACEHOLDERS[finding.kind] + text[finding.end :]
    return text


_DIALLABLE = re.compile(r"\+?[\d\s().\-/_]{7,24}")


def redact(value: str, locale: str | None = None) -> str:
    """An identifier or short field as it may be stored: scrubbed, or a placeholder when the whole value is a phone.

    In free text a bare `612345678` is an order number; as the whole of an id field (`session`, `doc`,
    `channel`) that phonenumbers accepts, it is treated as the phone it may be.
    """
    scrubbed = scrub(value, locale)
    if scrubbed != value:
        return scrubbed
    compact = value.strip()
    if _DIALLABLE.fullmatch(compact) and phone_valid(compact, MARKET_REGIONS, dialled=False):
        return PLACEHOLDERS["phone"]
    return value


def looks_personal(value: str, locale: str | None = None) -> bool:
    """True when an id or short field holds personal data (see `redact`)."""
    return redact(value, locale) != value
