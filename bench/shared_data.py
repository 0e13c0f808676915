"""Locate the shared public data sets (../shared/data beside the repository) for benchmarks and generators."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def banking77_csv() -> Path:
    """Banking77 training queries (PolyAI, CC-BY-4.0): $KB_BANKING77, else shared/ beside the repo or a worktree,
    else the copy vendored in bench/data/banking77 (so generators and their tests run on a fresh clone)."""
    env = os.environ.get("KB_BANKING77")
    if env:
        return Path(env)
    candidates = [base / "shared" / "data" / "banking77" / "train.csv" for base in (REPO.parent, REPO.parent.parent)]
    candidates.append(REPO / "bench" / "data" / "banking77" / "train.csv")
    return next(c for c in candidates if c.is_file() or c == candidates[-1])
