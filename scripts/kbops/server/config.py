"""`[tool.kbops.server]`: listening address, CORS, search pool and rate limits, timeouts, events, sign-in sessions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kbops.config import Settings


class ServerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # Origins allowed to call the API from a browser (the site's origin when it is served elsewhere, e.g. a CDN).
    # Unset: the address `kb serve` is bound to (http://<host>:<port>, and localhost for 127.0.0.1).
    cors_origins: list[str] | None = None
    # Searches run in `search_workers` processes per server worker (unset: the cores divided by `workers`);
    # at most `search_queue` more wait (unset: 4 per search process), each at most `search_max_wait`
    # seconds; beyond that the answer is 503 with Retry-After at once.
    search_workers: int | None = Field(default=None, ge=1, le=64)
    search_queue: int | None = Field(default=None, ge=0, le=10_000)
    search_max_wait: float = Field(default=1.0, gt=0, le=30)
    # A search request answered later than this after it reached the server (waiting for the event loop,
    # the queue and the search together) is answered 503 instead.
    search_timeout: float = Field(default=2.0, gt=0, le=300)
    # The search processes' niceness (0: as the server): when the cores are saturated, the event loop that
    # admits requests, answers /healthz and sends 503s on time gets the CPU before searches do.
    search_nice: int = Field(default=5, ge=0, le=19)
    # Searches per second per client (sign-in session, else API key, else address), bursts up to
    # `search_burst`; more is answered 429 with Retry-After. 0 turns the limit off.
    search_rate: float = Field(default=5.0, ge=0, le=10_000)
    search_burst: int = Field(default=20, ge=1, le=100_000)
    # A connection must send a request's headers within `header_timeout` seconds of its first byte (or of
    # connecting); an idle keep-alive connection is closed after `keep_alive_timeout` seconds.
    header_timeout: float = Field(default=10.0, gt=0, le=300)
    keep_alive_timeout: float = Field(default=5.0, gt=0, le=300)
    # Sign-in sessions: idle and absolute lifetime in seconds.
    session_idle: int = Field(default=8 * 3600, ge=60, le=30 * 86400)
    session_max_age: int = Field(default=24 * 3600, ge=60, le=90 * 86400)
    max_body_bytes: int = Field(default=65_536, ge=1024, le=10_000_000)
    max_events_per_request: int = Field(default=100, ge=1, le=10_000)
    # always: fsync after every append (nothing lost even on power loss);
    # interval: fsync at most every `fsync_interval` seconds (a process crash loses nothing, power loss up to that);
    # never: leave it to the OS.
    events_fsync: Literal["always", "interval", "never"] = "interval"
    fsync_interval: float = Field(default=1.0, gt=0, le=60)
    # Salt of the pseudonymous user ids (HMAC-SHA256); default: $KB_USER_SALT, else a random salt kept in .kb/user-salt.
    user_salt: str | None = Field(default=None, min_length=8)
    log_api_searches: bool = True
    # Where the per-audience sites live (<site_dir>/<audience>/), relative to the KB root: `kb build`'s default.
    site_dir: str = "site"


def server_config(settings: Settings) -> ServerConfig:
    return settings.section("server", ServerConfig)


def default_cors_origins(host: str, port: int) -> list[str]:
    """The bound address as a browser origin (a wildcard bind: localhost and 127.0.0.1 on that port)."""
    if host in ("0.0.0.0", "::", ""):
        hosts = ["127.0.0.1", "localhost"]
    elif host in ("127.0.0.1", "localhost"):
        hosts = ["127.0.0.1", "localhost"]
    else:
        hosts = [f"[{host}]" if ":" in host else host]
    return [f"http://{h}:{port}" for h in hosts]
