"""The `kbops` MkDocs plugin: thin wiring from MkDocs events to the staging library.

`on_config` stages the audience's filtered, bannered docs tree and points `docs_dir` at it, so MkDocs
(and any generator reading mkdocs.yml) never sees content above the audience.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from kbops.config import Settings, load_settings
from kbops.errors import KbError
from kbops.locale import interface_language, site_words
from kbops.publishing import ANONYMOUS_AUDIENCE, AUDIENCES, require_audience
from kbops.site.i18n import material_languages
from kbops.site.labels import LOCALE_NAMES
from kbops.site.marker import insert_marker
from kbops.site.notfound import not_found_words, write_localized_404s
from kbops.site.render import insert_chrome
from kbops.site.sanitize import clean_html, clean_text, walk_toc
from kbops.site.stage import StageResult, stage_site

log = logging.getLogger("mkdocs.plugins.kbops")
THEME_DIR = Path(__file__).parent / "theme"
REQUIRED_EXTENSIONS = ("admonition", "attr_list", "md_in_html", "toc")


class KbopsPluginConfig(Config):
    audience = c.Optional(c.Choice(AUDIENCES))  # default: $KB_AUDIENCE, else public
    draft_preview = c.Type(bool, default=False)
    events_endpoint = c.Type(str, default="/api/events")
    contact_url = c.Type(str, default="mailto:support@northwind-spend.example")
    navigation = c.Type(bool, default=True)  # generate nav by locale, type and product
    search_endpoint = c.Type(str, default="/api/search")  # used by the search box when `kb serve` answers
    whoami_endpoint = c.Type(str, default="/api/whoami")  # tells the page it is served by `kb serve`, and who reads


class KbopsPlugin(BasePlugin[KbopsPluginConfig]):
    """Audience-scoped builds with trust signals and event logging."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.result: StageResult | None = None
        self.sources: list[Path] = []
        self.settings: Settings | None = None  # set by `build_site` so its flags (e.g. --today) apply
        self._nav = self._files = self._env = None

    @property
    def audience(self) -> str:
        return self.config.audience or os.environ.get("KB_AUDIENCE") or ANONYMOUS_AUDIENCE

    def on_config(self, config):
        audience = self.audience
        try:
            require_audience(audience)
        except KbError as exc:
            raise PluginError(f"kbops: {exc} (from KB_AUDIENCE)") from None
        root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        try:
            settings = self.settings or load_settings(root)
            self.result = stage_site(
                settings,
                audience,
                include_drafts=self.config.draft_preview,
                use_directory_urls=config.use_directory_urls,
                site_name=config.site_name,
            )
        except KbError as exc:
            raise PluginError(f"kbops: {exc}") from None
        for problem in self.result.problems:
            log.warning(problem)
        self.sources = [settings.root / r for r in settings.roots] + [settings.governance_path, settings.taxonomy_path]
        config.docs_dir = str(self.result.docs_dir)
        if self.config.navigation:
            config.nav = self.result.nav
        for name in REQUIRED_EXTENSIONS:
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
        if THEME_DIR.as_posix() not in [str(d) for d in config.theme.dirs]:
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
        analytics = dict(config.extra.get("analytics") or {})
        if analytics.get("provider", "kbops") == "kbops":
            analytics.setdefault("provider", "kbops")
            analytics.setdefault("endpoint", self.config.events_endpoint)
            config.extra["analytics"] = analytics
        staged = self.result
        languages = material_languages()
        config.extra["kbops"] = {
            "audience": audience,
            "contact_url": self.config.contact_url,
            "endpoint": self.config.events_endpoint,
            "search_endpoint": self.config.search_endpoint,
            "whoami_endpoint": self.config.whoami_endpoint,
            "default_locale": staged.locales[0],
            # Material's interface language per locale (pt-BR, else pt); a locale it lacks keeps theme.language.
            "ui_languages": {loc: interface_language(loc, languages, "") for loc in staged.locales},
            "feedback": {loc: site_words(loc, "feedback") for loc in staged.locales},
            "nav_sections": {LOCALE_NAMES.get(loc, loc): loc for loc in staged.locales},
            "site_names": staged.site_names,
            "header": staged.header,
            "locale_names": {loc: LOCALE_NAMES.get(loc, loc) for loc in staged.locales},
            "not_found": not_found_words(staged.locales, config.site_url),
        }
        if "assets/kbops/kbops.css" not in config.extra_css:
            config.extra_css.append("assets/kbops/kbops.css")
        log.info(
            "kbops: %s edition staged at %s (%d docs, %d pages)",
            audience,
            self.result.docs_dir,
            self.result.docs,
            self.result.pages,
        )
        return config

    def on_page_content(self, html, page, config, files):
        kb = page.meta.get("kbops") if page.meta else None
        kb = kb if isinstance(kb, dict) else {}
        # Whatever lint and the strict build said: no script, frame, handler or javascript: URL reaches a page.
        for item in walk_toc(page.toc):
            item.title = clean_text(item.title)
        if kb.get("generated") != "login":  # the sign-in form is kbops' own fixed markup (no content in it)
            html = clean_html(html)
        return insert_chrome(html, kb.get("chrome"))  # escaped when staged (render.chrome_html)

    def on_post_page(self, output, page, config):
        # Proof that kbops ran on this page: `build_site` fails when a built page lacks it (a generator that
        # silently drops plugins must not publish pages without the audience filter's other guarantees).
        return insert_marker(output, self.audience)

    def on_nav(self, nav, config, files):
        self._nav, self._files = nav, files  # for the per-locale 404 pages rendered after the build
        return nav

    def on_env(self, env, config, files):
        self._env = env  # MkDocs' own template environment: its compiled templates are reused for the 404 pages
        return env

    def on_post_build(self, config):
        write_localized_404s(config, self._nav, self._files, self._env)
        # The CSP of `kb serve` allows the theme's inline scripts by hash, and nothing else inline.
        from kbops.site.csp import write_manifest

        endpoint = (config.extra.get("analytics") or {}).get("endpoint") or ""
        write_manifest(Path(config.site_dir), [endpoint])

    def on_serve(self, server, config, builder):
        # The staged tree is rewritten only where content changed, so watching sources cannot loop.
        for path in self.sources:
            if path.exists():
                server.watch(str(path))
        return server
