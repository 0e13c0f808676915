"""Words the site shows around the content (banners, trust line, navigation), in en/es/fr."""
from __future__ import annotations

LOCALE_NAMES = {"en": "English", "es": "Español", "fr": "Français"}

_LABELS: dict[str, dict[str, str]] = {
    "owner": {"en": "Owner", "es": "Responsable", "fr": "Responsable"},
    "last_reviewed": {"en": "Last reviewed", "es": "Última revisión", "fr": "Dernière révision"},
    "never_reviewed": {"en": "never", "es": "nunca", "fr": "jamais"},
    "review_due": {"en": "Next review", "es": "Próxima revisión", "fr": "Prochaine révision"},
    "overdue_title": {"en": "Review overdue", "es": "Revisión vencida", "fr": "Révision en retard"},
    "overdue_text": {
        "en": "This page was due for review on {due}. Double-check critical steps with your team lead before relying on it.",
        "es": "Esta página debía revisarse el {due}. Confirma los pasos críticos con tu responsable antes de aplicarlos.",
        "fr": "Cette page devait être révisée le {due}. Vérifiez les étapes critiques avec votre responsable avant de l'appliquer.",
    },
    "never_text": {
        "en": "This page has never been reviewed. Double-check critical steps with your team lead before relying on it.",
        "es": "Esta página nunca ha sido revisada. Confirma los pasos críticos con tu responsable antes de aplicarlos.",
        "fr": "Cette page n'a jamais été révisée. Vérifiez les étapes critiques avec votre responsable avant de l'appliquer.",
    },
    "deprecated_title": {"en": "Deprecated", "es": "Obsoleto", "fr": "Obsolète"},
    "deprecated_text": {
        "en": "This page is deprecated and kept for reference only.",
        "es": "Esta página está obsoleta y se conserva solo como referencia.",
        "fr": "Cette page est obsolète et conservée uniquement pour référence.",
    },
    "deprecated_use": {"en": "Use {link} instead.", "es": "Usa {link} en su lugar.", "fr": "Utilisez plutôt {link}."},
    "draft_title": {"en": "Draft", "es": "Borrador", "fr": "Brouillon"},
    "draft_text": {
        "en": "Draft preview ({status}): this page is not published and may change.",
        "es": "Vista previa de borrador ({status}): esta página no está publicada y puede cambiar.",
        "fr": "Aperçu de brouillon ({status}) : cette page n'est pas publiée et peut changer.",
    },
    "outdated_title": {"en": "Outdated translation", "es": "Traducción desactualizada", "fr": "Traduction obsolète"},
    "outdated_text": {
        "en": "The original page changed after this translation was made.",
        "es": "La página original cambió después de hacerse esta traducción.",
        "fr": "La page originale a changé depuis cette traduction.",
    },
    "outdated_read": {"en": "Read the original: {link}.", "es": "Consulta el original: {link}.", "fr": "Lire l'original : {link}."},
    "also_in": {"en": "Also in", "es": "También en", "fr": "Aussi en"},
    "tags": {"en": "Tags", "es": "Etiquetas", "fr": "Étiquettes"},
    "link_unavailable": {"en": "(link not available)", "es": "(enlace no disponible)", "fr": "(lien non disponible)"},
    "home": {"en": "Home", "es": "Inicio", "fr": "Accueil"},
    "other": {"en": "Other", "es": "Otros", "fr": "Autres"},
    "browse": {"en": "Browse", "es": "Explorar", "fr": "Parcourir"},
    "documents": {"en": "documents", "es": "documentos", "fr": "documents"},
    "all_tags": {"en": "All tags", "es": "Todas las etiquetas", "fr": "Toutes les étiquettes"},
    "tagged": {"en": "Pages tagged", "es": "Páginas con la etiqueta", "fr": "Pages avec l'étiquette"},
}

TYPE_LABELS: dict[str, dict[str, str]] = {
    "article": {"en": "Help articles", "es": "Artículos de ayuda", "fr": "Articles d'aide"},
    "sop": {"en": "Procedures (SOPs)", "es": "Procedimientos (SOP)", "fr": "Procédures (SOP)"},
    "troubleshooting": {"en": "Troubleshooting", "es": "Resolución de problemas", "fr": "Dépannage"},
    "playbook": {"en": "Playbooks", "es": "Playbooks", "fr": "Playbooks"},
    "template": {"en": "Response templates", "es": "Plantillas de respuesta", "fr": "Modèles de réponse"},
}
TYPE_ORDER = tuple(TYPE_LABELS)

AUDIENCE_LANDING: dict[str, dict[str, str]] = {
    "public": {
        "title": "Browse the help center",
        "intro": "Answers for cardholders and finance teams, grouped by topic.",
    },
    "partner": {
        "title": "Partner agent portal",
        "intro": "Help articles plus the procedures and troubleshooting guides BPO agents follow on contacts.",
    },
    "internal": {
        "title": "Staff knowledge base",
        "intro": "Everything published: customer articles, partner procedures and internal playbooks.",
    },
}


def label(key: str, locale: str) -> str:
    """A site label in `locale`, falling back to English."""
    words = _LABELS[key]
    return words.get(locale) or words["en"]


def type_label(doc_type: str, locale: str) -> str:
    words = TYPE_LABELS.get(doc_type, {"en": doc_type.title()})
    return words.get(locale) or words["en"]
