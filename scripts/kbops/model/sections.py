"""Required H2 sections per document type, and their accepted names per language (from kbops/locales data)."""

from __future__ import annotations

from kbops import locale as locales

# type -> canonical (English) H2 headings every document of that type must have, in this order.
REQUIRED_SECTIONS: dict[str, list[str]] = {
    "sop": ["Purpose", "Scope", "Procedure", "Escalation"],
    "troubleshooting": ["Symptoms", "Cause", "Resolution"],
    "playbook": ["Trigger", "Steps", "Communication"],
}

# language -> canonical heading -> the heading a document in that language uses instead
# (`sections:` of kbops/locales/<language>/language.yml; a language without data uses the English names).
SECTION_NAMES: dict[str, dict[str, str]] = {code: locales.section_names(code) for code in locales.shipped_languages()}
