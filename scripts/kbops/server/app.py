"""The `kb serve` ASGI app: the built site per audience, `GET /api/search`, `POST /api/events`, `GET /healthz`.

Searches run in a bounded process pool (kbops.server.pool), never in the event loop, so health checks,
pages and events are answered while searches queue; a full queue answers 503, a client over its rate
429, both at once with Retry-After. Other code can extend the app at start-up and shutdown through
`app.state.services.on_startup` / `on_shutdown` (callables, sync or async, run in order).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import re
import secrets
from collections.abc import Callable
from typing import Any, cast

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ExceptionHandler

from kbops.config import Settings, load_settings
from kbops.errors import KbError, UsageError
from kbops.publishing import ANONYMOUS_AUDIENCE, audience_may_see, require_audience
from kbops.search.config import search_config
from kbops.search.indexer import index_root
from kbops.search.store import IndexStore, Manifest
from kbops.server.config import ServerConfig, default_cors_origins, server_config
from kbops.server.events import EventLog, user_salt, validate_batch, validate_event
from kbops.server.headers import SecurityHeaders
from kbops.server.keys import ApiKeyStore, keys_path
from kbops.server.limits import RateLimiter, client_id, retry_after
from kbops.server.pool import PoolBusy, SearchPool, available_cores
from kbops.server.protocol import arrived_at, server_timing
from kbops.server.sessions import COOKIE, SessionError, SessionRefresh, Sessions
from kbops.server.signin import SignIn
from kbops.server.site import AudienceSite, site_dir

log = logging.getLogger(__name__)

API_METHODS = {"/api/search": "GET", "/api/events": "POST", "/api/whoami": "GET"}


class ApiError(Exception):
    """A client error answered as JSON: {"error": message, "status": code, ...}; `headers` go with it."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, **extra):
        self.status, self.message, self.headers, self.extra = status, message, headers or {}, extra


class ApiJSONResponse(JSONResponse):
    """JSON that always encodes: a lone surrogate echoed from a request becomes a JSON `\\udXXX` escape, not a 500."""

    def render(self, content) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
            "utf-8", "backslashreplace"
        )


