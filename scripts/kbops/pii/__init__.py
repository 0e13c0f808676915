"""Personal data and secrets: one detector for lint, the event collector and analytics; pseudonymous ids."""

from __future__ import annotations

import hashlib
import hmac
import re

from kbops.pii.detect import (
    KINDS,
    PLACEHOLDERS,
    SECRET,
    Finding,
    find_personal_data,
    has_personal_data,
    iban_valid,
    looks_personal,
    luhn_valid,
    redact,
    scrub,
)
from kbops.pii.normalize import normalise

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "SECRET",
    "Finding",
    "find_personal_data",
    "has_personal_data",
    "iban_valid",
    "looks_personal",
    "luhn_valid",
    "normalise",
    "pseudonymous_id",
    "redact",
    "scrub",
]

_PSEUDONYM = re.compile(r"^u-[0-9a-f]{16}$")


def pseudonymous_id(value: str, salt: str | bytes) -> str:
    """The pseudonymous user id of a raw identifier (e-mail, account or help-desk contact id).

    `u-` + the first 16 hex digits of HMAC-SHA256(salt, value); ids already in that form pass through.
    The same function as the event collector's (kbops.server.events.pseudonym), so that ticket
    requesters hashed by analytics match the user ids the collector wrote with the same salt.
    """
    if _PSEUDONYM.match(value):
        return value
    key = salt.encode("utf-8") if isinstance(salt, str) else salt
    return "u-" + hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:16]
