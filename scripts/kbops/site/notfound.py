"""A 404 page per site language: `/<locale>/404.html` in the reader's language (the root 404.html is the default's).

Rendered from the theme's 404 template like MkDocs renders the root one (absolute URLs, so it works at any
depth), once per locale with that locale as the interface language. `kb serve` answers a missing page under
`/<locale>/` with it; static hosts that support per-folder error pages can do the same.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

NOT_FOUND_LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "Page not found", "es": "Página no encontrada", "fr": "Page introuvable"},
    "text": {
        "en": "This page does not exist, or you need to sign in to see it. Search above, or start again from the home page.",
        "es": "Esta página no existe o necesitas iniciar sesión para verla. Busca arriba o vuelve a la página de inicio.",
        "fr": "Cette page n'existe pas, ou vous devez vous connecter pour la voir. Cherchez ci-dessus, ou repartez de l'accueil.",
    },
    "home": {"en": "Go to the home page", "es": "Ir a la página de inicio", "fr": "Aller à l'accueil"},
}


def not_found_words(locales: tuple[str, ...], site_url: str | None) -> dict[str, dict[str, str]]:
    """{locale: words and home URL} for the 404 template (English where a word is missing)."""
    base = urlsplit(site_url or "/").path or "/"
    base = base if base.endswith("/") else base + "/"
    default = locales[0] if locales else "en"
    words = {}
    for loc in locales:
        words[loc] = {key: table.get(loc) or table["en"] for key, table in NOT_FOUND_LABELS.items()}
        words[loc]["home_url"] = base if loc == default else f"{base}{loc}/"
    return words


def write_localized_404s(config, nav, files, env=None) -> list[str]:
    """Render the theme's 404 template for each non-default locale into `<site>/<locale>/404.html`."""
    from mkdocs.commands.build import get_context

    kb = config.extra.get("kbops") or {}
    locales = list((kb.get("not_found") or {}).keys())
    default = kb.get("default_locale")
    env = env or config.theme.get_env()
    template = env.get_template("404.html")
    base_url = urlsplit(config.site_url or "/").path
    written = []
    try:
        for loc in locales:
            if loc == default:
                continue
            kb["default_locale"] = loc  # the interface language of a page-less template (partials/language.html)
            html = template.render(get_context(nav, files, config, base_url=base_url))
            target = Path(config.site_dir) / loc / "404.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
            written.append(f"{loc}/404.html")
    finally:
        kb["default_locale"] = default
    return written
