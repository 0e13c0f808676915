"""Smoke runs of the search benchmarks on tiny inputs (the real runs are by hand, see bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.search.conftest import copy_fixture_kb

REPO = Path(__file__).resolve().parents[2]
# The quality sets read the shared public data (../shared/data/search-dev), which is not in the repository;
# CI clones beside it. Elsewhere the smoke run skips with this reason rather than failing.
SEARCH_DEV = next(
    (
        base / "shared" / "data" / "search-dev"
        for base in (REPO.parent, REPO.parent.parent)
        if (base / "shared" / "data" / "search-dev").is_dir()
    ),
    None,
)


@pytest.mark.skipif(
    SEARCH_DEV is None, reason="../shared/data/search-dev (the search benchmark's data) is not beside the clone"
)
def test_quality_harness_runs_every_engine_on_every_set(tmp_path: Path):
    root = copy_fixture_kb(tmp_path / "kb")
    out = tmp_path / "quality.json"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench/search_quality/run.py"),
            "--root",
            str(root),
            "--max-docs",
            "15",
            "--sets",
            "dev-en",
            "dev-es",
            "dev-fr",
            "banking77",
            "--dev",
            "1",
            "--test",
            "2",
            "--cache",
            str(tmp_path / "cache"),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert set(report["results"]) == {"dev-en", "dev-es", "dev-fr", "banking77"}
    for engines in report["results"].values():
        assert set(engines) == {"kbops lexical", "kbops hybrid", "lunr (MkDocs search)", "lunr, no stemming", "bm25s"}
        assert all(e["test"]["queries"] > 0 and 0 <= e["test"]["mrr"] <= 1 for e in engines.values())
    assert report["model"]  # the default embedding model was there, with no network


def test_speed_harness_runs_in_process(tmp_path: Path):
    out = tmp_path / "speed.json"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench/search/run.py"),
            "--sizes",
            "40",
            "--queries",
            "20",
            "--no-http",
            "--corpus-dir",
            str(tmp_path / "corpus"),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())[0]
    assert result["docs"] == 40 and result["indexed"] > 0 and result["one_doc_update_changed"] == 1
    assert result["reused"] is False
    # --reuse: the same corpus and full build again (its numbers reported), a fresh one-doc update and the latencies.
    again = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench/search/run.py"),
            "--sizes",
            "40",
            "--queries",
            "20",
            "--no-http",
            "--reuse",
            "--profile",
            "5",
            "--corpus-dir",
            str(tmp_path / "corpus"),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    reused = json.loads(out.read_text())[0]
    assert reused["reused"] is True and reused["one_doc_update_changed"] == 1
    assert (reused["full_build_s"], reused["built"]) == (result["full_build_s"], result["built"])
    assert "reusing" in again.stderr and "cumulative" in again.stderr  # the profile's second table
