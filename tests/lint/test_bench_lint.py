"""Smoke run of bench/lint/run.py on a tiny corpus (timings are the benchmark's business, not the test's)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_bench_lint_smoke(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Benchmarks\n\n<!-- section:lint -->\nPREVIOUS-RESULTS\n<!-- /section:lint -->\n\n<!-- section:site -->\nkept\n<!-- /section:site -->\n"
    )
    out = tmp_path / "lint.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "lint" / "run.py"),
            "--sizes",
            "20",
            "--workdir",
            str(tmp_path / "corpus"),
            "--json",
            str(out),
            "--readme",
            str(readme),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())["rows"]
    tools = {r["tool"]: r for r in rows}
    for tool in (
        "kb lint (cold cache)",
        "kb lint (warm cache)",
        "kb lint --changed (1 file)",
        "floor: markdown-it-py parse only",
        "floor: front-matter only",
    ):
        assert tools[tool]["exit_code"] == 0 and tools[tool]["wall_s"] > 0 and tools[tool]["peak_rss_mb"] > 0
    assert "| 20 | kb lint (cold cache) |" in done.stdout
    text = readme.read_text()
    assert "| 20 | kb lint (warm cache) |" in text and "PREVIOUS-RESULTS" not in text and "kept" in text
    corpus = tmp_path / "corpus" / "lint-20"
    assert len(list(corpus.rglob("*.md"))) == 20 and (corpus / ".git").is_dir()


def test_generator_is_deterministic_and_lints_clean(tmp_path):
    sys.path.insert(0, str(BENCH))
    from gen_corpus import generate_corpus

    from kbops.config import load_settings
    from kbops.lint.runner import lint

    first = generate_corpus(tmp_path / "a", 40, seed=3)
    second = generate_corpus(tmp_path / "b", 40, seed=3)
    assert first.paths == second.paths
    assert all((tmp_path / "a" / p).read_bytes() == (tmp_path / "b" / p).read_bytes() for p in first.paths)
    words = [len((tmp_path / "a" / p).read_text().split("---\n", 2)[2].split()) for p in first.paths]
    assert 250 <= min(words) and max(words) <= 1000
    result = lint(load_settings(tmp_path / "a", today="2026-11-15"), use_cache=False)
    assert result.diagnostics == [] and result.files == 40
