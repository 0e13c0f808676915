"""Duplicate `audience:` fails lint and build; unreadable files and folders are errors; hostile
governance.yml and taxonomy.yml are one configuration error naming file:line (exit 2)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.hostile.corpus import CASES, REPO, assert_no_traceback, run, text
from tests.lint.cases import SHARED


def _small_kb(root: Path, *docs: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for item in SHARED.iterdir():
        shutil.copy2(item, root / item.name)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for folder in ("kb/fm", "sops", "playbooks"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for doc in ("index.md", *docs):
        shutil.copy2(CASES / "kb" / doc, root / "kb" / doc)
    return root


def test_duplicate_audience_fails_lint_and_build_at_the_second_key(tmp_path):
    root = _small_kb(tmp_path / "kbroot", "fm/valid.md", "fm/duplicate-audience.md")
    where = "kb/fm/duplicate-audience.md:10"
    lint = run("lint", "--no-cache", cwd=root)
    build = run("build", cwd=root)
    for result in (lint, build):
        assert_no_traceback(result)
        assert result.returncode == 1, text(result)
    lint_out, _ = text(lint)
    assert f"{where}:1: KB002 invalid YAML front-matter: duplicate key 'audience' (first written on line 6)" in lint_out
    _, build_err = text(build)
    assert [line for line in build_err.splitlines() if where in line and "duplicate key 'audience'" in line], build_err
    lenient = run("build", "--no-strict", "--site-dir", str(root / "lenient"), cwd=root)
    assert lenient.returncode == 0, text(lenient)
    assert not [p for p in (root / "lenient").rglob("*") if p.is_file() and b"INTERNAL-ONLY-MARKER" in p.read_bytes()]


# Root reads a chmod 000 file (CAP_DAC_OVERRIDE). Dropping that capability from the command's bounding
# set makes the denial real for root too, without changing users (the interpreter may live under /root).
WITHOUT_DAC = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search")


@pytest.fixture
def unreadable(tmp_path):
    root = _small_kb(tmp_path / "kbroot", "fm/valid.md")
    locked = root / "kb" / "locked"
    locked.mkdir()
    shutil.copy2(CASES / "kb" / "fm" / "valid.md", locked / "hidden-from-lint.md")
    secret = root / "kb" / "fm" / "secret.md"
    shutil.copy2(CASES / "kb" / "fm" / "valid.md", secret)
    os.chmod(locked, 0o000)
    os.chmod(secret, 0o000)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: a chmod 000 folder cannot be made unreadable")
        prefix = WITHOUT_DAC
    elif os.access(locked, os.R_OK):
        pytest.skip("this user reads chmod 000 folders (CAP_DAC_OVERRIDE) and cannot drop the capability")
    yield root, prefix
    os.chmod(locked, 0o755)
    os.chmod(secret, 0o644)


@pytest.mark.parametrize("command", ["lint", "index", "export", "build"])
def test_unreadable_files_and_folders_are_errors_not_skips(unreadable, command):
    root, prefix = unreadable
    args = {"lint": ("lint", "--no-cache"), "index": ("index",), "export": ("export",), "build": ("build",)}[command]
    result = run(*args, cwd=root, prefix=prefix)
    assert_no_traceback(result)
    out, err = text(result)
    assert result.returncode == {"lint": 1, "index": 0, "export": 0, "build": 1}[command], (out, err)
    output = out if command == "lint" else err
    folder = [line for line in output.splitlines() if "kb/locked:1" in line]
    file = [line for line in output.splitlines() if "kb/fm/secret.md:1" in line]
    assert len(folder) == 1 and "KB003 cannot read folder: Permission denied" in folder[0], output
    assert len(file) == 1 and "KB003 cannot read file: Permission denied" in file[0], output


GOVERNANCE_CASES = {
    "billion-laughs": (
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n" for p, k in zip("abcdefg", "bcdefgh")),
        6,
        "YAML expands to more than",
    ),
    "alias-loop": ("loop: &a [*a]\n", 1, "refers to a node that contains it"),
    "duplicate-key": ("teams: {}\npeople: {}\nteams: {}\n", 3, "duplicate key 'teams'"),
    "deep-nesting": ("x: " + "[" * 5_000 + "]" * 5_000 + "\n", 1, "nest"),
}


@pytest.mark.parametrize(
    ("file", "case"),
    [("governance.yml", case) for case in sorted(GOVERNANCE_CASES)]
    + [("taxonomy.yml", "billion-laughs"), ("taxonomy.yml", "duplicate-key")],
)
def test_hostile_configuration_is_one_error_naming_file_and_line(tmp_path, case, file):
    root = _small_kb(tmp_path / "kbroot")
    content, line, words = GOVERNANCE_CASES[case]
    (root / file).write_text(content, encoding="utf-8")
    result = run("lint", "--no-cache", cwd=root)
    assert_no_traceback(result)
    _, err = text(result)
    assert result.returncode == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"{file}:{line}: " in lines[0] and words in lines[0], lines
