"""Meta-tests: every `kb` command has help text and appears in the manual's command tour (docs/kb/index.md)."""

from __future__ import annotations

import re

import pytest
import typer.main

from kbops.cli import app
from tests.conftest import REPO, run_kb

COMMANDS = sorted(typer.main.get_command(app).commands)


def test_every_command_is_in_the_manuals_tour():
    home = (REPO / "docs" / "kb" / "index.md").read_text(encoding="utf-8")
    tour = home[home.index("## Command tour") :]
    tour = tour[: tour.index("\n## ", 4)]
    listed = set(re.findall(r"^\| `kb ([a-z-]+)`", tour, re.MULTILINE))
    assert listed == set(COMMANDS), (
        f"manual's tour out of sync: missing {set(COMMANDS) - listed}, extra {listed - set(COMMANDS)}"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run_kb(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and len(result.stdout.splitlines()) > 3


def test_readme_commands_are_the_ci_ones():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]" && python -m pytest' in readme
    assert 'pip install -q -e ".[test]" && python -m pytest' in ci
