"""Sign-in sessions: the cookie holds a signed token bound to the key, never the key itself.

A token is `<key id>.<issued>.<last seen>.<signature>`: the key id is the first 32 hex digits of the
key's SHA-256 (what `.kb/api-keys.json` stores, so the token cannot be turned back into the key), the
times are Unix seconds, and the signature is an HMAC-SHA256 with a secret kept in `.kb/session-secret`
(created once, mode 0600), so every worker process — and a restarted server — accepts the same tokens
without shared memory. A token is refused when:

- its signature is wrong (forged or edited),
- its key was revoked (`kb api-key revoke`): the key id no longer maps to a key,
- it was not used for `idle` seconds, or was issued more than `max_age` seconds ago.

Each use refreshes "last seen" (a new cookie at most once a minute), so a reader who keeps working stays
signed in until the absolute limit. Sign-out deletes the cookie; a copied token stays valid until one of
the limits above (revoke the key to end every session at once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kbops.server.keys import ApiKeyStore, digest
from kbops.server.state_secret import read_or_create_secret

COOKIE = "kb_session"
KEY_ID_LENGTH = 32
REFRESH_AFTER = 60  # seconds between two refreshed cookies of one session


class SessionError(Exception):
    """A token that does not sign in anyone (forged, expired, revoked, malformed)."""


def session_secret(state_dir: Path) -> bytes:
    return read_or_create_secret(state_dir / "session-secret", 32)


class Sessions:
    def __init__(
        self, state_dir: Path, keys: ApiKeyStore, idle: int, max_age: int, clock: Callable[[], float] = time.time
    ):
        self.state_dir, self.keys, self.idle, self.max_age, self.clock = state_dir, keys, idle, max_age, clock
        self._secret: bytes | None = None

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = session_secret(self.state_dir)
        return self._secret

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self.secret, payload.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def _token(self, key_id: str, issued: int, seen: int) -> str:
        payload = f"{key_id}.{issued}.{seen}"
        return f"{payload}.{self._sign(payload)}"

    def issue(self, key: str) -> str:
        """A new session for a key the caller has just proved (sign-in)."""
        now = int(self.clock())
        return self._token(digest(key)[:KEY_ID_LENGTH], now, now)

    def check(self, token: str) -> tuple[str, int, int, str]:
        """(key id, issued, last seen, audience) of a valid token; SessionError otherwise."""
        parts = token.split(".")
        if len(parts) != 4 or not all(parts):
            raise SessionError("malformed session")
        key_id, issued_text, seen_text, signature = parts
        if not hmac.compare_digest(self._sign(f"{key_id}.{issued_text}.{seen_text}"), signature):
            raise SessionError("bad signature")
        try:
            issued, seen = int(issued_text), int(seen_text)
        except ValueError:
            raise SessionError("malformed session") from None
        now = self.clock()
        if now - issued > self.max_age or now - seen > self.idle or seen < issued or seen > now + 60:
            raise SessionError("expired session")
        audience = self.keys.audience_for_key_id(key_id)
        if audience is None:
            raise SessionError("the key of this session was revoked")
        return key_id, issued, seen, audience

    def audience(self, token: str) -> str:
        return self.check(token)[3]

    def refreshed(self, token: str) -> str | None:
        """A token with "last seen" = now when the old one is valid and was last refreshed a while ago."""
        try:
            key_id, issued, seen, _ = self.check(token)
        except SessionError:
            return None
        now = int(self.clock())
        return self._token(key_id, issued, now) if now - seen >= REFRESH_AFTER else None


def cookie_header(token: str, secure: bool, max_age: int | None) -> str:
    parts = [f"{COOKIE}={token}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def is_https(connection: HTTPConnection) -> bool:
    """Behind an https proxy uvicorn reports the scheme from X-Forwarded-Proto (its `proxy_headers`)."""
    return connection.url.scheme == "https"


class SessionRefresh:
    """ASGI middleware: a request carrying a valid session gets its idle clock reset (a new cookie)."""

    def __init__(self, app: ASGIApp, sessions: Sessions):
        self.app, self.sessions = app, sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        token = connection.cookies.get(COOKIE)
        fresh = self.sessions.refreshed(token) if token else None
        if fresh is None or scope.get("path", "") in ("/logout", "/login"):
            await self.app(scope, receive, send)
            return

        async def send_refreshed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", cookie_header(fresh, is_https(connection), self.sessions.max_age))
            await send(message)

        await self.app(scope, receive, send_refreshed)
