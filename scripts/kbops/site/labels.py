"""Words the site shows around the content (banners, trust line, navigation), in en/es/fr here and in every
language with a `site:` block in kbops/locales/<language>/language.yml (merged in at the end of this module)."""

from __future__ import annotations

from kbops import locale as locales

LOCALE_NAMES = {"en": "English", "es": "Español", "fr": "Français"}  # each language by its own name (selectors)
# A language named inside a sentence of another ("Solo en inglés").
LANGUAGE_IN: dict[str, dict[str, str]] = {
    "en": {"en": "English", "es": "Spanish", "fr": "French"},
    "es": {"en": "inglés", "es": "español", "fr": "francés"},
    "fr": {"en": "anglais", "es": "espagnol", "fr": "français"},
}


def language_in(language: str, locale: str) -> str:
    """The name of `language` in a sentence written in `locale`."""
    names = LANGUAGE_IN.get(locale) or LANGUAGE_IN.get(locales.language_of(locale)) or LANGUAGE_IN["en"]
    return names.get(language) or LOCALE_NAMES.get(language, language)


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
    "outdated_read": {
        "en": "Read the original: {link}.",
        "es": "Consulta el original: {link}.",
        "fr": "Lire l'original : {link}.",
    },
    "also_in": {"en": "Also in", "es": "También en", "fr": "Aussi en"},
    "tags": {"en": "Tags", "es": "Etiquetas", "fr": "Étiquettes"},
    "link_unavailable": {"en": "(link not available)", "es": "(enlace no disponible)", "fr": "(lien non disponible)"},
    "home": {"en": "Home", "es": "Inicio", "fr": "Accueil"},
    "other": {"en": "Other", "es": "Otros", "fr": "Autres"},
    "browse": {"en": "Browse", "es": "Explorar", "fr": "Parcourir"},
    "documents": {"en": "documents", "es": "documentos", "fr": "documents"},
    "all_tags": {"en": "All tags", "es": "Todas las etiquetas", "fr": "Toutes les étiquettes"},
    "tagged": {"en": "Pages tagged", "es": "Páginas con la etiqueta", "fr": "Pages avec l'étiquette"},
    "only_in": {"en": "Only in {language}", "es": "Solo en {language}", "fr": "Uniquement en {language}"},
    "only_in_intro": {
        "en": "These pages have no translation yet; they open in {language}.",
        "es": "Estas páginas aún no están traducidas; se abren en {language}.",
        "fr": "Ces pages ne sont pas encore traduites ; elles s'ouvrent en {language}.",
    },
    "all_in": {"en": "Everything in {language}", "es": "Todo en {language}", "fr": "Tout en {language}"},
    "made_with": {"en": "Made with", "es": "Hecho con", "fr": "Réalisé avec"},
}

# The header's sign-in state and the sign-in page (`kb serve`), in the page's language.
AUTH_LABELS: dict[str, dict[str, str]] = {
    "sign_in": {"en": "Agent sign-in", "es": "Acceso de agentes", "fr": "Connexion agent"},
    "sign_out": {"en": "Sign out", "es": "Cerrar sesión", "fr": "Se déconnecter"},
    "signed_in_as": {"en": "Signed in", "es": "Sesión iniciada", "fr": "Connecté"},
    "title": {"en": "Agent sign-in", "es": "Acceso de agentes", "fr": "Connexion des agents"},
    "intro": {
        "en": "Partner and staff agents sign in with the access key their team lead gave them to see procedures and troubleshooting guides.",
        "es": "Los agentes colaboradores y el personal inician sesión con la clave de acceso que les dio su responsable para ver procedimientos y guías de resolución.",
        "fr": "Les agents partenaires et le personnel se connectent avec la clé d'accès fournie par leur responsable pour voir les procédures et guides de dépannage.",
    },
    "key_label": {"en": "Access key", "es": "Clave de acceso", "fr": "Clé d'accès"},
    "key_hint": {
        "en": "Paste the whole key; it starts with kb_.",
        "es": "Pega la clave completa; empieza por kb_.",
        "fr": "Collez la clé entière ; elle commence par kb_.",
    },
    "submit": {"en": "Sign in", "es": "Iniciar sesión", "fr": "Se connecter"},
    "public_note": {
        "en": "Without a key you see the public help center.",
        "es": "Sin clave ves el centro de ayuda público.",
        "fr": "Sans clé, vous voyez le centre d'aide public.",
    },
    "error_key": {
        "en": "This key was not accepted. Check that you pasted all of it, or ask your team lead for a new one.",
        "es": "No se aceptó esta clave. Comprueba que la pegaste completa o pide una nueva a tu responsable.",
        "fr": "Cette clé n'a pas été acceptée. Vérifiez que vous l'avez collée en entier, ou demandez-en une nouvelle à votre responsable.",
    },
    "error_empty": {
        "en": "Enter your access key.",
        "es": "Escribe tu clave de acceso.",
        "fr": "Saisissez votre clé d'accès.",
    },
    "error_static": {
        "en": "Sign-in works only when the site is served by kb serve.",
        "es": "El inicio de sesión solo funciona cuando el sitio lo sirve kb serve.",
        "fr": "La connexion ne fonctionne que lorsque le site est servi par kb serve.",
    },
}
AUDIENCE_NAMES: dict[str, dict[str, str]] = {
    "public": {"en": "Public", "es": "Público", "fr": "Public"},
    "partner": {"en": "Partner agent", "es": "Agente colaborador", "fr": "Agent partenaire"},
    "internal": {"en": "Staff", "es": "Personal interno", "fr": "Personnel interne"},
}

