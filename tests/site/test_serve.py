"""`mkdocs serve` re-stages on source edits: the live site updates and still holds only its audience's docs."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, OSError):
        return None


def poll(url: str, needle: str, timeout: float = 90.0) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = fetch(url)
        if body and needle in body:
            return body
        time.sleep(0.5)
    return None


def test_serve_restages_on_edit(site_kb, tmp_path):
    root = tmp_path / "live"
    shutil.copytree(site_kb, root, ignore=shutil.ignore_patterns("site", ".kb"))
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=root,
        env={**os.environ, "KB_AUDIENCE": "public"},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        page = f"http://127.0.0.1:{port}/fx/fees/"
        assert poll(page, "Card fees"), "mkdocs serve did not come up"
        doc = root / "kb/fx/fees.md"
        time.sleep(1.5)  # let the watcher settle after the first build
        doc.write_text(doc.read_text(encoding="utf-8") + "\nMARKER-LIVE-5T8 new paragraph.\n", encoding="utf-8")
        assert poll(page, "MARKER-LIVE-5T8"), "the edit did not reach the served page"
        assert "MARKER-PARTNER-7Q2" not in (fetch(f"http://127.0.0.1:{port}/search/search_index.json") or "")
        time.sleep(3)  # re-staging rewrites only changed files, so the rebuild must not trigger another one
        builds = (tmp_path / "serve.log").read_text().count("Building documentation")
        assert 2 <= builds <= 3, f"{builds} builds: the staged tree retriggered the watcher"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
