"""Smoke runs of the search benchmarks on tiny inputs (the real runs are by hand, see bench/README.md)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.search.conftest import copy_fixture_kb

REPO = Path(__file__).resolve().parents[2]


def test_quality_harness_runs_all_three_engines(tmp_path: Path):
    root = copy_fixture_kb(tmp_path / "kb")
    out = tmp_path / "quality.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench/search_quality/run.py"), "--root", str(root), "--dev", "2", "--test", "3",
         "--json", str(out)], capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())["results"]
    assert set(results) == {"kbops (whoosh)", "lunr (MkDocs search)", "BM25 (rank-bm25)"}
    assert all(r["test"]["all"]["queries"] > 0 for r in results.values())


def test_speed_harness_runs_in_process(tmp_path: Path):
    out = tmp_path / "speed.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench/search/run.py"), "--sizes", "40", "--queries", "20", "--no-http",
         "--corpus-dir", str(tmp_path / "corpus"), "--json", str(out)], capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())[0]
    assert result["docs"] == 40 and result["indexed"] > 0 and result["one_doc_update_changed"] == 1
