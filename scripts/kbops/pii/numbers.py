"""Numbers that identify a person: cards (Luhn + issuer range), phones (phonenumbers), bank accounts and national ids (python-stdnum).

Candidates are runs of digits with the separators people type (space, `.`, `-`, `/`, `_`, brackets around
an area code); each run is then validated by the field's libraries. The shape checks below exist for
what libraries cannot know: that `10.0.569.20009` is a version, `2026-11-02 10` a date and an hour,
`1543885200000` an epoch in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from stdnum import luhn
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.mx import curp, rfc
from stdnum.us import ssn

from kbops import locale as locales

# The markets served (DESIGN.md: es/en/fr, Spain, France, Mexico, the US and the UK); the locale's own first.
MARKET_REGIONS = ("US", "ES", "FR", "MX", "GB")

# Words glued to a number that announce it (`phone612345678`, `tel:+34…`, `dni12345678Z`).
_GLUED_WORDS = (
    "phone",
    "tel",
    "tél",
    "telf",
    "tfno",
    "tlf",
    "mobile",
    "mob",
    "cell",
    "movil",
    "móvil",
    "fono",
    "fax",
    "whatsapp",
    "dni",
    "nie",
    "curp",
    "rfc",
    "nir",
    "ssn",
    "clabe",
)
GLUED = tuple(word + end for word in _GLUED_WORDS for end in ("", ":", "."))
_GLUED_BEHIND = "|".join(f"(?<={re.escape(word)})" for word in GLUED)
RUN = re.compile(
    r"(?=[+(\d])"  # rejects most positions at once, before the lookbehinds below
    r"(?:(?<![\w.\-/@#+:,$€£¥%])|(?i:" + _GLUED_BEHIND + r"))"
    r"(?P<plus>\+(?=\d)|00(?=[1-9]))?"
    r"(?:\(\d{1,4}\)[ ]{0,2})?"
    r"\d(?:(?:[ ./_\-]{1,3}|[ ]{0,2}\(\d{1,4}\)[ ]{0,2})?\d)*"
    r"(?![\w]|[.\-/_:,]\w)"
)
CARD_TAIL = re.compile(
    r"(?i)(?:[ ,;]{0,3}(?:(?:exp(?:iry|ires|iration)?|caduc\w*|vence|venc|vto|valid(?: thru)?|fecha de caducidad|"
    r"date d'expiration|expire\w*|fin)[ .:]{0,3})?(?:0?[1-9]|1[0-2])[ ]?[/\-.][ ]?(?:20\d\d|\d\d)(?![\d])(?!/))?"
    r"(?:[ ,;]{0,3}(?:(?:cvv2?|cvc2?|cv2|csc|cid|security code|c[oó]digo(?: de seguridad)?|cryptogramme|code)[ .:]{0,3})?"
    r"\d{3,4}(?!\d))?"
)
_START = r"(?:(?<![\w])|(?i:" + _GLUED_BEHIND + r"))"
DNI = re.compile(_START + r"\d{2}\.?\d{3}\.?\d{3}[ \-]?[A-Za-z](?![\w])")
NIE = re.compile(_START + r"[XYZxyz][ \-]?\d{7}[ \-]?[A-Za-z](?![\w])")
CURP = re.compile(_START + r"[A-Za-z]{4}\d{6}[HMXhmx][A-Za-z]{5}[A-Za-z0-9]\d(?![\w])")
RFC = re.compile(_START + r"[A-Za-zÑñ&]{3,4}[ \-]?\d{6}[ \-]?[A-Za-z0-9]{3}(?![\w])")
# Every national id above holds 6 or more digits in a row (a DNI may be dotted): the patterns run only around those.
_DIGITS6 = re.compile(r"\d{6,}|\d\d\.\d{3}\.\d{3}")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
_CURRENCY_BEFORE = re.compile(r"(?i)(?:[$€£¥]|usd|eur|mxn|gbp)[ ]?$")
_CURRENCY_AFTER = re.compile(r"(?i)^[ ]?(?:[$€£¥%]|usd|eur|mxn|gbp|ms|kb|mb|gb|bytes?)\b")
# A whole word only: "Cancel: 192350004" (an option-set value) ends in "cel:" but is no phone cue.
_PHONE_WORD = re.compile(
    r"(?i)(?<![^\W\d_])(?:phone|tel|telf|tfno|tlf|mobile|mob|cell|cel|celular|movil|m[oó]vil|tel[eé]fono|"
    r"t[eé]l[eé]phone|t[eé]l|portable|fax|whatsapp|call|llam\w*|appel\w*|contact\w*)[ .:#]{0,3}$"
)


@dataclass(frozen=True)
class NumberFinding:
    kind: str  # card | phone | account | national_id
    start: int
    end: int


def regions_for(locale: str | None) -> tuple[str, ...]:
    """Phone regions to try: the locale's (es-MX → MX, es → ES, MX), then every market served."""
    first: list[str] = []
    if locale:
        region = locales.region_of(locale)
        first.extend([region] if region else [])
        first.extend(locales.language_regions(locale))  # `regions:` of kbops/locales/<language>/language.yml
    return tuple(dict.fromkeys([*first, *MARKET_REGIONS]))


