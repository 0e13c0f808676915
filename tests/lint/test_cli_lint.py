"""`kb lint` end to end: exit codes, formats on stdout, summary on stderr, severity config, select/ignore."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_kb
from tests.lint.lintcore_kb import FILES, PYPROJECT, write_kb

BROKEN = dict(FILES)
BROKEN["kb/card-arrival.md"] = FILES["kb/card-arrival.md"].replace(
    "owner: cards-support\n", "owner: cards-support\naudiance: public\n"
)


def test_clean_kb_exits_0(tmp_path):
    root = write_kb(tmp_path / "kb")
    done = run_kb("--root", str(root), "lint", "--select", "KB0,KB1")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "3 files checked: 0 errors, 0 warnings" in done.stderr


def test_findings_exit_1_with_parseable_stdout(tmp_path):
    root = write_kb(tmp_path / "kb", BROKEN)
    done = run_kb("--root", str(root), "lint", "--select", "KB0,KB1")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "kb/card-arrival.md:9:1: KB102 unknown field 'audiance'; did you mean 'audience'?"
    ]
    assert "1 errors" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_formats_are_one_json_document(tmp_path, fmt):
    root = write_kb(tmp_path / "kb", BROKEN)
    done = run_kb("--root", str(root), "lint", "--format", fmt, "--select", "KB1")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert (
        data["diagnostics"][0]["code"] == "KB102"
        if fmt == "json"
        else data["runs"][0]["results"][0]["ruleId"] == "KB102"
    )


def test_github_format(tmp_path):
    root = write_kb(tmp_path / "kb", BROKEN)
    done = run_kb("--root", str(root), "lint", "--format", "github", "--select", "KB1")
    assert done.stdout.startswith("::error file=kb/card-arrival.md,line=9,col=1,title=KB102::unknown field")


@pytest.mark.parametrize(
    ("severity", "code", "stdout_suffix"),
    [("warning", 0, " [warning]"), ("off", 0, None), ("error", 1, "")],
)
def test_severity_from_pyproject(tmp_path, severity, code, stdout_suffix):
    pyproject = PYPROJECT + f'\n[tool.kbops.lint]\nseverity = {{ KB102 = "{severity}" }}\n'
    root = write_kb(tmp_path / "kb", BROKEN, pyproject=pyproject)
    done = run_kb("--root", str(root), "lint", "--select", "KB1")
    assert done.returncode == code, done.stderr
    if stdout_suffix is None:
        assert done.stdout == ""
    else:
        assert done.stdout.strip().endswith("did you mean 'audience'?" + stdout_suffix)


def test_bad_severity_config_exits_2(tmp_path):
    pyproject = PYPROJECT + '\n[tool.kbops.lint]\nseverity = { KB102 = "loud", KB998 = "error" }\n'
    root = write_kb(tmp_path / "kb", BROKEN, pyproject=pyproject)
    done = run_kb("--root", str(root), "lint")
    assert done.returncode == 2
    assert "unknown rule KB998" in done.stderr and "KB102=loud" in done.stderr and "Traceback" not in done.stderr


def test_select_and_ignore(tmp_path):
    root = write_kb(tmp_path / "kb", BROKEN)
    assert run_kb("--root", str(root), "lint", "--select", "KB1", "--ignore", "KB102").returncode == 0
    assert run_kb("--root", str(root), "lint", "--select", "KB101,KB102").returncode == 1
    unknown = run_kb("--root", str(root), "lint", "--select", "KB9")
    assert unknown.returncode == 2 and "unknown rule code or prefix KB9" in unknown.stderr


@pytest.mark.parametrize(
    "args",
    [["--format", "xml"], ["--jobs", "0"], ["--base", "main"], ["kb/nothing-here"]],
)
def test_usage_errors_exit_2(tmp_path, args):
    root = write_kb(tmp_path / "kb")
    done = run_kb("--root", str(root), "lint", *args, cwd=root)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_no_cache_writes_nothing(tmp_path):
    root = write_kb(tmp_path / "kb")
    assert run_kb("--root", str(root), "lint", "--no-cache", "--select", "KB1").returncode == 0
    assert not (root / ".kb" / "cache").exists()
    assert run_kb("--root", str(root), "lint", "--select", "KB1").returncode == 0
    assert list((root / ".kb" / "cache").glob("lint-*/shard-*.pickle"))
