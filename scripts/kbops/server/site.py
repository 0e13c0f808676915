"""The built site, one static tree per audience under `site/<audience>/` (where `kb build` writes), built when missing."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from starlette.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from kbops.config import Settings
from kbops.errors import KbError
from kbops.publishing import ANONYMOUS_AUDIENCE, AUDIENCES
from kbops.server.headers import content_security_policy

log = logging.getLogger(__name__)
IDS_FILE = "_kbops/ids.json"  # written by the site build: {page URL: doc id}
_DOC_ID_PATH = re.compile(r"^/id/([a-z0-9][a-z0-9._-]*)/?$")


def site_dir(settings: Settings, audience: str) -> Path:
    from kbops.server.config import server_config

    return settings.root / server_config(settings).site_dir / audience


def site_is_built(path: Path) -> bool:
    return (path / "index.html").is_file()


def build_missing_sites(
    settings: Settings,
    audiences: tuple[str, ...] = AUDIENCES,
    force: bool = False,
) -> tuple[list[str], list[str]]:
    """Build the site of every audience that has none yet (the publishing domain's `build_site`).

    Returns (audiences built, problems). A failed build is a problem, not an exception: the server
    still serves the API and a "not built" page for that audience. ImportError when no site builder.
    """
    from kbops.site.build import build_site  # the publishing domain; imported late on purpose

    built, problems = [], []
    for audience in audiences:
        target = site_dir(settings, audience)
        if force or not site_is_built(target):
            log.info("building the %s site into %s", audience, target)
            try:
                build_site(settings, audience, target, strict=True)
            except KbError as exc:
                problems.append(f"the {audience} site could not be built: {exc}")
                continue
            built.append(audience)
    return built, problems


_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Site not built</title>
<h1>The {audience} site is not built yet</h1><p>Run <code>kb build --audience {audience}</code> or restart <code>kb serve</code>.
The search API works meanwhile: <a href="/api/search?q=card">/api/search?q=card</a>.</p>"""


_LOCALE_SEGMENT = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")


class SiteFiles(StaticFiles):
    """A built site: a page missing under `/<locale>/` answers with that language's 404 page when the site has one."""

    async def get_response(self, path: str, scope: Scope):
        from starlette.exceptions import HTTPException
        from starlette.responses import FileResponse

        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            response = None
        if response is None or response.status_code == 404:
            first = path.replace("\\", "/").split("/", 1)[0]
            if _LOCALE_SEGMENT.match(first):
                full_path, found = self.lookup_path(f"{first}/404.html")
                if found is not None and stat.S_ISREG(found.st_mode):
                    return FileResponse(full_path, stat_result=found, status_code=404)
        if response is None:
            raise HTTPException(status_code=404)
        return response


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in headers)


class AudienceSite:
    """ASGI app serving `site/<audience>/` for the audience the request resolves to.

    Responses vary by credentials, so shared caches never hand one audience's page to another.
    """

    def __init__(self, settings: Settings, audience_of: Callable[[Scope], str | None]):
        self.settings = settings
        self.audience_of = audience_of
        self._apps: dict[str, tuple[str, StaticFiles]] = {}
        self._id_maps: dict[str, tuple[int, dict[str, str]]] = {}
        self._policies: dict[str, bytes] = {}

    def _app(self, audience: str) -> StaticFiles | None:
        # `site/<audience>` may be a link that `kb serve` switches to each new build (kbops.site.live): it is
        # resolved once per request, so the whole response comes from one build, never from two.
        real = os.path.realpath(site_dir(self.settings, audience))
        found = self._apps.get(audience)
        if found is None or found[0] != real:
            if not site_is_built(Path(real)):
                return None
            from kbops.site.csp import read_manifest  # the publishing domain, like build_site below

            manifest = read_manifest(Path(real))
            self._policies[audience] = content_security_policy(
                manifest.get("script_hashes", ()), manifest.get("connect_origins", ())
            ).encode()
            found = self._apps[audience] = (real, SiteFiles(directory=real, html=True))
        return found[1]

    def policy_for(self, audience: str) -> str | None:
        """The CSP of `audience`'s built pages (its theme's script hashes), for pages other handlers answer."""
        self._app(audience)
        found = self._policies.get(audience)
        return found.decode() if found else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        audience = self.audience_of(scope) or ANONYMOUS_AUDIENCE

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"vary", b"Authorization, X-KB-Key, Cookie"))
                if audience in self._policies:
                    headers.append((b"content-security-policy", self._policies[audience]))
                if audience != ANONYMOUS_AUDIENCE:  # pages behind a key never sit in a shared cache
                    headers.append((b"cache-control", b"private, no-cache"))
                elif _is_html(headers):  # revalidated (ETag) on every visit: a rebuilt page shows at once
                    headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        app = self._app(audience)
        if app is None:
            response = HTMLResponse(_NOT_BUILT.format(audience=audience), status_code=503)
            await response(scope, receive, send_with_headers)
            return
        target = self._doc_id_target(audience, scope.get("path", ""))
        if target is not None:
            await RedirectResponse(target, status_code=302)(scope, receive, send_with_headers)
            return
        await app(scope, receive, send_with_headers)

    def _doc_id_target(self, audience: str, path: str) -> str | None:
        """`/id/<doc-id>/` -> the doc's page, from the site's id map (no HTML page per doc id on disk).

        Renamed ids (`redirect_from`) have their own redirect page, which is served as a file.
        """
        found = _DOC_ID_PATH.match(path)
        if not found:
            return None
        root = site_dir(self.settings, audience)
        if (root / path.strip("/") / "index.html").is_file():
            return None
        ids = root / IDS_FILE
        try:
            stamp = ids.stat().st_mtime_ns
        except OSError:
            return None
        cached = self._id_maps.get(audience)
        if cached is None or cached[0] != stamp:
            try:
                mapping = json.loads(ids.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            cached = self._id_maps[audience] = (stamp, {doc: url for url, doc in mapping.items()})
        url = cached[1].get(found.group(1))
        return None if url is None else "/" + url