# Issuer ranges (IIN) of the card networks: a Luhn-valid run that starts elsewhere (an epoch in ms) is no card.
_IIN = re.compile(
    r"4\d{12}(?:\d{3}){0,2}"  # Visa 13/16/19
    r"|(?:5[1-5]\d\d|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)\d{12}"  # Mastercard
    r"|3[47]\d{13}"  # American Express
    r"|3(?:0[0-5]|[689]\d)\d{11,16}"  # Diners
    r"|35(?:2[89]|[3-8]\d)\d{12,15}"  # JCB
    r"|(?:6011|65\d\d|64[4-9]\d|62\d\d)\d{12,15}"  # Discover, UnionPay
    r"|(?:50|5[6-9]|6\d)\d{10,17}"  # Maestro
)


def card_valid(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and bool(_IIN.fullmatch(digits)) and luhn.is_valid(digits) and len(set(digits)) > 1


def clabe_valid(digits: str) -> bool:
    """Mexico's CLABE (18 digits, weights 3-7-1 modulo 10)."""
    if len(digits) != 18 or not digits.isdigit():
        return False
    total = sum(int(d) * w % 10 for d, w in zip(digits[:17], (3, 7, 1) * 6))
    return (10 - total % 10) % 10 == int(digits[17])


@lru_cache(maxsize=4096)
def phone_valid(candidate: str, regions: tuple[str, ...], dialled: bool) -> bool:
    """Valid number in one of `regions` (or anywhere when written with `+`); `dialled` accepts a possible one."""
    candidate = candidate.strip()
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]  # the international prefix of Europe and Mexico
    for region in regions:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) or (dialled and phonenumbers.is_possible_number(number)):
            return True
        if candidate.startswith("+"):
            return False  # the country code decides; other regions cannot make it valid
    return False


def _groups(run: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\d+", run)]


def _phone(text: str, start: int, run: str, plus: bool, regions: tuple[str, ...]) -> bool:
    digits = re.sub(r"\D", "", run)
    if not 7 <= len(digits) <= 15:
        return False
    groups = _groups(run)
    bracketed = "(" in run
    keyword = bool(_PHONE_WORD.search(text[max(0, start - 16) : start]))
    if not (plus or bracketed or keyword or len(groups) >= 3):
        return False  # a bare digit run is an order or ticket number, not a dialled phone
    separators = set(re.sub(r"[\d()+ ]", "", run))
    if separators == {"/"}:
        return False  # 445/454/544: a pattern or a ratio; nobody dials slashes
    if "." in separators:
        sizes = [e - s for s, e in groups]
        if 1 in sizes[1:] or (len(sizes) == 4 and all(n <= 3 for n in sizes)) or sizes[0] == 1:
            return False  # 10.0.569.20009, 1.0.170.35084, 192.168.1.20: versions and addresses
    first = groups[0][1] - groups[0][0]
    if _DATE.search(run) or set(digits[first:]) == {"0"}:
        return False  # a date with an hour, or an amount such as 100.000.000
    if _CURRENCY_BEFORE.search(text[max(0, start - 4) : start]):
        return False
    return phone_valid(run, regions, dialled=plus or bracketed or keyword)


def _card_at(run: str) -> int | None:
    """End (in `run`) of the longest card number made of the run's leading groups, if any."""
    best = None
    digits = ""
    for s, e in _groups(run):
        digits += run[s:e]
        if len(digits) > 19:
            break
        if card_valid(digits):
            best = e
    return best


def number_findings(text: str, locale: str | None = None) -> Iterator[NumberFinding]:
    """Cards (with an expiry and CVV written next to them), CLABEs, national ids and phones in normalised text."""
    regions = regions_for(locale)
    for m in RUN.finditer(text):
        run, start = m.group(), m.start()
        plus = bool(m.group("plus"))
        if _DATE.match(run.lstrip("+( ")):
            continue
        after = text[m.end() : m.end() + 6]
        if _CURRENCY_AFTER.match(after):
            continue
        digits = re.sub(r"\D", "", run)
        card_end = None if plus else _card_at(run)
        if card_end is not None:
            tail = CARD_TAIL.match(text, start + card_end)
            yield NumberFinding(
                "card", start, tail.end() if tail and tail.end() > start + card_end else start + card_end
            )
            continue
        if clabe_valid(digits):
            yield NumberFinding("account", start, m.end())
        elif len(digits) in (13, 15) and digits[0] in "1278" and nir.is_valid(digits):
            yield NumberFinding("national_id", start, m.end())
        elif re.fullmatch(r"\d{3}-\d{2}-\d{4}", run) and ssn.is_valid(run):
            yield NumberFinding("national_id", start, m.end())
        elif _phone(text, start, run, plus, regions):
            yield NumberFinding("phone", start, m.end())


def national_id_findings(text: str) -> Iterator[NumberFinding]:
    """Spain DNI/NIE, Mexico CURP/RFC (check digits verified)."""
    seen: set[tuple[int, int]] = set()
    for digits in _DIGITS6.finditer(text):
        window_start, window_end = max(0, digits.start() - 12), min(len(text), digits.end() + 10)
        for pattern, valid in (
            (DNI, dni.is_valid),
            (NIE, nie.is_valid),
            (CURP, curp.is_valid),
            (RFC, lambda v: rfc.is_valid(v, validate_check_digits=True)),
        ):
            for m in pattern.finditer(text, window_start, window_end):
                if m.span() in seen or m.end() < window_end and m.end() == window_end:
                    continue
                value = re.sub(r"[ .\-]", "", m.group()).upper()
                if valid(value):
                    seen.add(m.span())
                    yield NumberFinding("national_id", m.start(), m.end())
