"""`kb serve`: make sure the index and the sites exist, then run uvicorn (one or more workers)."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Callable, Optional

from kbops.config import Settings
from kbops.errors import LockedError
from kbops.search.indexer import build_index, index_root
from kbops.search.store import IndexStore
from kbops.server.config import server_config
from kbops.server.site import build_missing_sites

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preparation:
    indexed: Optional[int]  # docs in the index when it changed now, None when it was up to date
    sites_built: tuple[str, ...]
    site_problems: tuple[str, ...]  # why sites could not be built (the server still serves the API)


def prepare(
    settings: Settings, build_sites: bool = True, rebuild: bool = False, notify: Callable[[str], None] = lambda _m: None,
) -> Preparation:
    """Bring the index up to date (incremental, cheap when nothing changed) and build missing sites (all with `rebuild`)."""
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
            built, problems = build_missing_sites(settings, force=rebuild)
        except ImportError as exc:
            problems = [f"the site builder is not available ({exc}); serving the API only"]
        for audience in built:
            notify(f"built the {audience} site")
    return Preparation(indexed, tuple(built), tuple(problems))


def serve(settings: Settings, host: Optional[str] = None, port: Optional[int] = None, workers: Optional[int] = None) -> None:
    import uvicorn

    from kbops.server.protocol import NoDelayH11Protocol

    config = server_config(settings)
    host, port, workers = host or config.host, port or config.port, workers or config.workers
    # Workers re-create the app from the environment (the bound address sets the default CORS origins).
    os.environ.update(KB_ROOT=str(settings.root), KB_SERVE_HOST=host, KB_SERVE_PORT=str(port), KB_SERVE_WORKERS=str(workers),
                      KB_HEADER_TIMEOUT=str(config.header_timeout))
    uvicorn.run(
        "kbops.server.app:app_from_env", factory=True, host=host, port=port,
        workers=workers, log_level="warning", access_log=False, server_header=False,
        http=NoDelayH11Protocol, timeout_keep_alive=config.keep_alive_timeout,
    )
