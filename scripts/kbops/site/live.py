"""Published means live: build an audience's site beside the served one, switch atomically, and watch the KB.

`site/<audience>` (what `kb serve` serves) becomes a symbolic link to one finished build under
`.kb/sites/`. A new build is written into a folder of its own and the link is replaced in one
`rename`, so a reader gets the old site or the new one, never a half-written page; a build that fails
never replaces the link, so the last good site stays up. Each build records the digest of what it was
built from (the staged tree, navigation, mkdocs.yml, kbops version): a site whose digest still holds
is not rebuilt, so a change to an internal SOP rebuilds the internal site only.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kbops import __version__
from kbops.config import Settings
from kbops.errors import ConfigError, KbError, LockedError
from kbops.publishing import AUDIENCES

log = logging.getLogger(__name__)
BUILDS_DIR = "sites"  # under the state dir (.kb/sites/<audience>-<ns>)
STAMP_FILE = "_kbops/source.sha256"
STATUS_FILE = "live.json"  # under the state dir: what /healthz reports about the sites
KEEP_BUILDS = 3  # the live build and two before it: a request that resolved an older build still finishes
CONFIG_FILE = "mkdocs.yml"


@dataclass(frozen=True)
class Published:
    audience: str
    changed: bool  # a new build went live (False: the live site was already built from the same sources)
    site_dir: Path
    build_dir: Path | None
    seconds: float


def has_site_config(settings: Settings) -> bool:
    return (settings.root / CONFIG_FILE).is_file()


def source_digest(settings: Settings, audience: str) -> str:
    """What the audience's site is built from: its staged tree, navigation and names, mkdocs.yml, kbops version."""
    from mkdocs.config import load_config

    from kbops.site.stage import stage_site

    config_file = settings.root / CONFIG_FILE
    try:
        config = load_config(config_file=str(config_file))
    except Exception as exc:
        raise ConfigError(f"{config_file}: {exc}") from None
    staged = stage_site(settings, audience, use_directory_urls=config.use_directory_urls, site_name=config.site_name)
    # problems too: a link to an unknown id stages as plain text, and only its problem fails the strict build
    extra = json.dumps(
        [staged.nav, staged.site_names, staged.header, staged.locales, staged.problems], sort_keys=True, default=str
    )
    total = hashlib.sha256()
    for part in (staged.digest, extra, config_file.read_text(encoding="utf-8", errors="replace"), __version__):
        total.update(hashlib.sha256(part.encode("utf-8")).digest())
    return total.hexdigest()


