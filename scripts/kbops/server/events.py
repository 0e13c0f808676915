"""The event collector: validate the DESIGN.md event schema, scrub and pseudonymize, append durably.

Durability and concurrency: each request's events are encoded first, then written with one write(2)
on a file opened with O_APPEND while holding an exclusive flock, so lines from several uvicorn
workers never interleave. A reply is sent only after the write returned, so a process crash or
restart loses nothing acknowledged; fsync follows `[tool.kbops.server] events_fsync`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbops.config import Settings
from kbops.identity import canonical_user, user_pseudonym
from kbops.locale import looks_like_locale
from kbops.pii import looks_personal, pseudonymous_id, redact
from kbops.server.config import ServerConfig
from kbops.server.state_secret import read_or_create_secret

EVENT_TYPES = ("search", "click", "view", "feedback", "contact")
REQUIRED = {
    "search": ("query", "results"),
    "click": ("doc",),
    "view": ("doc",),
    "feedback": ("doc", "helpful"),
    "contact": (),
}
KNOWN = ("ts", "event", "session", "user", "query", "results", "doc", "rank", "helpful", "locale", "channel")
_CHANNEL = re.compile(r"^[\w.-]{1,32}$")
# Document ids are slugs (DESIGN.md); anything else (an e-mail, free text) is refused, never stored.
_DOC = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
_MAX_COUNT = 2**31 - 1
AGENT_ID = re.compile(r"^a-[0-9a-f]{16}$")


@dataclass(frozen=True)
class Rejected:
    index: int
    errors: tuple[str, ...]


@dataclass
class Validated:
    accepted: list[dict] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    ignored_fields: set[str] = field(default_factory=set)


def user_salt(settings: Settings, config: ServerConfig) -> bytes:
    """The pseudonymization salt: config, else $KB_USER_SALT, else a random one created once in .kb/user-salt."""
    if config.user_salt:
        return config.user_salt.encode()
    if os.environ.get("KB_USER_SALT"):
        return os.environ["KB_USER_SALT"].encode()
    return read_or_create_secret(settings.state_dir / "user-salt", 24)


def pseudonym(user: str, salt: bytes) -> str:
    """A stable pseudonymous id (the one identity rule of kbops.identity, shared with analytics)."""
    return user_pseudonym(user, salt)


def event_user(user: str, salt: bytes, audience: str) -> str:
    """The stored user id. Callers with a key (agents) get ids of their own namespace (`a-…`); a keyless
    caller's id is a reader's (`u-…`, joins with ticket requesters) and can never be an agent's: an `a-…`
    value it sends is hashed like any other raw identifier."""
    value = canonical_user(user)
    if audience == "public":
        return pseudonymous_id(value, salt) if value.startswith("a-") else user_pseudonym(user, salt)
    if AGENT_ID.match(value):
        return value
    return "a-" + pseudonymous_id("agent:" + value, salt)[2:]


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def _timestamp(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            return None
        return parsed.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    except (ValueError, OverflowError):  # e.g. 9999-12-31T23:59:59-23:59 is past the largest datetime in UTC
        return None


def _encodable(value: Any) -> bool:
    """A string that can be written as UTF-8 (JSON allows lone surrogates such as "\\ud800"; the log cannot)."""
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def session_id(value: str, salt: bytes) -> str:
    """The session as stored: kept when it is an opaque token, pseudonymised when it carries personal data."""
    if looks_personal(value):
        return "s-" + pseudonymous_id(value, salt)[2:]
    return value


def validate_event(
    item: Any, salt: bytes, max_query_length: int, default_channel: str = "site", audience: str = "public"
) -> tuple[dict | None, list[str], set[str]]:
    """One incoming event -> (clean event or None, errors, unknown keys that were dropped).

    `audience` is the caller's, from its API key (no key: public); it is recorded on the event so that
    analytics can tell customers from agents. A client cannot claim one: an `audience` field it sends
    is ignored like any unknown field.
    """
    if not isinstance(item, dict):
        return None, [f"expected a JSON object, got {type(item).__name__}"], set()
    errors: list[str] = []
    ignored = {str(k) for k in item if k not in KNOWN}
    for name in KNOWN:
        if not _encodable(item.get(name)):
            errors.append(f"{name}: not valid Unicode (a lone surrogate such as \\ud800)")
    if errors:
        return None, errors, ignored
    kind = item.get("event")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        errors.append(f"event: expected one of {', '.join(EVENT_TYPES)}, got {str(kind)[:40]!r}")
        kind = None
    clean: dict[str, Any] = {}
    if "ts" in item and item["ts"] is not None:
        ts = _timestamp(item["ts"])
        if ts is None:
            errors.append("ts: expected an ISO 8601 time with a time zone, e.g. 2026-11-02T10:15:03Z")
        clean["ts"] = ts
    else:
        clean["ts"] = utc_now()
    clean["event"] = kind
    session = item.get("session")
    if not isinstance(session, str) or not 1 <= len(session.strip()) <= 128:
        errors.append("session: required, a string of 1-128 characters")
    else:
        clean["session"] = session_id(session.strip(), salt)
    for name in REQUIRED.get(kind, ()) if kind else ():
        if item.get(name) is None:
            errors.append(f"{name}: required for a {kind} event")
    if item.get("user") is not None:
        if not isinstance(item["user"], str) or not 1 <= len(item["user"]) <= 256:
            errors.append("user: a string of 1-256 characters")
        else:
            clean["user"] = event_user(item["user"], salt, audience)
    if item.get("query") is not None:
        query = item["query"]
        if not isinstance(query, str) or len(query) > max_query_length:
            errors.append(f"query: a string of at most {max_query_length} characters")
        else:
            clean["query"] = redact(query)  # scrubbed; a query that is only a phone number becomes [phone]
    for name, low in (("results", 0), ("rank", 1)):
        value = item.get(name)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= _MAX_COUNT:
                errors.append(f"{name}: an integer from {low} to {_MAX_COUNT}")
            else:
                clean[name] = value
    if item.get("doc") is not None:
        if not isinstance(item["doc"], str) or not _DOC.match(item["doc"]) or looks_personal(item["doc"]):
            errors.append("doc: a document id (a slug of 1-200 letters, digits, '.', '_', '-' or '/')")
        else:
            clean["doc"] = item["doc"]
    if item.get("helpful") is not None:
        if not isinstance(item["helpful"], bool):
            errors.append("helpful: true or false")
        else:
            clean["helpful"] = item["helpful"]
    if item.get("locale") is not None:
        if not isinstance(item["locale"], str) or not looks_like_locale(item["locale"]):
            errors.append("locale: a language code such as en, es or fr-CA")
        else:
            clean["locale"] = item["locale"]
    channel = item.get("channel", default_channel)
    if not isinstance(channel, str) or not _CHANNEL.match(channel) or looks_personal(channel):
        errors.append("channel: a short name such as site, api or chat")
    else:
        clean["channel"] = channel
    clean["audience"] = audience
    return (None if errors else clean), errors, ignored


def validate_batch(
    payload: Any, salt: bytes, max_query_length: int, max_events: int, audience: str = "public"
) -> Validated:
    items = payload if isinstance(payload, list) else [payload]
    result = Validated()
    if len(items) > max_events:
        result.rejected.append(Rejected(-1, (f"at most {max_events} events per request, got {len(items)}",)))
        return result
    for index, item in enumerate(items):
        clean, errors, ignored = validate_event(item, salt, max_query_length, audience=audience)
        result.ignored_fields |= ignored
        if clean is None:
            result.rejected.append(Rejected(index, tuple(errors)))
        else:
            result.accepted.append(clean)
    return result


class EventLog:
    """Append-only `.kb/events/YYYY-MM-DD.jsonl` (UTC arrival date), safe with several writer processes."""

    def __init__(self, directory: Path, fsync: str = "interval", fsync_interval: float = 1.0):
        self.directory = directory
        self.fsync = fsync
        self.fsync_interval = fsync_interval
        self._last_sync = 0.0
        self._lock = threading.Lock()

    def path_for(self, day: dt.date) -> Path:
        return self.directory / f"{day.isoformat()}.jsonl"

    def append(self, events: list[dict]) -> Path:
        data = b"".join(
            json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n" for e in events
        )
        path = self.path_for(dt.datetime.now(dt.UTC).date())
        if not data:
            return path
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                now = time.monotonic()
                if self.fsync == "always" or (
                    self.fsync == "interval" and now - self._last_sync >= self.fsync_interval
                ):
                    os.fsync(fd)
                    self._last_sync = now
            finally:
                os.close(fd)  # also releases the flock
        return path
