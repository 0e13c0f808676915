"""One model of every `[tool.kbops]` table, validated whole: every problem reported at once with its key path.

`kbops.config.load_settings` reads pyproject.toml once and validates it here; each domain then gets
its typed section (`settings.section("search", SearchConfig)` returns the validated `SearchConfig`).
The defaults live in the domain models; `kb config` prints the effective configuration and
`kb config --schema` its JSON Schema (for editors' TOML validation).
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import TYPE_CHECKING, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from kbops import locale as locales
from kbops.analytics.options import AnalyticsConfig
from kbops.lint.settings import LintSettings
from kbops.search.config import SearchConfig
from kbops.server.config import ServerConfig

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

SOURCE = "pyproject.toml"


class SiteConfig(BaseModel):
    """`[tool.kbops.site]`: reserved; the site is configured in mkdocs.yml (no key is read here yet)."""

    model_config = ConfigDict(extra="forbid")


class GovernanceConfig(BaseModel):
    """`[tool.kbops.governance]`: reserved; governance lives in governance.yml (no key is read here yet)."""

    model_config = ConfigDict(extra="forbid")


class KbopsConfig(BaseModel):
    """`[tool.kbops]` in pyproject.toml: the knowledge base's layout, languages and every domain's settings."""

    model_config = ConfigDict(extra="forbid", title="kbops configuration ([tool.kbops] in pyproject.toml)")

    roots: list[str] = Field(
        default=["kb", "sops", "playbooks"], min_length=1, description="Content folders, the MkDocs docs_dir among them"
    )
    default_locale: str = Field(
        default=locales.DEFAULT_LOCALE,
        pattern=locales.LOCALE_PATTERN,
        description="Locale of docs without `locale:` and of the site's root section",
    )
    locales: list[str] = Field(
        default=list(locales.DEFAULT_LOCALES),
        min_length=1,
        description="Locales the knowledge base is written in (BCP 47: en, pt, pt-BR); language data in kbops/locales/",
    )
    today: str | None = Field(
        default=None, description="Fixed date (YYYY-MM-DD) for reproducible runs; unset = the real date"
    )
    lint: LintSettings = Field(default_factory=LintSettings)
    search: SearchConfig = Field(default_factory=SearchConfig)
    site: SiteConfig = Field(default_factory=SiteConfig)
    analytics: AnalyticsConfig = Field(default_factory=AnalyticsConfig)
    governance: GovernanceConfig = Field(default_factory=GovernanceConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)

    @field_validator("locales")
    @classmethod
    def _locale_codes(cls, value: list[str]) -> list[str]:
        problems = locales.locale_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("today")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is not None:
            dt.date.fromisoformat(value)  # ValueError: "Invalid isoformat string"
        return value


SECTIONS = ("lint", "search", "site", "analytics", "governance", "server")


def validate_config(table: dict[str, Any]) -> tuple[KbopsConfig | None, list[str]]:
    """The validated configuration, or None and every problem (`pyproject.toml [tool.kbops.search] key: message`)."""
    problems: list[str] = []
    config = None
    try:
        config = KbopsConfig.model_validate(table)
    except pydantic.ValidationError as exc:
        problems.extend(_describe(error) for error in exc.errors())
    default = table.get("default_locale", locales.DEFAULT_LOCALE)
    configured = table.get("locales", list(locales.DEFAULT_LOCALES))
    if (
        isinstance(configured, list)
        and configured
        and locales.is_locale(default)
        and all(map(locales.is_locale, configured))
    ):
        if default not in configured:
            problems.append(
                f"{SOURCE} [tool.kbops] default_locale: {default!r} is not one of locales ({', '.join(configured)})"
            )
    return (None if problems else config), problems


def _describe(error: ErrorDetails) -> str:
    """One pydantic error as `pyproject.toml [tool.kbops.<table>] <key path>: <message>`."""
    path = [str(part) for part in error["loc"]]
    table = "tool.kbops"
    if path and path[0] in SECTIONS and len(path) > 1:
        table, path = f"tool.kbops.{path[0]}", path[1:]
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys([str(part) for part in error["loc"][:-1]])
        message = (
            f"unknown key; allowed: {', '.join(allowed)}" if allowed else "unknown key; this table has no settings yet"
        )
    elif error["type"] == "model_type" and path and path[0] in SECTIONS:
        message = "expected a table"
    value = error.get("input")
    shown = (
        f" (got {value!r:.60})"
        if error["type"] not in ("extra_forbidden", "missing", "model_type") and not isinstance(value, dict)
        else ""
    )
    return f"{SOURCE} [{table}] {'.'.join(path)}: {message}{shown}"


def _allowed_keys(path: list[str]) -> list[str]:
    """The keys of the table at `path` (`["lint", "terms", "en"]` -> a TermList's keys)."""
    model: Any = KbopsConfig
    for part in path:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            model = field.annotation if field is not None else None
        elif typing.get_origin(model) is dict:
            model = typing.get_args(model)[1]  # dict[str, TermList]: any key, then the value's model
        else:
            return []
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def config_json_schema() -> dict:
    """JSON Schema of `[tool.kbops]` (editors validate pyproject.toml with it, e.g. taplo / Even Better TOML)."""
    schema = KbopsConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://kbops.dev/schema/config.json"
    return schema


def effective_config(config: KbopsConfig) -> dict[str, Any]:
    """Every setting with the value in force (defaults filled in), as plain JSON data; secrets show as "(set)"."""
    data = config.model_dump(mode="json")
    for section in ("server", "analytics"):
        if data[section].get("user_salt") is not None:
            data[section]["user_salt"] = "(set)"  # the pseudonym salt: knowing it re-identifies users
    return data


def effective_toml(data: dict[str, Any]) -> str:
    """The effective configuration as a `[tool.kbops]` TOML block; unset settings are listed as comments."""
    import tomli_w

    def split(table: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        kept = {k: (split(v)[0] if isinstance(v, dict) else v) for k, v in table.items() if v is not None}
        return kept, [k for k, v in table.items() if v is None]

    lines = []
    top, unset = split({k: v for k, v in data.items() if k not in SECTIONS})
    lines.append("[tool.kbops]\n" + tomli_w.dumps(top) + "".join(f"# {k} = (unset)\n" for k in unset))
    for name in SECTIONS:
        body, unset = split(data.get(name) or {})
        nested = {k: v for k, v in body.items() if isinstance(v, dict)}
        flat = {k: v for k, v in body.items() if not isinstance(v, dict)}
        text = tomli_w.dumps(flat) + "".join(f"# {k} = (unset)\n" for k in unset)
        text += "".join(f"{k} = {_inline(v)}\n" for k, v in nested.items())
        lines.append(f"[tool.kbops.{name}]\n{text}")
    return "\n".join(lines)


def _inline(value: dict[str, Any]) -> str:
    import tomli_w

    parts = []
    for key, item in value.items():
        rendered = _inline(item) if isinstance(item, dict) else tomli_w.dumps({"x": item}).split(" = ", 1)[1].strip()
        parts.append(f"{tomli_w.dumps({key: 0}).split(' = ', 1)[0]} = {rendered}")
    return "{" + ", ".join(parts) + "}"