def built_from(site: Path) -> str | None:
    try:
        return (site / STAMP_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def publish_site(settings: Settings, audience: str, site: Path, force: bool = False) -> Published:
    """Build `audience` into a new folder and switch `site` to it; nothing changes when the build fails.

    Raises the build's KbError (SiteBuildError, ConfigError) with its warnings when it fails.
    """
    from kbops.site.build import build_site

    started = time.monotonic()
    digest = source_digest(settings, audience)
    if not force and built_from(site) == digest and (site / "index.html").is_file():
        return Published(audience, False, site, None, time.monotonic() - started)
    builds = settings.state_dir / BUILDS_DIR
    target = builds / f"{audience}-{time.time_ns()}"
    try:
        build_site(settings, audience, target, strict=True)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    (target / STAMP_FILE).parent.mkdir(parents=True, exist_ok=True)
    (target / STAMP_FILE).write_text(digest + "\n", encoding="utf-8")
    switch(site, target, builds)
    prune(builds, audience, keep=target)
    return Published(audience, True, site, target, time.monotonic() - started)


def switch(link: Path, target: Path, builds: Path) -> None:
    """Point `link` at `target` in one step. A real folder at `link` (from `kb build`) is exchanged atomically
    where the OS can (Linux renameat2), and kept under `builds` until pruned."""
    link.parent.mkdir(parents=True, exist_ok=True)
    temp = link.with_name(f".{link.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    if temp.is_symlink() or temp.exists():
        temp.unlink()
    os.symlink(os.path.relpath(target, link.parent), temp)
    if link.is_dir() and not link.is_symlink():
        retired = builds / f"{link.name}-{time.time_ns()}"
        if _exchange(temp, link):
            os.rename(temp, retired)  # temp now names the old folder
            return
        os.rename(link, retired)  # no atomic exchange here: a moment without a site, once
    os.replace(temp, link)


def _exchange(first: Path, second: Path) -> bool:
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0


def prune(builds: Path, audience: str, keep: Path) -> None:
    """Delete all but the newest KEEP_BUILDS builds of `audience` (never `keep`)."""
    mine = sorted(
        (p for p in builds.glob(f"{audience}-*") if p.is_dir() and p.name.rsplit("-", 1)[-1].isdigit()),
        key=lambda p: int(p.name.rsplit("-", 1)[-1]),
    )
    for old in mine[:-KEEP_BUILDS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


# --- the status that /healthz reports -------------------------------------------------------------


def status_path(settings: Settings) -> Path:
    return settings.state_dir / STATUS_FILE


def read_status(settings: Settings) -> dict:
    """The sites' state as the watcher last wrote it ({} when `kb serve` does not watch)."""
    try:
        data = json.loads(status_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class LiveStatus:
    watching: bool
    sites: dict[str, dict] = field(default_factory=dict)
    index: dict = field(default_factory=dict)

    def write(self, settings: Settings) -> None:
        path = status_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(
            json.dumps({"watching": self.watching, "sites": self.sites, "search_index": self.index}, indent=1),
            encoding="utf-8",
        )
        os.replace(temp, path)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- refresh: the index, then each audience's site --------------------------------------------------


def refresh(
    settings: Settings,
    site_of: Callable[[str], Path],
    status: LiveStatus,
    notify: Callable[[str], None] = lambda _m: None,
    audiences: tuple[str, ...] = AUDIENCES,
) -> list[str]:
    """Update the search index, then rebuild the sites whose sources changed. Returns the problems."""
    from kbops.search.indexer import build_index

    problems: list[str] = []
    try:
        report = build_index(settings)
        if report.changed:
            notify(f"live: search index updated ({report.indexed} docs)")
        status.index = {"state": "ok", "updated": _now()}
    except LockedError:
        status.index = {"state": "busy", "updated": _now()}  # another process indexes; it switches when done
    except KbError as exc:
        problems.append(f"the search index could not be updated: {exc}")
        status.index = {"state": "failed", "error": str(exc), "updated": _now()}
    if has_site_config(settings):
        for audience in audiences:
            try:
                done = publish_site(settings, audience, site_of(audience))
            except KbError as exc:
                message = f"the {audience} site could not be rebuilt; still serving the last good build: {exc}"
                problems.append(message)
                status.sites[audience] = {
                    "state": "failed",
                    "error": str(exc),
                    "since": _now(),
                    "built": status.sites.get(audience, {}).get("built"),
                }
                continue
            if done.changed:
                notify(f"live: rebuilt the {audience} site ({done.seconds:.1f} s)")
                status.sites[audience] = {"state": "ok", "built": _now()}
            else:
                status.sites.setdefault(audience, {"state": "ok", "built": None})
                status.sites[audience].update(state="ok")
                status.sites[audience].pop("error", None)
    status.write(settings)
    for problem in problems:
        notify(f"live: {problem}")
    return problems


class Watcher:
    """A background thread: on a change under the KB's content roots or its config files, refresh."""

    def __init__(
        self,
        settings: Settings,
        site_of: Callable[[str], Path],
        notify: Callable[[str], None],
        status: LiveStatus | None = None,
        debounce_ms: int = 300,
    ):
        self.settings = settings
        self.site_of = site_of
        self.notify = notify
        self.status = status or LiveStatus(watching=True)
        self.debounce_ms = debounce_ms
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="kb-live", daemon=True)

    def watched(self) -> tuple[list[Path], list[Path]]:
        """(folders watched recursively, files checked for changes)."""
        folders = [self.settings.root / r for r in self.settings.roots if (self.settings.root / r).is_dir()]
        files = [self.settings.governance_path, self.settings.taxonomy_path, self.settings.root / CONFIG_FILE]
        return folders, files

    def start(self) -> Watcher:
        self.status.watching = True
        self.status.write(self.settings)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)

    def _run(self) -> None:
        import watchfiles

        folders, files = self.watched()
        stamps = {f: _stamp(f) for f in files}
        for changes in watchfiles.watch(
            *folders,
            stop_event=self.stop_event,
            debounce=self.debounce_ms,
            step=50,
            rust_timeout=1000,
            yield_on_timeout=True,
            raise_interrupt=False,
        ):
            now = {f: _stamp(f) for f in files}
            if not changes and now == stamps:
                continue
            stamps = now
            try:
                refresh(self.settings, self.site_of, self.status, self.notify)
            except Exception as exc:
                log.exception("live refresh failed")
                self.notify(f"live: refresh failed: {exc}")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size
