"""The import mapping: defaults in code, overridden by a YAML mapping file (`kb import ... --mapping FILE`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field

from kbops.errors import ConfigError
from kbops.locale import language_of
from kbops.model.governance import Governance
from kbops.model.safe_yaml import config_yaml_problem, load_config_yaml

AudienceName = Literal["public", "partner", "internal"]


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: str | None = Field(default=None, description="taxonomy product key (categories)")
    folder: str | None = Field(
        default=None, description="folder under kb/ (a category's, or a section's name inside it)"
    )


class Owners(BaseModel):
    model_config = ConfigDict(extra="forbid")

    authors: dict[int, str] = Field(default_factory=dict, description="Zendesk author id -> owner key")
    permission_groups: dict[int, str] = Field(default_factory=dict, description="permission group id -> owner key")
    people: dict[str, str] = Field(default_factory=dict, description="Markdown `ms.author` / `author` -> owner key")


class Mapping(BaseModel):
    """How upstream things become kbops things. Every key is optional."""

    model_config = ConfigDict(extra="forbid")

    default_owner: str | None = Field(
        default=None, description="owner when no mapping applies (default: the first team)"
    )
    owners: Owners = Field(default_factory=Owners)
    # Zendesk user segment id -> audience; unmapped: staff -> internal, signed-in users (any org/tag) -> partner
    segments: dict[int, AudienceName] = Field(default_factory=dict)
    categories: dict[int, Place] = Field(default_factory=dict)
    sections: dict[int, Place] = Field(default_factory=dict)
    labels: dict[str, str | None] = Field(default_factory=dict, description="label -> tag key; null drops it")
    locales: dict[str, str] = Field(default_factory=dict, description="upstream locale -> kbops locale (en-us -> en)")
    # Lint codes that do not stop an imported doc from staying published (they are still reported).
    publish_despite: list[str] = Field(default_factory=lambda: ["KB401", "KB402"])

    def check_owners(self, governance: Governance) -> None:
        named = [self.default_owner] if self.default_owner else []
        named += [*self.owners.authors.values(), *self.owners.permission_groups.values(), *self.owners.people.values()]
        unknown = sorted({o for o in named if not governance.is_owner(o)})
        if unknown:
            raise ConfigError([f"mapping: owner {o!r} is not a team or person in governance.yml" for o in unknown])


def load_mapping(path: Path | None) -> Mapping:
    if path is None:
        return Mapping()
    try:
        data = load_config_yaml(path) or {}
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise ConfigError(config_yaml_problem(path, exc)) from None
    try:
        return Mapping.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ConfigError([f"{path.name}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from None


def default_owner(mapping: Mapping, governance: Governance) -> str:
    if mapping.default_owner:
        return mapping.default_owner
    if governance.teams:
        return next(iter(governance.teams))
    if governance.people:
        return next(iter(governance.people))
    raise ConfigError("governance.yml declares no team or person to own imported docs; add one (or run `kb init`)")


def kb_locale(upstream: str, mapping: Mapping, configured: tuple[str, ...]) -> str | None:
    """`en-us` -> `en-US` if configured, else `en` if configured; None when the KB has no such language."""
    if upstream in mapping.locales:
        return mapping.locales[upstream]
    lowered = {loc.lower(): loc for loc in configured}
    if upstream.lower() in lowered:
        return lowered[upstream.lower()]
    language = language_of(upstream)
    return lowered.get(language)
