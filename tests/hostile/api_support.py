"""The real `kb serve` app over a small indexed KB, driven in-process by Starlette's TestClient.

The TestClient re-raises any exception the app does not turn into a response, so a test that passes
proves "no traceback" as well as "no 5xx". Events land in the real append-only log under .kb/events.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from starlette.testclient import TestClient

from kbops.config import load_settings
from kbops.search.indexer import build_index
from kbops.server.app import create_app
from tests.search.conftest import copy_fixture_kb


class ReadyTestClient(TestClient):
    """Entered, it waits until the app's search processes are up (as `kb serve`'s readiness probe would)."""

    def __enter__(self) -> ReadyTestClient:
        super().__enter__()
        deadline = time.monotonic() + 300
        while not self.get("/healthz").json().get("search", {}).get("ready"):
            if time.monotonic() > deadline:
                raise RuntimeError("the search processes did not start")
            time.sleep(0.2)
        return self


def api_client(root: Path, **server: object) -> TestClient:
    """`server`: `[tool.kbops.server]` settings for this app (e.g. search_rate=0 for a test that is not about it)."""
    copy_fixture_kb(root)
    if server:
        with open(root / "pyproject.toml", "a", encoding="utf-8") as handle:
            handle.writelines(f"{name} = {json.dumps(value)}\n" for name, value in server.items())
    for audience in ("public", "partner", "internal"):  # a tiny static site, as `kb build` would leave
        site = root / "site" / audience
        site.mkdir(parents=True)
        (site / "index.html").write_text(f"<h1>{audience} home</h1>", encoding="utf-8")
    settings = load_settings(root)
    build_index(settings)
    return ReadyTestClient(create_app(settings), raise_server_exceptions=True)


def stored_events(root: Path) -> list[dict]:
    lines: list[str] = []
    for path in sorted((root / ".kb" / "events").glob("*.jsonl")):
        lines += path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]
