"""Who is who across sources: pseudonymise users with the one identity rule, and say how well tickets joined.

Ticket requesters only count against a self-service session when they resolve to the same pseudonym
as the session's user. When almost none do, every ticket looks like a contact from nowhere and the
deflection rate is silently too high; `identity_join` measures the match and names the likely cause.
"""

from __future__ import annotations

from importlib import resources

import duckdb

from kbops.analytics.report import IdentityJoin
from kbops.identity import PSEUDONYM, PSEUDONYM_SQL, user_pseudonym

# Warn when no requester matches, or when fewer than this share do among at least WARN_MIN requesters.
WARN_SHARE = 0.05
WARN_MIN = 20

_SHAPES_SQL = f"""
SELECT from_ticket, shape, count(*) AS ids FROM (
    SELECT DISTINCT from_ticket, "user",
        CASE WHEN regexp_full_match("user", '{PSEUDONYM_SQL}') THEN 'pseudonym'
             WHEN contains("user", '@') THEN 'email' ELSE 'plain id' END AS shape
    FROM staged WHERE problem IS NULL AND "user" IS NOT NULL
) GROUP BY ALL
"""

_MATCH_SQL = """
WITH requesters AS (SELECT DISTINCT "user" FROM all_events WHERE from_ticket AND "user" IS NOT NULL),
     readers AS (SELECT DISTINCT "user" FROM sessions WHERE "user" IS NOT NULL)
SELECT (SELECT count(*) FROM requesters) AS requesters,
       (SELECT count(*) FROM requesters JOIN readers USING ("user")) AS matched
"""


def id_shapes(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[str, int]]:
    """Distinct raw ids by shape (pseudonym / email / plain id): (event users, ticket requesters).

    Run before pseudonymisation; only worth its scan when there are tickets.
    """
    events: dict[str, int] = {}
    tickets: dict[str, int] = {}
    for from_ticket, shape, count in con.execute(_SHAPES_SQL).fetchall():
        (tickets if from_ticket else events)[shape] = int(count)
    return events, tickets


def pseudonymise_users(con: duckdb.DuckDBPyConnection, salt: str) -> int:
    """Replace every raw user id (event users and requesters alike) by its pseudonym, once per DISTINCT value.

    Values already in pseudonym form map to themselves and are left alone (a log written by the
    collector needs no update at all)."""
    distinct = [row[0] for row in con.execute('SELECT DISTINCT "user" FROM staged WHERE "user" IS NOT NULL').fetchall()]
    raw = [value for value in distinct if not PSEUDONYM.match(value)]
    if not raw:
        return 0
    con.execute(
        "CREATE OR REPLACE TEMP TABLE user_pseudonyms AS "
        "SELECT unnest(CAST($1 AS VARCHAR[])) AS raw, unnest(CAST($2 AS VARCHAR[])) AS pseudonym",
        [raw, [user_pseudonym(value, salt) for value in raw]],
    )
    con.execute(resources.files("kbops.analytics").joinpath("sql", "users.sql").read_text(encoding="utf-8"))
    return len(raw)


def identity_join(
    con: duckdb.DuckDBPyConnection,
    event_shapes: dict[str, int],
    ticket_shapes: dict[str, int],
    salt_configured: bool,
) -> IdentityJoin | None:
    """How many ticket requesters are also self-service users, and a warning when (almost) none are."""
    if not ticket_shapes:
        return None
    row = con.execute(_MATCH_SQL).fetchone()
    assert row is not None  # two scalar subqueries: always exactly one row
    requesters, matched = row
    requesters, matched = int(requesters or 0), int(matched or 0)
    low = requesters > 0 and (matched == 0 or (requesters >= WARN_MIN and matched / requesters < WARN_SHARE))
    cause = likely_cause(event_shapes, ticket_shapes, salt_configured) if low else None
    warning = None
    if cause is not None:  # exactly when `low`
        warning = (
            f"Only {matched} of {requesters} ticket requesters matched a self-service user, so tickets barely count "
            f"against sessions and the deflection rate is probably too high. Likely cause: {cause[1]}"
        )
    return IdentityJoin(
        requesters=requesters,
        matched=matched,
        event_id_shapes=event_shapes,
        requester_id_shapes=ticket_shapes,
        warning=warning,
        likely_cause=cause[0] if cause else None,
    )


def _main(shapes: dict[str, int]) -> str | None:
    return max(shapes, key=lambda k: shapes[k]) if shapes else None


def likely_cause(event_shapes: dict[str, int], ticket_shapes: dict[str, int], salt_configured: bool) -> tuple[str, str]:
    """(code, explanation): `no_event_users`, `salt`, `id_format` or `unknown`."""
    events, tickets = _main(event_shapes), _main(ticket_shapes)
    if events is None:
        return (
            "no_event_users",
            "the events carry no user ids, so a ticket can only join a session through a user id; "
            "send `user` with the events (the collector pseudonymises it).",
        )
    if events == "pseudonym" and tickets != "pseudonym":
        where = "the salt configured for analytics" if salt_configured else "the default salt (none is configured)"
        return (
            "salt",
            f"the salt. Event users are pseudonyms written by the collector, requesters are raw {tickets}s hashed "
            f"here with {where}; it must be the collector's salt: set [tool.kbops.analytics] user_salt, "
            "[tool.kbops.server] user_salt or KB_USER_SALT to the value the collector uses (.kb/user-salt).",
        )
    if events != tickets:
        return (
            "id_format",
            f"the id format. Event users are mostly {events}s, ticket requesters mostly {tickets}s: the same "
            f"person has different ids. Map the export column that holds the same id as the events "
            f'(--map requester="Column"), or send that id as `user` with the events.',
        )
    return (
        "id_format",
        f"the id format, or a different salt. Both sides carry {events}s but they do not match: check that they "
        "are the same kind of id (e.g. `cust-1042` vs `1042`, a CRM id vs a help-desk contact id) and, for "
        "pseudonyms, the same salt.",
    )
