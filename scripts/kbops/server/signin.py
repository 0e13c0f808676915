"""Agent sign-in for `kb serve`: the site's own themed, localized sign-in page, a session cookie, sign-out.

The sign-in page is built with the site (`<locale>/login/`, see kbops.site.i18n); its form posts to its
own URL, so a refused key answers 401 with that same page and the error shown, in the reader's language.
A refused key is never said to be unknown, revoked or malformed: one message for all.

Signing in exchanges the key for a session token (kbops.server.sessions); the key itself never goes
into a cookie. Sign-in and sign-out change state, so both are POST only and refused (403) when the
browser says the request comes from another site (`Sec-Fetch-Site: cross-site`/`same-site`) or its
`Origin` is not this server's: a page elsewhere cannot sign a reader in with its own key, or out.
`GET /logout` answers a small page whose button posts the sign-out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kbops.locale import looks_like_locale
from kbops.server.sessions import Sessions, cookie_header, is_https

LOGIN_PAGE = "login/"  # under the locale's prefix; the default locale has none
_FALLBACK = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign in</title>
<h1>Agent sign-in</h1><!--error--><form method="post" action="/login"><label for="kb-key">Access key</label>
<input id="kb-key" name="key" type="password" autocomplete="current-password" required><input type="hidden" name="next" value="{next}">
<button>Sign in</button></form><p>Without a key you see the public help center.</p></html>"""
_SIGN_OUT = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign out</title>
<h1>Sign out</h1><form method="post" action="/logout"><input type="hidden" name="next" value="{next}">
<button>Sign out</button></form></html>"""
_FALLBACK_ERRORS = {
    "key": "This key was not accepted. Check that you pasted all of it, or ask your team lead for a new one.",
    "empty": "Enter your access key.",
}


def safe_next(value: str | None, fallback: str = "/") -> str:
    """A same-site path to return to after sign-in or sign-out; anything else (other hosts, schemes) -> fallback."""
    text = (value or "").strip()
    if not text:
        return fallback
    raw = urlsplit(text)
    if raw.scheme or raw.netloc:
        return fallback
    if not text.startswith("/"):
        text = "/" + text  # the login page's own default is site-relative ("es/")
    parts = urlsplit(text)
    if text.startswith("//") or "\\" in text or parts.scheme or parts.netloc or any(ord(c) < 32 for c in text):
        return fallback
    return text


def cross_site(request: Request) -> bool:
    """True when the browser says the request was made by another site (Fetch Metadata, else Origin)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False  # not a browser, or an old one that sends neither: nothing says it is cross-site
    host = request.headers.get("host", "")
    parts = urlsplit(origin)
    return origin == "null" or parts.netloc.lower() != host.lower()


def login_page_url(locale: str | None, default_locale: str) -> str:
    if not locale or locale == default_locale or not looks_like_locale(locale):
        return "/" + LOGIN_PAGE
    return f"/{locale}/{LOGIN_PAGE}"


class SignIn:
    """The /login, /<locale>/login/ and /logout handlers over a key check and the built site folders."""

    def __init__(
        self,
        audience_for_key: Callable[[str], str | None],
        sessions: Sessions,
        site_folder: Callable[[str], Path],
        reader_audience: Callable[[Request], str],
        default_locale: str,
        max_body: int,
        page_policy: Callable[[str], str | None] = lambda _a: None,
    ):
        self.audience_for_key = audience_for_key
        self.sessions = sessions
        self.page_policy = page_policy
        self.site_folder = site_folder
        self.reader_audience = reader_audience
        self.default_locale = default_locale
        self.max_body = max_body

    async def login(self, request: Request) -> Response:
        locale = request.path_params.get("locale")
        if request.method == "GET":  # /login?lang=es&next=/es/x/ -> the themed page in that language
            target = login_page_url(request.query_params.get("lang"), self.default_locale)
            following = request.query_params.get("next")
            return RedirectResponse(
                target + (f"?next={quote(safe_next(following), safe='/')}" if following else ""), 303
            )
        if cross_site(request):
            return _refuse_cross_site()
        form = await self._form(request)
        locale = locale or form.get("lang") or None
        if locale and not looks_like_locale(locale):
            locale = None
        following = safe_next(form.get("next"))
        key = form.get("key", "").strip()
        if not key:
            return self._refused(request, locale, "empty", following)
        if self.audience_for_key(key) is None:
            return self._refused(request, locale, "key", following)
        response = RedirectResponse(following, status_code=303)
        token = self.sessions.issue(key)
        response.headers.append("set-cookie", cookie_header(token, is_https(request), self.sessions.max_age))
        return response

    async def logout(self, request: Request) -> Response:
        if request.method != "POST":  # a link or an <img> elsewhere must not sign the reader out
            following = safe_next(request.query_params.get("next"))
            safe = following.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            return HTMLResponse(_SIGN_OUT.format(next=safe), headers={"cache-control": "no-store"})
        if cross_site(request):
            return _refuse_cross_site()
        form = await self._form(request)
        response = RedirectResponse(safe_next(form.get("next") or request.query_params.get("next")), status_code=303)
        response.headers.append("set-cookie", cookie_header("", is_https(request), 0))
        return response

    async def _form(self, request: Request) -> dict[str, str]:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body:
                break  # a key is short: a huge body is simply not a valid sign-in
        fields = parse_qs(bytes(body[: self.max_body]).decode("utf-8", "replace"))
        return {name: values[0] for name, values in fields.items() if values}

    def _refused(self, request: Request, locale: str | None, error: str, following: str) -> Response:
        """401 with the reader's sign-in page (their audience's site, their language) showing `error`."""
        audience = self.reader_audience(request)
        page = self._page(audience, locale)
        headers = {"cache-control": "no-store"}
        policy = self.page_policy(audience)
        if page is not None and policy:  # the themed page's own scripts, by hash, as when the site serves it
            headers["content-security-policy"] = policy
        if page is None:
            text = _FALLBACK.format(next=following.replace('"', "%22")).replace(
                "<!--error-->", f'<p role="alert">{_FALLBACK_ERRORS[error]}</p>'
            )
            return HTMLResponse(text, status_code=401, headers=headers)
        marker = f'data-kb-error="{error}" role="alert" hidden'
        text = page.replace(marker, f'data-kb-error="{error}" role="alert"')
        safe = following.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        text = re.sub(
            r'(<input type="hidden" name="next" value=")[^"]*(")',
            lambda m: m.group(1) + safe + m.group(2),
            text,
            count=1,
        )
        return HTMLResponse(text, status_code=401, headers=headers)

    def _page(self, audience: str, locale: str | None) -> str | None:
        prefix = "" if not locale or locale == self.default_locale else f"{locale}/"
        path = self.site_folder(audience) / prefix / LOGIN_PAGE / "index.html"
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            return None


def _refuse_cross_site() -> Response:
    return JSONResponse(
        {"error": "cross-site sign-in and sign-out requests are refused", "status": 403}, status_code=403
    )
