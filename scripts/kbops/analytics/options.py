"""What a deflection run needs: `[tool.kbops.analytics]` settings, flags, durations, ticket mappings."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from kbops.config import Settings
from kbops.errors import ConfigError, UsageError
from kbops.publishing import ANONYMOUS_AUDIENCE, AUDIENCES, require_audience

DEFAULT_SALT = "kbops-unsalted"
ALL_AUDIENCES = "all"  # --audience all: every reader's sessions
METRIC_AUDIENCES = (*AUDIENCES, ALL_AUDIENCES)
SALT_ENV = "KB_USER_SALT"

# Ticket fields and, for each, the export columns tried in order when no mapping names one.
# Zendesk exports "Id", "Created at", "Requester" (or "Requester email"), "Via";
# Freshdesk exports "Ticket ID", "Created time", "Contact ID" (or "Email"), "Source".
TICKET_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("Id", "ID", "Ticket ID", "ticket_id", "id"),
    "created_at": ("Created at", "Created time", "Created Time", "created_at", "Created"),
    "requester": ("Requester email", "Requester", "Email", "Contact ID", "Requester ID", "requester", "email"),
    "channel": ("Via", "Source", "Channel", "channel", "via", "source"),
}
REQUIRED_TICKET_FIELDS = ("created_at", "requester")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class AnalyticsConfig(BaseModel):
    """`[tool.kbops.analytics]` in pyproject.toml."""

    model_config = ConfigDict(extra="forbid")

    window: str = Field(default="24h", description="W: how long after a session a contact still counts")
    user_salt: str | None = Field(default=None, description="Salt of the user pseudonyms (default: the collector's)")
    memory_limit: str = Field(default="2GB", description="DuckDB memory_limit; larger inputs spill to disk")
    threads: int | None = Field(default=None, ge=1, description="DuckDB threads (default: all cores)")
    ticket_columns: dict[str, str] = Field(default_factory=dict, description="Ticket field -> export column")
    report_path: str = Field(default="kb/reports/deflection.md", description="Where --publish writes")
    gap_limit: int = Field(default=20, ge=1)
    min_doc_sessions: int = Field(default=5, ge=1, description="Sessions a doc needs to rank among the worst")


def parse_duration(text: str) -> dt.timedelta:
    """`24h`, `30m`, `2d`, `1w`, `90s` -> timedelta."""
    match = _DURATION.match(text or "")
    if not match:
        raise UsageError(f"invalid duration {text!r}; expected a number and a unit s|m|h|d|w, e.g. 24h")
    return dt.timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def parse_instant(text: str, *, end_of_day: bool) -> dt.datetime:
    """A date or an ISO date-time, in UTC. A bare `--until` date includes that whole day."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            day = dt.datetime.combine(dt.date.fromisoformat(text.strip()), dt.time())
            return day + dt.timedelta(days=1) if end_of_day else day
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"invalid date {text!r}; expected YYYY-MM-DD or an ISO 8601 date-time") from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """`created_at="Created at"` pairs (repeatable or comma-separated) -> {field: column}."""
    mapping: dict[str, str] = {}
    problems: list[str] = []
    for item in items or []:
        for pair in _split_pairs(item):
            key, sep, column = pair.partition("=")
            key, column = key.strip(), column.strip().strip('"').strip("'")
            if not sep or not column:
                problems.append(f'--map {pair!r}: expected field=column, e.g. created_at="Created at"')
            elif key not in TICKET_COLUMNS:
                problems.append(
                    f"--map {pair!r}: unknown ticket field {key!r}; expected one of {', '.join(TICKET_COLUMNS)}"
                )
            else:
                mapping[key] = column
    if problems:
        raise UsageError("\n".join(problems))
    return mapping


def _split_pairs(item: str) -> list[str]:
    """Split on commas outside quotes: `a="x, y",b=z` -> [`a="x, y"`, `b=z`]."""
    pairs, current, quote = [], "", ""
    for char in item:
        if char in "\"'" and (not quote or quote == char):
            quote = "" if quote else char
        if char == "," and not quote:
            pairs.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        pairs.append(current)
    return [p.strip() for p in pairs if p.strip()]


