"""Golden files: rendered output compared exactly; `KB_UPDATE_GOLDEN=1 python -m pytest ...` rewrites them.

Review the rewritten files with `git diff` before committing: the diff is the behaviour change.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

UPDATE = "KB_UPDATE_GOLDEN"


def assert_golden(path: Path, actual: str) -> None:
    if os.environ.get(UPDATE):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path} is missing; run with {UPDATE}=1 and review the diff"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                str(path),
                "actual",
                n=2,
            )
        )
        lines = diff.splitlines()
        shown = "\n".join(lines[:80]) + (f"\n... {len(lines) - 80} more diff lines" if len(lines) > 80 else "")
        raise AssertionError(f"{path.name} differs from the golden file (rerun with {UPDATE}=1 if intended):\n{shown}")
