"""What a rule may look at besides the document: governance, taxonomy, settings and today's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kbops.config import Settings
from kbops.governance.history import GitHistory
from kbops.lint.settings import LintSettings
from kbops.model.governance import Governance, load_governance
from kbops.model.taxonomy import Taxonomy, load_taxonomy


@dataclass
class LintContext:
    settings: Settings
    governance: Governance
    taxonomy: Taxonomy
    lint: LintSettings
    today: dt.date
    # ids of every document in the corpus (filled by the runner), so document rules can resolve links by id
    known_ids: dict[str, str] = field(default_factory=dict)

    @cached_property
    def allow_examples_lower(self) -> tuple[str, ...]:
        return tuple(v.lower() for v in self.lint.allow_examples)

    @cached_property
    def history(self) -> GitHistory:
        """Git history of the knowledge base, opened on first use and shared by every rule of the run."""
        return GitHistory(self.settings.root)

    @cached_property
    def codeowners(self) -> dict[str, tuple[int, list[str]]] | None:
        """The repository's .github/CODEOWNERS as pattern -> (line, handles); None when there is no such file."""
        from kbops.governance.codeowners import CODEOWNERS_PATH, parse

        path = self.settings.root / CODEOWNERS_PATH
        if not path.is_file():
            return None
        return parse(path.read_text(encoding="utf-8", errors="replace"))

    def __getstate__(self) -> dict:
        # Worker processes run document rules only; git history and CODEOWNERS stay in the parent.
        state = dict(self.__dict__)
        state.pop("history", None)
        state.pop("codeowners", None)
        return state


def build_context(settings: Settings) -> LintContext:
    """Load and validate governance, taxonomy and lint settings together; ConfigError lists every problem."""
    from kbops.errors import ConfigError

    problems: list[str] = []
    loaded: dict[str, Any] = {}  # governance: Governance, taxonomy: Taxonomy
    for name, loader, path in (
        ("governance", load_governance, settings.governance_path),
        ("taxonomy", load_taxonomy, settings.taxonomy_path),
    ):
        try:
            loaded[name] = loader(path)
        except ConfigError as exc:
            problems.extend(exc.problems)
    try:
        lint_settings = settings.section("lint", LintSettings)
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return LintContext(settings, loaded["governance"], loaded["taxonomy"], lint_settings, settings.today_date())