def resolve_salt(settings: Settings, config: AnalyticsConfig) -> tuple[str, bool]:
    """The user-pseudonym salt and whether one was configured.

    The collector (kbops.server) pseudonymises with `[tool.kbops.server] user_salt`, else env
    KB_USER_SALT, else a random salt it keeps in `.kb/user-salt`; analytics looks in the same places
    (after its own `[tool.kbops.analytics] user_salt`), so ticket requesters match collected user ids.
    """
    from kbops.server.config import ServerConfig

    salt = config.user_salt or settings.section("server", ServerConfig).user_salt or os.environ.get(SALT_ENV)
    if not salt:
        stored = settings.state_dir / "user-salt"
        salt = stored.read_text(encoding="utf-8").strip() if stored.is_file() else None
    return (str(salt), True) if salt else (DEFAULT_SALT, False)


@dataclass(frozen=True)
class DeflectionOptions:
    """Everything one `kb deflection` run is asked to do (flags merged over configuration)."""

    events: tuple[str, ...]
    tickets: tuple[str, ...] = ()
    ticket_columns: dict[str, str] = field(default_factory=dict)
    window: dt.timedelta = dt.timedelta(hours=24)
    click_window: dt.timedelta = dt.timedelta(minutes=30)
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    user_salt: str = DEFAULT_SALT
    salt_configured: bool = False
    memory_limit: str = "2GB"
    threads: int | None = None
    gap_limit: int = 20
    min_doc_sessions: int = 5
    example_limit: int = 20
    # Whose searches and sessions the metrics are about: public (customers, the default), partner,
    # internal, or all. Ticket contacts count for every audience (they join by user).
    audience: str = ANONYMOUS_AUDIENCE
    # Parse JSON lines one by one in SQL instead of the verified fast reader (slower; for cross-checks).
    exact_json: bool = False

    @property
    def metric_search_audience(self) -> str:
        """The audience to search as for these metrics (the widest one for `all`)."""
        from kbops.publishing import WIDEST_AUDIENCE

        return WIDEST_AUDIENCE if self.audience == ALL_AUDIENCES else self.audience

    @classmethod
    def build(
        cls,
        settings: Settings,
        events: list[str],
        *,
        tickets: list[str] | None = None,
        mapping: list[str] | None = None,
        window: str | None = None,
        since: str | None = None,
        until: str | None = None,
        audience: str | None = None,
    ) -> DeflectionOptions:
        """Defaults < `[tool.kbops.analytics]` < flags."""
        config = settings.section("analytics", AnalyticsConfig)
        problems: list[str] = []
        unknown = sorted(set(config.ticket_columns) - set(TICKET_COLUMNS))
        if unknown:
            problems.append(
                f"pyproject.toml [tool.kbops.analytics] ticket_columns: unknown field(s) {', '.join(unknown)}; "
                f"expected {', '.join(TICKET_COLUMNS)}"
            )
        try:
            parse_duration(config.window)
        except UsageError as exc:
            problems.append(f"pyproject.toml [tool.kbops.analytics] window: {exc}")
        if problems:
            raise ConfigError(problems)
        salt, configured = resolve_salt(settings, config)
        start = parse_instant(since, end_of_day=False) if since else None
        end = parse_instant(until, end_of_day=True) if until else None
        if audience is not None and audience != ALL_AUDIENCES:
            require_audience(audience)  # the publishing authority's message (exit 2); `all` is ours
        if start and end and end <= start:
            raise UsageError(f"--until {until} is not after --since {since}")
        return cls(
            events=tuple(events),
            tickets=tuple(tickets or ()),
            ticket_columns={**config.ticket_columns, **parse_mapping(mapping)},
            window=parse_duration(window or config.window),
            since=start,
            until=end,
            user_salt=salt,
            salt_configured=configured,
            memory_limit=config.memory_limit,
            threads=config.threads,
            gap_limit=config.gap_limit,
            min_doc_sessions=config.min_doc_sessions,
            audience=audience or ANONYMOUS_AUDIENCE,
        )
