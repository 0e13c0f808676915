"""Shared fixtures: the bundled KB copied to tmp_path, a real git repo, and the `kb` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"

# Subprocesses (`python -m kbops`, mkdocs) import this checkout's package, not another install.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SCRIPTS), os.environ.get("PYTHONPATH")]))
os.environ.pop("KB_ROOT", None)

KB_FILES = ("governance.yml", "taxonomy.yml", "mkdocs.yml", "pyproject.toml")
KB_ROOTS = ("kb", "sops", "playbooks")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


def copy_kb(dest: Path, roots: tuple[str, ...] = KB_ROOTS) -> Path:
    """A copy of the bundled knowledge base (content, governance, taxonomy, config) under `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in KB_FILES:
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dest / name)
    for root in roots:
        if (REPO / root).exists():
            shutil.copytree(REPO / root, dest / root, dirs_exist_ok=True)
        else:
            (dest / root).mkdir(exist_ok=True)
    return dest


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """The bundled KB copied to a temporary folder, safe to modify."""
    return copy_kb(tmp_path / "kbroot")


def run_kb(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None, timeout: int = 300):
    """Run the real `kb` command (as `python -m kbops`) and return the CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "kbops", *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def kb():
    return run_kb


def git(cwd: Path, *args: str, author: tuple[str, str] | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}
    if author:
        env.update(
            GIT_AUTHOR_NAME=author[0],
            GIT_AUTHOR_EMAIL=author[1],
            GIT_COMMITTER_NAME=author[0],
            GIT_COMMITTER_EMAIL=author[1],
        )
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def git_kb(kb_copy: Path) -> Path:
    """The bundled KB as a real git repository with one initial commit."""
    git(kb_copy, "init", "-q", "-b", "main")
    git(kb_copy, "config", "user.name", "Ana García")
    git(kb_copy, "config", "user.email", "ana.garcia@northwind-spend.example")
    git(kb_copy, "add", "-A")
    git(
        kb_copy,
        "commit",
        "-q",
        "-m",
        "initial knowledge base",
        author=("Ana García", "ana.garcia@northwind-spend.example"),
    )
    return kb_copy
