"""One identity rule: the raw user identifier of an event or a ticket requester -> its pseudonym.

The event collector (kbops.server.events) and deflection analytics (event users and help-desk ticket
requesters alike) call `user_pseudonym`, so the same person joins across sources:

- surrounding whitespace is ignored and an e-mail address is compared without case
  (`" Ana@Example.com"` and `"ana@example.com"` are one person);
- a value already in pseudonym form (`u-` + 16 hex digits, what the collector writes) passes through,
  so logs the collector wrote and exports that were pseudonymised upstream join with raw ones;
- anything else (an e-mail, a help-desk contact id such as `cust-1042`, an account number) becomes
  `kbops.pii.pseudonymous_id(value, salt)`, an HMAC with the deployment's salt.
"""

from __future__ import annotations

import re

from kbops.pii import pseudonymous_id

# `u-`: a reader's (customer's) pseudonym; `a-`: an agent's, written by the collector only for callers with
# a key (kbops.server.events), so that a keyless caller can never post events as an agent.
PSEUDONYM = re.compile(r"^[ua]-[0-9a-f]{16}$")
PSEUDONYM_SQL = "[ua]-[0-9a-f]{16}"  # the same shape, for DuckDB's regexp_full_match


def canonical_user(raw: str) -> str:
    """The form of a raw identifier that is hashed: trimmed; e-mail addresses lower-cased."""
    value = raw.strip()
    return value.lower() if "@" in value else value


def user_pseudonym(raw: str, salt: str | bytes) -> str:
    """The pseudonymous user id of any raw identifier; pseudonyms pass through."""
    value = canonical_user(raw)
    if PSEUDONYM.match(value):
        return value
    return pseudonymous_id(value, salt)


def id_shape(raw: str) -> str:
    """`pseudonym`, `email` or `plain id`: what kind of identifier a raw value is (for join diagnostics)."""
    value = raw.strip()
    if PSEUDONYM.match(value):
        return "pseudonym"
    return "email" if "@" in value else "plain id"