# The search box's own words when it queries `/api/search` (Material's translations cover the rest).
SEARCH_LABELS: dict[str, dict[str, str]] = {
    "did_you_mean": {"en": "Did you mean {q}?", "es": "¿Quisiste decir {q}?", "fr": "Vouliez-vous dire {q} ?"},
    "showing_for": {"en": "Showing results for {q}", "es": "Mostrando resultados de {q}", "fr": "Résultats pour {q}"},
    "filters": {"en": "Filter results", "es": "Filtrar resultados", "fr": "Filtrer les résultats"},
    "all": {"en": "All", "es": "Todo", "fr": "Tout"},
    "type": {"en": "Type", "es": "Tipo", "fr": "Type"},
    "product": {"en": "Product", "es": "Producto", "fr": "Produit"},
    "locale": {"en": "Language", "es": "Idioma", "fr": "Langue"},
    "unavailable": {
        "en": "Search is not available right now.",
        "es": "La búsqueda no está disponible en este momento.",
        "fr": "La recherche n'est pas disponible pour le moment.",
    },
}

TYPE_LABELS: dict[str, dict[str, str]] = {
    "article": {"en": "Help articles", "es": "Artículos de ayuda", "fr": "Articles d'aide"},
    "sop": {"en": "Procedures (SOPs)", "es": "Procedimientos (SOP)", "fr": "Procédures (SOP)"},
    "troubleshooting": {"en": "Troubleshooting", "es": "Resolución de problemas", "fr": "Dépannage"},
    "playbook": {"en": "Playbooks", "es": "Playbooks", "fr": "Playbooks"},
    "template": {"en": "Response templates", "es": "Plantillas de respuesta", "fr": "Modèles de réponse"},
}
TYPE_ORDER = tuple(TYPE_LABELS)

AUDIENCE_LANDING: dict[str, dict[str, dict[str, str]]] = {
    "public": {
        "en": {
            "title": "Browse the help center",
            "intro": "Answers for cardholders and finance teams, grouped by topic.",
        },
        "es": {
            "title": "Explora el centro de ayuda",
            "intro": "Respuestas para titulares de tarjetas y equipos de finanzas, por tema.",
        },
        "fr": {
            "title": "Parcourir le centre d'aide",
            "intro": "Des réponses pour les titulaires de cartes et les équipes financières, par thème.",
        },
    },
    "partner": {
        "en": {
            "title": "Partner agent portal",
            "intro": "Help articles plus the procedures and troubleshooting guides BPO agents follow on contacts.",
        },
        "es": {
            "title": "Portal de agentes colaboradores",
            "intro": "Artículos de ayuda y los procedimientos y guías de resolución que siguen los agentes BPO.",
        },
        "fr": {
            "title": "Portail des agents partenaires",
            "intro": "Articles d'aide, procédures et guides de dépannage suivis par les agents BPO.",
        },
    },
    "internal": {
        "en": {
            "title": "Staff knowledge base",
            "intro": "Everything published: customer articles, partner procedures and internal playbooks.",
        },
        "es": {
            "title": "Base de conocimiento interna",
            "intro": "Todo lo publicado: artículos para clientes, procedimientos de socios y playbooks internos.",
        },
        "fr": {
            "title": "Base de connaissances interne",
            "intro": "Tout ce qui est publié : articles clients, procédures partenaires et playbooks internes.",
        },
    },
}


def label(key: str, locale: str) -> str:
    """A site label in `locale`, falling back to English."""
    return _pick(_LABELS[key], locale)


def landing_words(audience: str, locale: str) -> dict[str, str]:
    words = AUDIENCE_LANDING[audience]  # every audience has its words (kbops.publishing.AUDIENCES)
    return _pick(words, locale)


def localized(table: dict[str, dict[str, str]], locale: str) -> dict[str, str]:
    """One language's column of a label table (English where a word is missing)."""
    return {key: _pick(words, locale) for key, words in table.items()}


def type_label(doc_type: str, locale: str) -> str:
    return _pick(TYPE_LABELS.get(doc_type, {"en": doc_type.title()}), locale)


def _pick(words: dict, locale: str):
    """The word of a locale (pt-BR), else of its language (pt), else the English one."""
    return words.get(locale) or words.get(locales.language_of(locale)) or words["en"]


def _add_language_data() -> None:
    """Languages whose site words are data (kbops/locales/<language>/language.yml `site:`) join the tables above."""
    tables = {
        "labels": _LABELS,
        "auth": AUTH_LABELS,
        "audiences": AUDIENCE_NAMES,
        "search": SEARCH_LABELS,
        "types": TYPE_LABELS,
    }
    for code in locales.shipped_languages():
        LOCALE_NAMES.setdefault(code, locales.language_name(code))
        LANGUAGE_IN.setdefault(code, {}).update(
            {
                k: v
                for k, v in (locales.language_data(code, "language_names") or {}).items()
                if k not in LANGUAGE_IN[code]
            }
        )
        site = locales.language_data(code, "site") or {}
        for group, table in tables.items():
            for key, word in (site.get(group) or {}).items():
                if key in table:
                    table[key].setdefault(code, word)
        for audience, words in (site.get("landing") or {}).items():
            if audience in AUDIENCE_LANDING:
                AUDIENCE_LANDING[audience].setdefault(code, words)


_add_language_data()
