"""Every `--audience` of the CLI, the search API and the library reject a wrong audience with one message."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbops.publishing import audience_error

WRONG = "everyone"
COMMANDS = [
    ("search", "card", "--audience", WRONG),
    ("eval", "-a", WRONG),
    ("export", "--audience", WRONG),
    ("build", "--audience", WRONG),
    ("changelog", "--since", "2026-01-01", "--audience", WRONG),
    ("api-key", "create", "--audience", WRONG, "--label", "x"),
    ("new", "article", "--title", "Some title", "--audience", WRONG),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: args[0])
def test_wrong_audience_is_a_usage_error_with_the_authority_message(kb, kb_copy: Path, args):
    done = kb(*args, cwd=kb_copy)
    assert done.returncode == 2, done.stderr
    assert audience_error(WRONG) in done.stderr and "Traceback" not in done.stderr
    assert not (kb_copy / ".kb" / "api-keys.json").exists() and not (kb_copy / "site").exists()


@pytest.mark.parametrize("command", ["search", "eval", "export", "build", "changelog", "api-key create", "new"])
def test_help_lists_the_audiences(kb, command):
    done = kb(*command.split(), "--help")
    assert done.returncode == 0 and "public|partner|internal" in done.stdout
