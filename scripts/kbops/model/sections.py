"""Required H2 sections per document type, with their accepted Spanish and French names."""
from __future__ import annotations

import re
import unicodedata

# type -> required H2 sections, in their English (canonical) names and reading order
REQUIRED_SECTIONS: dict[str, tuple[str, ...]] = {
    "troubleshooting": ("Symptoms", "Cause", "Resolution"),
    "sop": ("Purpose", "Scope", "Procedure", "Escalation"),
    "playbook": ("Trigger", "Steps", "Communication"),
}

# locale -> canonical English name -> the name writers use in that locale
SECTION_NAMES: dict[str, dict[str, str]] = {
    "es": {
        "Purpose": "Propósito", "Scope": "Alcance", "Procedure": "Procedimiento", "Escalation": "Escalado",
        "Symptoms": "Síntomas", "Cause": "Causa", "Resolution": "Resolución",
        "Trigger": "Disparador", "Steps": "Pasos", "Communication": "Comunicación",
    },
    "fr": {
        "Purpose": "Objet", "Scope": "Périmètre", "Procedure": "Procédure", "Escalation": "Escalade",
        "Symptoms": "Symptômes", "Cause": "Cause", "Resolution": "Résolution",
        "Trigger": "Déclencheur", "Steps": "Étapes", "Communication": "Communication",
    },
}


def normalize_heading(text: str) -> str:
    """Case- and accent-insensitive form of a heading, without numbering or a trailing colon."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"^\s*(?:\d+[.)]\s*)+", "", text)
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip().casefold()


def section_names(section: str, locale: str | None = None) -> tuple[str, ...]:
    """Every accepted name of a canonical section: English plus `locale`'s (or every locale's when None)."""
    locales = [locale] if locale else list(SECTION_NAMES)
    names = [section] + [SECTION_NAMES[loc][section] for loc in locales if section in SECTION_NAMES.get(loc, {})]
    return tuple(dict.fromkeys(names))


def localized(section: str, locale: str) -> str:
    return SECTION_NAMES.get(locale, {}).get(section, section)
