"""The `kb serve` ASGI app: the built site per audience, `GET /api/search`, `POST /api/events`, `GET /healthz`."""
from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Optional

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Scope

from kbops.config import Settings, load_settings
from kbops.errors import KbError, NotFoundError, UsageError
from kbops.publishing import ANONYMOUS_AUDIENCE, audience_may_see, require_audience
from kbops.search.config import search_config
from kbops.search.engine import SearchEngine
from kbops.server.config import ServerConfig, server_config
from kbops.server.events import EventLog, validate_batch, validate_event, user_salt
from kbops.server.headers import SecurityHeaders
from kbops.server.keys import ApiKeyStore, keys_path
from kbops.server.signin import COOKIE, SignIn
from kbops.server.site import AudienceSite, site_dir

log = logging.getLogger(__name__)

API_METHODS = {"/api/search": "GET", "/api/events": "POST", "/api/whoami": "GET"}


class ApiError(Exception):
    """A client error answered as JSON: {"error": message, "status": code, ...}."""

    def __init__(self, status: int, message: str, **extra):
        self.status, self.message, self.extra = status, message, extra


class ApiJSONResponse(JSONResponse):
    """JSON that always encodes: a lone surrogate echoed from a request becomes a JSON `\\udXXX` escape, not a 500."""

    def render(self, content) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8", "backslashreplace")


def error_response(status: int, message: str, **extra) -> JSONResponse:
    return ApiJSONResponse({"error": message, "status": status, **extra}, status_code=status)


_LIMIT = re.compile(r"[0-9]{1,6}", re.ASCII)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class Services:
    """Per-process state: the search engine (opened lazily, follows index swaps), keys, the event log."""

    def __init__(self, settings: Settings, config: ServerConfig):
        self.settings = settings
        self.config = config
        self.search_config = search_config(settings)
        self.keys = ApiKeyStore(keys_path(settings))
        self.events = EventLog(settings.state_dir / "events", config.events_fsync, config.fsync_interval)
        self.salt = user_salt(settings, config)
        self._engine: Optional[SearchEngine] = None

    @property
    def engine(self) -> SearchEngine:
        if self._engine is None:
            self._engine = SearchEngine(self.settings, self.search_config)
        return self._engine

    def presented_key(self, connection: HTTPConnection) -> Optional[str]:
        auth = connection.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return connection.headers.get("x-kb-key") or connection.cookies.get(COOKIE) or None

    def audience(self, connection: HTTPConnection, strict: bool = True) -> str:
        """The caller's audience: no key means the anonymous (public) audience; an unknown key is refused
        (strict) or treated as anonymous."""
        key = self.presented_key(connection)
        if not key:
            return ANONYMOUS_AUDIENCE
        found = self.keys.audience_for(key)
        if found is None:
            if strict:
                raise ApiError(401, "invalid API key")
            return ANONYMOUS_AUDIENCE
        return found


async def read_json(request: Request, limit: int):
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise ApiError(413, f"request body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"request body larger than {limit} bytes")
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "request body is not UTF-8") from None
    if not text.strip():
        raise ApiError(400, "empty request body; expected a JSON event or a JSON array of events")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ApiError(400, "invalid JSON: nested too deeply") from None
    except ValueError as exc:  # integers longer than Python's digit limit, NaN/Infinity
        raise ApiError(400, f"invalid JSON: {str(exc)[:120]}") from None


