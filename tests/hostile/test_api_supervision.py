"""`kb serve --workers 2`: a master killed with SIGKILL leaves no worker serving, and a restart on the same port works."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.search.conftest import copy_fixture_kb
from tests.server.conftest import free_port, running_server


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie may wait for a reaper that never comes in a container)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker processes")
def test_killing_the_master_stops_its_workers_and_the_port_is_free_again(tmp_path: Path):
    root = copy_fixture_kb(tmp_path / "kb")
    port = free_port()
    with running_server(root, "--workers", "2", port=port) as server:
        master = server.process.pid
        deadline = time.monotonic() + 30
        while len(workers := [p for p in children_of(master) if running(p)]) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) >= 2, f"expected 2 workers under {master}, found {workers}"
        try:
            os.kill(master, signal.SIGKILL)
            server.process.wait(timeout=10)
            deadline = time.monotonic() + 10
            while any(running(p) for p in workers) and time.monotonic() < deadline:
                time.sleep(0.05)
            survivors = [p for p in workers if running(p)]
            assert survivors == [], f"workers {survivors} outlived their master"
            with pytest.raises(httpx.TransportError):
                httpx.get(f"{server.base}/healthz", timeout=2)
        finally:
            try:
                os.killpg(master, signal.SIGKILL)  # the process group: never leave a worker behind
            except ProcessLookupError:
                pass
    with running_server(root, "--workers", "2", port=port) as again:
        assert again.client().get("/healthz").status_code == 200
