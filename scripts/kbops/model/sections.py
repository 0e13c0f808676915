"""Required H2 sections per document type, and their accepted names per locale (data only)."""
from __future__ import annotations

# type -> canonical (English) H2 headings every document of that type must have, in this order.
REQUIRED_SECTIONS: dict[str, list[str]] = {
    "sop": ["Purpose", "Scope", "Procedure", "Escalation"],
    "troubleshooting": ["Symptoms", "Cause", "Resolution"],
    "playbook": ["Trigger", "Steps", "Communication"],
}

# locale -> canonical heading -> the heading a translation in that locale uses instead.
SECTION_NAMES: dict[str, dict[str, str]] = {
    "en": {name: name for names in REQUIRED_SECTIONS.values() for name in names},
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
