"""A real `kb serve` (uvicorn) on a free 127.0.0.1 port, started as a subprocess and stopped within bounds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.search.conftest import copy_fixture_kb


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningServer:
    def __init__(self, process: subprocess.Popen, base: str, log: Path):
        self.process, self.base, self.log = process, base, log

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=10, **kwargs)


@contextmanager
def running_server(root: Path, *args: str, timeout: float = 60, port: int | None = None) -> Iterator[RunningServer]:
    port = port or free_port()
    log = root / f"server-{port}.log"
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "kbops", "serve", "--port", str(port), *args],
            cwd=root,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"kb serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                health = httpx.get(base + "/healthz", timeout=1)
                if health.status_code == 200 and health.json().get("search", {}).get("ready"):
                    break  # the index is open and the search processes have loaded the model
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"kb serve did not answer within {timeout}s:\n{log.read_text()}")
            time.sleep(0.1)
        yield RunningServer(process, base, log)
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def served_kb(tmp_path_factory) -> Iterator[tuple[Path, RunningServer, dict[str, str]]]:
    """The fixture KB with a key per audience, a tiny static site per audience, served by a real uvicorn."""
    from kbops.config import load_settings
    from kbops.server.keys import ApiKeyStore, keys_path

    root = copy_fixture_kb(tmp_path_factory.mktemp("served") / "kb")
    store = ApiKeyStore(keys_path(load_settings(root)))
    keys = {audience: store.create(audience, f"test-{audience}") for audience in ("public", "partner", "internal")}
    for audience in ("public", "partner"):  # internal is left unbuilt on purpose
        site = root / "site" / audience
        site.mkdir(parents=True)
        (site / "index.html").write_text(f"<h1>{audience.upper()} HOME</h1>", encoding="utf-8")
        (site / "cards").mkdir()
        (site / "cards" / "index.html").write_text(f"{audience} cards page", encoding="utf-8")
    with running_server(root) as server:  # builds the missing index first, like a fresh clone
        yield root, server, keys
