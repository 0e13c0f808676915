"""Smoke run of bench/site/run.py on a tiny corpus: both builds succeed and the table is produced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_site_benchmark_smoke(tmp_path):
    out = tmp_path / "rows.json"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench/site/run.py"),
            "--sizes",
            "12",
            "--workdir",
            str(tmp_path),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())
    assert rows[0]["pages"] == 12 and rows[0]["vanilla"]["seconds"] > 0 and rows[0]["plugin"]["peak_mib"] > 0
    assert rows[0]["plugin"]["html_files"] >= rows[0]["vanilla"]["html_files"] >= 12
    assert "| 12 |" in done.stdout
