"""The one exception tree of kbops; the CLI maps it to exit codes."""

from __future__ import annotations


class KbError(Exception):
    """Base class of every error kbops reports to a user (exit code 2 unless stated)."""

    exit_code = 2


class ConfigError(KbError):
    """Invalid configuration: `[tool.kbops]`, governance.yml or taxonomy.yml.

    Carries every problem found, so the user can fix them all in one go.
    """

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class UsageError(KbError):
    """A command was called with arguments that cannot work (unknown rule, bad path...)."""


class NotFoundError(KbError):
    """Something the user named does not exist (a doc id, a file, an index)."""


class LockedError(KbError):
    """Another writer holds a lock (e.g. the search index is being rebuilt)."""
