"""`[tool.kbops.server]`: listening address, CORS, request limits, event durability, user pseudonymization."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from kbops.config import Settings


class ServerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # Origins allowed to call the API from a browser (the site's origin when it is served elsewhere, e.g. a CDN).
    cors_origins: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:8000", "http://localhost:8000"])
    max_body_bytes: int = Field(default=65_536, ge=1024, le=10_000_000)
    max_events_per_request: int = Field(default=100, ge=1, le=10_000)
    # always: fsync after every append (nothing lost even on power loss);
    # interval: fsync at most every `fsync_interval` seconds (a process crash loses nothing, power loss up to that);
    # never: leave it to the OS.
    events_fsync: Literal["always", "interval", "never"] = "interval"
    fsync_interval: float = Field(default=1.0, gt=0, le=60)
    # Salt of the pseudonymous user ids (HMAC-SHA256); default: $KB_USER_SALT, else a random salt kept in .kb/user-salt.
    user_salt: Optional[str] = Field(default=None, min_length=8)
    log_api_searches: bool = True
    # Where the per-audience sites live (<site_dir>/<audience>/), relative to the KB root: `kb build`'s default.
    site_dir: str = "site"


def server_config(settings: Settings) -> ServerConfig:
    return settings.section("server", ServerConfig)
