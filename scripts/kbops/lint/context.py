"""What a rule may look at besides the document: governance, taxonomy, settings and today's date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from kbops.config import Settings
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


def build_context(settings: Settings) -> LintContext:
    """Load and validate governance, taxonomy and lint settings together; ConfigError lists every problem."""
    from kbops.errors import ConfigError

    problems: list[str] = []
    loaded = {}
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
