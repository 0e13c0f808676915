"""Settings: defaults in code, overridden by `pyproject.toml [tool.kbops]`, overridden by flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pydantic

from kbops.errors import ConfigError
from kbops.locale import DEFAULT_LOCALE, DEFAULT_LOCALES

# Sub-tables of [tool.kbops], each a domain's model in kbops.configuration (see `Settings.section`).
KNOWN_SECTIONS = ("lint", "search", "site", "analytics", "governance", "server")
CORE_KEYS = ("roots", "default_locale", "locales", "today")
TYPE_FOLDERS = {"kb": ("article",), "sops": ("sop",), "playbooks": ("troubleshooting", "playbook", "template")}

M = TypeVar("M", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class Settings:
    """Where the knowledge base lives and how it is configured."""

    root: Path
    roots: tuple[str, ...] = ("kb", "sops", "playbooks")
    default_locale: str = DEFAULT_LOCALE
    locales: tuple[str, ...] = DEFAULT_LOCALES
    # Fixed "today" for reproducible runs (tests, golden files); None means the real date.
    today: str | None = None
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)  # the tables as written (cache keys)
    # The whole validated configuration (kbops.configuration.KbopsConfig); None for a Settings made in code.
    config: Any = field(default=None, compare=False, repr=False)

    @property
    def governance_path(self) -> Path:
        return self.root / "governance.yml"

    @property
    def taxonomy_path(self) -> Path:
        return self.root / "taxonomy.yml"

    @property
    def state_dir(self) -> Path:
        """`.kb/`: index, caches, events; never committed."""
        return self.root / ".kb"

    def section(self, name: str, model: type[M]) -> M:
        """The `[tool.kbops.<name>]` table as a domain's pydantic model (validated once by `load_settings`)."""
        validated = getattr(self.config, name, None) if self.config is not None else None
        if isinstance(validated, model):
            return validated
        try:
            return model.model_validate(self.sections.get(name, {}))
        except pydantic.ValidationError as exc:
            raise ConfigError(
                [f"pyproject.toml [tool.kbops.{name}] {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
            ) from None

    def today_date(self):
        import datetime as dt

        return dt.date.fromisoformat(self.today) if self.today else dt.date.today()


NOT_A_KB = "{root}: not a kbops knowledge base; cd into one, pass --root, or run `kb init`"


def is_knowledge_base(folder: Path) -> bool:
    """A folder is a knowledge base when it has governance.yml or a `[tool.kbops]` table (as `find_root` looks)."""
    if (folder / "governance.yml").is_file():
        return True
    pyproject = folder / "pyproject.toml"
    return pyproject.is_file() and "[tool.kbops" in pyproject.read_text(encoding="utf-8", errors="replace")


def find_root(start: Path | None = None) -> Path:
    """The knowledge-base root: $KB_ROOT, else the nearest folder upward with governance.yml or [tool.kbops]."""
    env = os.environ.get("KB_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_knowledge_base(folder):
            return folder
    return here


def load_settings(root: Path | None = None, **overrides: Any) -> Settings:
    """Read `[tool.kbops]` from pyproject.toml under `root` once and validate every table (kbops.configuration):
    every problem is reported together, with its key path, before anything runs."""
    from kbops.configuration import validate_config  # imports each domain's settings model

    root = (root or find_root()).resolve()
    table: dict[str, Any] = {}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            table = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("kbops", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{pyproject}: {exc}") from None
    if not isinstance(table, dict):
        raise ConfigError("pyproject.toml [tool.kbops]: expected a table")
    table = {**table, **{key: value for key, value in overrides.items() if value is not None}}
    config, problems = validate_config(table)
    if problems or config is None:
        raise ConfigError(problems)
    sections = {key: value for key, value in table.items() if key in KNOWN_SECTIONS and isinstance(value, dict)}
    return Settings(
        root=root,
        roots=tuple(config.roots),
        default_locale=config.default_locale,
        locales=tuple(config.locales),
        today=config.today,
        sections=sections,
        config=config,
    )