def create_app(settings: Settings) -> Starlette:
    config = server_config(settings)
    services = Services(settings, config)

    async def healthz(request: Request) -> Response:
        from kbops.site.live import read_status  # the watcher's report: a failed rebuild says why here

        live = read_status(settings)
        try:
            searcher = services.engine.searcher()
        except NotFoundError:
            return JSONResponse({"status": "no index", "index": None, **live}, status_code=503)
        return JSONResponse({"status": "ok", "index": services.engine.generation, "docs": searcher.doc_count(), **live})

    async def api_search(request: Request) -> Response:
        audience = services.audience(request)
        params = request.query_params
        asked = params.get("audience")
        if asked:
            try:
                require_audience(asked)
            except UsageError as exc:
                raise ApiError(400, str(exc)) from None
            if not audience_may_see(audience, asked):
                raise ApiError(403, f"your key does not give access to the {asked} audience")
            audience = asked
        limit = params.get("limit")
        if limit is not None and not _LIMIT.fullmatch(limit.strip()):
            if limit.strip().isdigit() and limit.strip().isascii():
                raise ApiError(400, f"limit must be between 1 and {services.search_config.max_limit}")
            raise ApiError(400, "limit: expected a whole number")
        try:
            search_request = services.engine.request(
                params.get("q", ""), audience=audience, locale=params.get("locale") or None,
                type=params.get("type") or None, product=params.get("product") or None,
                limit=int(limit.strip()) if limit is not None else None,
            )
            result = services.engine.run(search_request)
        except UsageError as exc:
            raise ApiError(400, str(exc)) from None
        except NotFoundError as exc:
            raise ApiError(503, str(exc)) from None
        if config.log_api_searches and params.get("log", "true").lower() not in ("0", "false", "no"):
            event = {
                "event": "search", "query": search_request.query, "results": result.total,
                "session": params.get("session") or request.headers.get("x-kb-session") or "api-" + secrets.token_hex(8),
                "channel": params.get("channel") or "api",
            }
            for name in ("locale", "user"):
                if params.get(name):
                    event[name] = params[name]
            clean, errors, _ = validate_event(
                event, services.salt, services.search_config.max_query_length, "api", audience=services.audience(request))
            if clean is None:
                raise ApiError(400, "; ".join(errors))
            services.events.append([clean])
        return ApiJSONResponse(result.to_dict())

    async def api_events(request: Request) -> Response:
        # Any content type: browsers send text/plain Blobs with navigator.sendBeacon to avoid a CORS preflight.
        payload = await read_json(request, config.max_body_bytes)
        if not isinstance(payload, (dict, list)) or payload == []:
            raise ApiError(400, "expected a JSON event object or a non-empty array of them")
        batch = validate_batch(payload, services.salt, services.search_config.max_query_length,
                               config.max_events_per_request, audience=services.audience(request, strict=False))
        rejected = [{"index": r.index, "errors": list(r.errors)} for r in batch.rejected]
        if not batch.accepted:
            raise ApiError(422, "no valid event", rejected=rejected)
        services.events.append(batch.accepted)
        return ApiJSONResponse(
            {"accepted": len(batch.accepted), "rejected": rejected, "ignored_fields": sorted(batch.ignored_fields)},
            status_code=202,
        )

    async def whoami(request: Request) -> Response:
        # The site's header asks this on every page load: a stale sign-in cookie reads as public, never as an
        # error; a key in a header (an API client checking its key) is still refused when unknown.
        from_header = request.headers.get("authorization") or request.headers.get("x-kb-key")
        audience = services.audience(request, strict=bool(from_header))
        return JSONResponse({"audience": audience, "signed_in": audience != "public"}, headers={"cache-control": "no-store"})

    signin = SignIn(
        services.keys.audience_for, lambda audience: site_dir(settings, audience),
        lambda request: services.audience(request, strict=False), settings.default_locale, config.max_body_bytes,
    )

    async def api_not_found(request: Request) -> Response:
        endpoint = request.url.path.rstrip("/")
        allowed = API_METHODS.get(endpoint)
        if allowed:
            return error_response(405, f"Method Not Allowed: use {allowed} {endpoint}")
        return error_response(404, f"no API endpoint {request.url.path}")

    def site_audience(scope: Scope) -> str:
        return services.audience(HTTPConnection(scope), strict=False)

    async def on_api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.message, **exc.extra)

    async def on_http_error(request: Request, exc: HTTPException) -> Response:
        return error_response(exc.status_code, exc.detail or "error")

    async def on_kb_error(request: Request, exc: KbError) -> Response:
        log.error("server error: %s", exc)
        return error_response(500, str(exc))

    routes = [
        Route("/healthz", healthz),
        # Each endpoint also answers with a trailing slash (`POST /api/events/`), like the site's folders.
        *(Route(path + tail, handler, methods=[API_METHODS[path]])
          for path, handler in (("/api/search", api_search), ("/api/events", api_events), ("/api/whoami", whoami))
          for tail in ("", "/")),
        Route("/api/{rest:path}", api_not_found, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/login", signin.login, methods=["GET", "POST"]),
        Route("/login/", signin.login, methods=["POST"]),
        Route("/{locale}/login/", signin.login, methods=["POST"]),  # GET falls through to the built page
        Route("/logout", signin.logout, methods=["GET", "POST"]),
        Mount("/", app=AudienceSite(settings, site_audience)),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(CORSMiddleware, allow_origins=config.cors_origins, allow_methods=["GET", "POST"],
                   allow_headers=["Authorization", "X-KB-Key", "X-KB-Session", "Content-Type"], max_age=600),
    ]
    app = Starlette(
        routes=routes, middleware=middleware,
        exception_handlers={ApiError: on_api_error, HTTPException: on_http_error, KbError: on_kb_error},
    )
    app.state.services = services
    return app


def app_from_env() -> Starlette:
    """uvicorn factory (`kb serve` sets $KB_ROOT for its workers); a worker stops when its master dies."""
    from kbops.server.supervision import exit_with_master

    exit_with_master()
    return create_app(load_settings())
