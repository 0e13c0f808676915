"""Shared fixtures: a new KB made by `kb init`, and the Zendesk fixture export imported into one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_kb

FIXTURES = Path(__file__).parent / "fixtures"
EXPORT = FIXTURES / "zendesk-export"
MAPPING = FIXTURES / "zendesk-mapping.yml"
TODAY = "2026-12-07"


def new_kb(path: Path) -> Path:
    done = run_kb(
        "init",
        str(path),
        "--name",
        "Ana García",
        "--email",
        "ana@example.com",
        "--locales",
        "en,es,fr",
        "--codeowner",
        "@acme/support",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    return path


def import_zendesk(root: Path, *args: str) -> tuple[int, dict, str]:
    done = run_kb("--root", str(root), "--today", TODAY, "import", "zendesk", *args, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, dict]:
    """The fixture export imported with its mapping into a new KB (shared by a module's read-only tests)."""
    root = new_kb(tmp_path_factory.mktemp("zendesk") / "kb")
    code, summary, _ = import_zendesk(root, str(EXPORT), "--mapping", str(MAPPING))
    assert code == 0
    return root, summary


def copy_export(dest: Path) -> Path:
    shutil.copytree(EXPORT, dest)
    return dest
