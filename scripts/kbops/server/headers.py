"""Security headers on every `kb serve` response: CSP, nosniff, no framing, a referrer policy.

The built site's pages get a CSP that allows scripts from the site itself and, inline, only the
theme's own scripts by hash (kbops.site.csp, `_kbops/csp.json` written by the build): an injected
`<script>`, `onerror=` handler or `javascript:` URL does not run. Everything else the server answers
(JSON, the sign-in form, the "not built" page) gets the same policy without inline scripts.
"""
from __future__ import annotations

from typing import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REFERRER_POLICY = "same-origin"  # search queries in URLs never leave the help center in a Referer header


def content_security_policy(script_hashes: Iterable[str] = (), connect_origins: Iterable[str] = ()) -> str:
    scripts = " ".join(["'self'", *(f"'{h}'" for h in sorted(script_hashes))])
    connect = " ".join(["'self'", *sorted(connect_origins)])
    return "; ".join([
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
    ])


DEFAULT_CSP = content_security_policy()
STATIC_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", REFERRER_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """ASGI middleware: adds the headers above to every HTTP response (a CSP set by the site app is kept)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in STATIC_HEADERS if name not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", DEFAULT_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
