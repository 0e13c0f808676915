"""taxonomy.yml: the controlled vocabulary of products, tags and intents, with labels per language."""

from __future__ import annotations

from pathlib import Path

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field

from kbops.errors import ConfigError
from kbops.locale import language_of
from kbops.model.safe_yaml import config_yaml_problem, load_config_yaml


class Term(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(description="English label")
    labels: dict[str, str] = Field(
        default_factory=dict, description="language -> label, e.g. {pt: Cartões, de: Karten}"
    )
    es: str | None = Field(default=None, description="Spanish label (older spelling of labels: {es: ...})")
    fr: str | None = Field(default=None, description="French label (older spelling of labels: {fr: ...})")
    description: str = ""
    synonyms: dict[str, list[str]] = Field(default_factory=dict, description="locale -> search synonyms")

    def label_for(self, locale: str) -> str:
        """The label in a locale's language (`labels`, or the `es`/`fr` keys), else the English label."""
        language = language_of(locale)
        return (
            self.labels.get(locale)
            or self.labels.get(language)
            or {"es": self.es, "fr": self.fr}.get(language)
            or self.label
        )


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    products: dict[str, Term] = Field(default_factory=dict)
    tags: dict[str, Term] = Field(default_factory=dict)
    intents: dict[str, Term] = Field(default_factory=dict)
    # Search synonyms per locale: groups of interchangeable words, e.g. es: [["tarjeta", "plastico"]].
    synonyms: dict[str, list[list[str]]] = Field(default_factory=dict)


def load_taxonomy(path: Path) -> Taxonomy:
    if not path.is_file():
        raise ConfigError(f"{path}: not found; every knowledge base needs a taxonomy.yml")
    try:
        data = load_config_yaml(path) or {}
        return Taxonomy.model_validate(data)
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise ConfigError(config_yaml_problem(path, exc)) from None
    except pydantic.ValidationError as exc:
        raise ConfigError([f"{path.name}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from None
