"""Smoke run of bench/deflection/run.py: the three contenders agree with the generator's truth (no timing)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_benchmark_smoke_run_agrees_with_truth():
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "deflection" / "run.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if "| jsonl |" in line or "| parquet |" in line]
    assert len(rows) == 6 and all(row.rstrip().endswith("| yes |") for row in rows), result.stdout
