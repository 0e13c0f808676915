"""Security headers on every `kb serve` response: CSP, nosniff, no framing, a referrer policy.

The built site's pages get a CSP that allows scripts from the site itself and, inline, only the
theme's own scripts by hash (kbops.site.csp, `_kbops/csp.json` written by the build): an injected
`<script>`, `onerror=` handler or `javascript:` URL does not run. Everything else the server answers
(JSON, the sign-in form, the "not built" page) gets the same policy without inline scripts.

Answers that depend on who asks (the API, sign-in, health) get `Cache-Control: private, no-store` and
`Vary: Cookie, X-KB-Key, Authorization`, so no shared cache hands a partner's hits to the next caller.
A redirect's `Location` is made relative (path and query only): the `Host` a client sent is never
echoed back, so a poisoned Host header cannot make a cached redirect point elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REFERRER_POLICY = "same-origin"  # search queries in URLs never leave the help center in a Referer header


def content_security_policy(script_hashes: Iterable[str] = (), connect_origins: Iterable[str] = ()) -> str:
    scripts = " ".join(["'self'", *(f"'{h}'" for h in sorted(script_hashes))])
    connect = " ".join(["'self'", *sorted(connect_origins)])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # Material sets a few style attributes; styles cannot run code, scripts are what the CSP is for.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src {connect}",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


DEFAULT_CSP = content_security_policy()
STATIC_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", REFERRER_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
)


PRIVATE = ((b"cache-control", b"private, no-store"), (b"vary", b"Cookie, X-KB-Key, Authorization"))


def relative_location(value: bytes) -> bytes:
    """`http://any-host/x/?q` -> `/x/?q`: redirects stay on whatever host the browser used."""
    try:
        parts = urlsplit(value.decode("latin-1"))
    except ValueError:
        return b"/"
    if not parts.scheme and not parts.netloc:
        return value
    path = "/" + parts.path.lstrip("/")  # never `//evil`: that is a host again
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


class SecurityHeaders:
    """ASGI middleware: adds the headers above to every HTTP response (a CSP set by the site app is kept)."""

    def __init__(self, app: ASGIApp, private_paths: tuple[str, ...] = ()):
        self.app = app
        self.private_paths = private_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        private = scope.get("path", "").startswith(self.private_paths) if self.private_paths else False

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, relative_location(value) if name.lower() == b"location" else value)
                    for name, value in message.get("headers", [])
                ]
                if private:
                    headers = [(n, v) for n, v in headers if n.lower() not in (b"cache-control", b"vary")] + list(
                        PRIVATE
                    )
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in STATIC_HEADERS if name not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", DEFAULT_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
