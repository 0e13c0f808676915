"""Smoke run of bench/governance.py on a tiny repository (no timing assertions)."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def test_governance_benchmark_smoke():
    spec = importlib.util.spec_from_file_location(
        "bench_governance", Path(__file__).resolve().parents[2] / "bench/governance.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.run(docs=3, commits=2)
    assert result["docs"] == 3 and result["findings"] == 0 and result["kb_lint_KB804_s"] > 0