def error_response(status: int, message: str, headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    return ApiJSONResponse({"error": message, "status": status, **extra}, status_code=status, headers=headers)


_LIMIT = re.compile(r"[0-9]{1,6}", re.ASCII)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class Services:
    """Per-process state: keys and sessions, the search pool and rate limit, the event log, start-up hooks."""

    def __init__(self, settings: Settings, config: ServerConfig, workers: int = 1):
        self.settings = settings
        self.config = config
        self.search_config = search_config(settings)
        self.keys = ApiKeyStore(keys_path(settings))
        self.sessions = Sessions(settings.state_dir, self.keys, config.session_idle, config.session_max_age)
        self.events = EventLog(settings.state_dir / "events", config.events_fsync, config.fsync_interval)
        self.salt = user_salt(settings, config)
        processes = config.search_workers or max(1, available_cores() // max(1, workers))
        queue = config.search_queue if config.search_queue is not None else 4 * processes
        self.pool = SearchPool(
            settings.root, processes, queue, config.search_max_wait, config.search_timeout, config.search_nice
        )
        self.limiter = RateLimiter(config.search_rate, config.search_burst)
        self.index = IndexStore(index_root(settings))
        self._manifest: tuple[str | None, Manifest | None] = (None, None)
        self.on_startup: list[Callable[[], Any]] = [self.pool.start]
        self.on_shutdown: list[Callable[[], Any]] = [self.pool.close]

    def presented_key(self, connection: HTTPConnection) -> str | None:
        auth = connection.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return connection.headers.get("x-kb-key") or None

    def audience(self, connection: HTTPConnection, strict: bool = True) -> str:
        """The caller's audience: a key in a header, else a sign-in session cookie, else the anonymous
        (public) audience. An unknown key is refused (strict) or treated as anonymous; an expired or
        revoked session is always anonymous (the site's pages and the API agree on that)."""
        key = self.presented_key(connection)
        if not key:
            token = connection.cookies.get(COOKIE)
            if token:
                try:
                    return self.sessions.audience(token)
                except SessionError:
                    return ANONYMOUS_AUDIENCE
            return ANONYMOUS_AUDIENCE
        found = self.keys.audience_for(key)
        if found is None:
            if strict:
                raise ApiError(401, "invalid API key")
            return ANONYMOUS_AUDIENCE
        return found

    def client(self, connection: HTTPConnection) -> str:
        """Who a rate limit counts: the sign-in session, else the key, else the peer address."""
        address = connection.client.host if connection.client else None
        session = connection.cookies.get(COOKIE)
        if session:  # only a valid one: junk cookies must not buy a fresh allowance each
            try:
                self.sessions.check(session)
            except SessionError:
                session = None
        return client_id(session, self.presented_key(connection), address)

    def manifest(self) -> tuple[str | None, Manifest | None]:
        """The live index generation and its manifest (read once per generation)."""
        current = self.index.current()
        if current is None:
            return None, None
        if self._manifest[0] != current.name:
            self._manifest = (current.name, Manifest.read(current))
        return self._manifest


async def run_hooks(hooks: list[Callable[[], Any]]) -> None:
    for hook in hooks:
        result = hook()
        if inspect.isawaitable(result):
            await result


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


API_NO_STORE = {"cache-control": "private, no-store", "vary": "Cookie, X-KB-Key, Authorization"}


def create_app(settings: Settings, host: str | None = None, port: int | None = None, workers: int = 1) -> Starlette:
    """The app; `host`/`port` are where it is bound (CORS defaults follow them), `workers` the uvicorn processes."""
    config = server_config(settings)
    services = Services(settings, config, workers)
    bound_host, bound_port = host or config.host, port or config.port
    cors_origins = (
        config.cors_origins if config.cors_origins is not None else default_cors_origins(bound_host, bound_port)
    )
    max_query = services.search_config.max_query_length

    async def healthz(request: Request) -> Response:
        # Never touches the search processes: a load balancer's probe is answered while every search slot is busy.
        from kbops.site.live import read_status  # the watcher's report: a failed rebuild says why here

        live = read_status(settings)
        if live.get("sites") and services.audience(request, strict=False) != "internal":
            # Why a build failed names files and ids: only a caller who sees everything reads it.
            live["sites"] = {a: {k: v for k, v in site.items() if k != "error"} for a, site in live["sites"].items()}
        generation, manifest = services.manifest()
        pool = services.pool.state()
        search = {"ready": pool.started, "processes": pool.workers, "running": pool.running, "queued": pool.queued}
        if generation is None:
            return JSONResponse({"status": "no index", "index": None, "search": search, **live}, status_code=503)
        body: dict[str, Any] = {"status": "ok", "index": generation, "search": search, **live}
        # Counts say how much is hidden; only a caller who may see everything gets one.
        if services.audience(request, strict=False) == "internal" and manifest is not None:
            body["docs"] = manifest.indexed_count
        return JSONResponse(body)

    async def api_search(request: Request) -> Response:
        # When the request reached the server (stamped by the protocol; the handler's start without it).
        started = arrived_at(request.scope)
        audience = services.audience(request)
        wait = services.limiter.allow(services.client(request))
        if wait:
            raise ApiError(429, "too many searches from this client; slow down", {"retry-after": retry_after(wait)})
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
        query = params.get("q", "")
        if len(query.strip()) > max_query:  # refused before it costs a search slot
            raise ApiError(400, f"the query is {len(query.strip())} characters long; the limit is {max_query}")
        search_params = {
            "query": query,
            "audience": audience,
            "locale": params.get("locale") or None,
            "type": params.get("type") or None,
            "product": params.get("product") or None,
            "limit": int(limit.strip()) if limit is not None else None,
        }
        try:
            outcome, value = await services.pool.search(search_params, started)
        except PoolBusy as exc:
            busy = {"retry-after": str(exc.retry_after), "server-timing": server_timing(started)}
            raise ApiError(503, f"search is busy: {exc.reason}", busy) from None
        if outcome == "usage":
            raise ApiError(400, value)
        if outcome == "not_found":
            raise ApiError(503, value, {"retry-after": "5"})
        result, clean_query = value
        if config.log_api_searches and params.get("log", "true").lower() not in ("0", "false", "no"):
            event = {
                "event": "search",
                "query": clean_query,
                "results": result["total"],
                "session": params.get("session")
                or request.headers.get("x-kb-session")
                or "api-" + secrets.token_hex(8),
                "channel": params.get("channel") or "api",
            }
            for name in ("locale", "user"):
                if params.get(name):
                    event[name] = params[name]
            clean, errors, _ = validate_event(
                event, services.salt, max_query, "api", audience=audience_of_caller(request)
            )
            if clean is None:
                raise ApiError(400, "; ".join(errors))
            await asyncio.to_thread(services.events.append, [clean])  # its fsync must not stall the event loop
        return ApiJSONResponse(result, headers={"server-timing": server_timing(started)})

    def audience_of_caller(request: Request) -> str:
        return services.audience(request, strict=False)

    async def api_events(request: Request) -> Response:
        # Any content type: browsers send text/plain Blobs with navigator.sendBeacon to avoid a CORS preflight.
        payload = await read_json(request, config.max_body_bytes)
        if not isinstance(payload, (dict, list)) or payload == []:
            raise ApiError(400, "expected a JSON event object or a non-empty array of them")
        batch = validate_batch(
            payload,
            services.salt,
            max_query,
            config.max_events_per_request,
            audience=services.audience(request, strict=False),
        )
        rejected = [{"index": r.index, "errors": list(r.errors)} for r in batch.rejected]
        if not batch.accepted:
            raise ApiError(422, "no valid event", rejected=rejected)
        await asyncio.to_thread(services.events.append, batch.accepted)  # acknowledged once written, loop free
        return ApiJSONResponse(
            {"accepted": len(batch.accepted), "rejected": rejected, "ignored_fields": sorted(batch.ignored_fields)},
            status_code=202,
        )

    async def whoami(request: Request) -> Response:
        # The site's header asks this on every page load: a stale sign-in cookie reads as public, never as an
        # error; a key in a header (an API client checking its key) is still refused when unknown.
        from_header = request.headers.get("authorization") or request.headers.get("x-kb-key")
        audience = services.audience(request, strict=bool(from_header))
        return JSONResponse({"audience": audience, "signed_in": audience != "public"})

    site = AudienceSite(settings, lambda scope: services.audience(HTTPConnection(scope), strict=False))
    signin = SignIn(
        services.keys.audience_for,
        services.sessions,
        lambda audience: site_dir(settings, audience),
        lambda request: services.audience(request, strict=False),
        settings.default_locale,
        config.max_body_bytes,
        site.policy_for,
    )

    async def api_not_found(request: Request) -> Response:
        endpoint = request.url.path.rstrip("/")
        allowed = API_METHODS.get(endpoint)
        if allowed:
            return error_response(405, f"Method Not Allowed: use {allowed} {endpoint}")
        return error_response(404, f"no API endpoint {request.url.path}")

    async def on_api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.message, exc.headers, **exc.extra)

    async def on_http_error(request: Request, exc: HTTPException) -> Response:
        return error_response(exc.status_code, exc.detail or "error")

    async def on_kb_error(request: Request, exc: KbError) -> Response:
        log.error("server error: %s", exc)
        return error_response(500, str(exc))

    routes = [
        Route("/healthz", healthz),
        # Each endpoint also answers with a trailing slash (`POST /api/events/`), like the site's folders.
        *(
            Route(path + tail, handler, methods=[API_METHODS[path]])
            for path, handler in (("/api/search", api_search), ("/api/events", api_events), ("/api/whoami", whoami))
            for tail in ("", "/")
        ),
        Route("/api/{rest:path}", api_not_found, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/login", signin.login, methods=["GET", "POST"]),
        Route("/login/", signin.login, methods=["POST"]),
        Route("/{locale}/login/", signin.login, methods=["POST"]),  # GET falls through to the built page
        Route("/logout", signin.logout, methods=["GET", "POST"]),  # GET answers 405 with a sign-out form
        Mount("/", app=site),
    ]
    middleware = [
        Middleware(SecurityHeaders, private_paths=("/api/", "/healthz", "/login", "/logout")),
        Middleware(SessionRefresh, sessions=services.sessions),
        Middleware(
            CORSMiddleware,
            allow_origins=cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-KB-Key", "X-KB-Session", "Content-Type"],
            max_age=600,
        ),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await run_hooks(services.on_startup)
        try:
            yield
        finally:
            await run_hooks(services.on_shutdown)

    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        # Starlette types each handler as taking any Exception; it calls each one only with its own class.
        exception_handlers=cast(
            "dict[Any, ExceptionHandler]",
            {ApiError: on_api_error, HTTPException: on_http_error, KbError: on_kb_error},
        ),
    )
    app.state.services = services
    return app


def app_from_env() -> Starlette:
    """uvicorn factory (`kb serve` sets $KB_ROOT for its workers); a worker stops when its master dies."""
    from kbops.server.supervision import exit_with_master

    exit_with_master()
    port = os.environ.get("KB_SERVE_PORT")
    return create_app(
        load_settings(),
        host=os.environ.get("KB_SERVE_HOST") or None,
        port=int(port) if port and port.isdigit() else None,
        workers=int(os.environ.get("KB_SERVE_WORKERS", "1") or 1),
    )
