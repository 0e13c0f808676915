"""`kb serve`: make sure the index and the sites exist, then run uvicorn (one or more workers)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from kbops.config import Settings
from kbops.errors import KbError, LockedError
from kbops.publishing import AUDIENCES
from kbops.search.indexer import build_index, index_root
from kbops.search.store import IndexStore
from kbops.server.config import server_config
from kbops.server.site import site_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preparation:
    indexed: int | None  # docs in the index when it changed now, None when it was up to date
    sites_built: tuple[str, ...]
    site_problems: tuple[str, ...]  # why sites could not be built: `kb serve` refuses to start on them


def prepare(
    settings: Settings,
    build_sites: bool = True,
    rebuild: bool = False,
    notify: Callable[[str], None] = lambda _m: None,
) -> Preparation:
    """Bring the index up to date (incremental, cheap when nothing changed) and build the sites whose sources
    changed since their live build (all with `rebuild`)."""
    exists = IndexStore(index_root(settings)).current() is not None
    if not exists:
        notify("building the search index (first run)...")
    try:
        report = build_index(settings, rebuild=rebuild)
        indexed = report.indexed if report.changed else None
    except LockedError:
        if not exists:
            raise
        notify("another process is updating the search index; serving the current one (it switches when done)")
        indexed = None
    built: list[str] = []
    problems: list[str] = []
    if build_sites:
        try:
            built, problems = publish_sites(settings, force=rebuild, notify=notify)
        except ImportError as exc:
            notify(f"warning: the site builder is not available ({exc}); serving the API only")
    return Preparation(indexed, tuple(built), tuple(problems))


def publish_sites(
    settings: Settings,
    force: bool = False,
    notify: Callable[[str], None] = lambda _m: None,
) -> tuple[list[str], list[str]]:
    """Build every audience's site whose sources changed since its live build, switching each atomically.

    Without a mkdocs.yml the KB has no site: site folders made by hand are served as they are.
    Returns (audiences built, problems); a failed build leaves the previous one in place.
    """
    from kbops.site.live import has_site_config, publish_site

    if not has_site_config(settings):
        return [], []
    built: list[str] = []
    problems: list[str] = []
    for audience in AUDIENCES:
        try:
            done = publish_site(settings, audience, site_dir(settings, audience), force=force)
        except KbError as exc:
            problems.append(f"the {audience} site could not be built: {exc}")
            continue
        if done.changed:
            built.append(audience)
            notify(f"built the {audience} site ({done.seconds:.1f} s)")
    return built, problems


def check_port(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on (e.g. "port 8000 is already in use"), or None when it can."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        return f"unknown host {host!r} ({exc})"
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is already in use"
            if exc.errno == errno.EACCES:
                return f"no permission to listen on port {port}"
            return exc.strerror or str(exc)
    return None


def serve(settings: Settings, host: str | None = None, port: int | None = None, workers: int | None = None) -> None:
    import uvicorn

    from kbops.server.protocol import NoDelayH11Protocol

    config = server_config(settings)
    host, port, workers = host or config.host, port or config.port, workers or config.workers
    # Workers re-create the app from the environment (the bound address sets the default CORS origins).
    os.environ.update(
        KB_ROOT=str(settings.root),
        KB_SERVE_HOST=host,
        KB_SERVE_PORT=str(port),
        KB_SERVE_WORKERS=str(workers),
        KB_HEADER_TIMEOUT=str(config.header_timeout),
    )
    uvicorn.run(
        "kbops.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        server_header=False,
        http=NoDelayH11Protocol,
        # uvicorn annotates an int but only hands it to loop.call_later(), which takes float seconds:
        # int() would turn an allowed 0.5 into 0 (keep-alive connections closed at once).
        timeout_keep_alive=cast(int, config.keep_alive_timeout),
    )
