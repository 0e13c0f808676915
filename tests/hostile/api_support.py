"""The real `kb serve` app over a small indexed KB, driven in-process by Starlette's TestClient.

The TestClient re-raises any exception the app does not turn into a response, so a test that passes
proves "no traceback" as well as "no 5xx". Events land in the real append-only log under .kb/events.
"""
from __future__ import annotations

import json
from pathlib import Path

from starlette.testclient import TestClient

from kbops.config import load_settings
from kbops.search.indexer import build_index
from kbops.server.app import create_app
from tests.search.conftest import copy_fixture_kb


def api_client(root: Path) -> TestClient:
    copy_fixture_kb(root)
    for audience in ("public", "partner", "internal"):  # a tiny static site, as `kb build` would leave
        site = root / "site" / audience
        site.mkdir(parents=True)
        (site / "index.html").write_text(f"<h1>{audience} home</h1>", encoding="utf-8")
    settings = load_settings(root)
    build_index(settings)
    return TestClient(create_app(settings), raise_server_exceptions=True)


def stored_events(root: Path) -> list[dict]:
    lines: list[str] = []
    for path in sorted((root / ".kb" / "events").glob("*.jsonl")):
        lines += path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]
