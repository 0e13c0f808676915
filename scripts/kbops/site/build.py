"""Build one audience's site with MkDocs (the library call behind `kb build` and `kb serve`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kbops.config import Settings
from kbops.errors import ConfigError, KbError
from kbops.publishing import require_audience
from kbops.site.marker import pages_without_marker

log = logging.getLogger(__name__)
CONFIG_FILE = "mkdocs.yml"


class SiteBuildError(KbError):
    """A strict build stopped on warnings, or MkDocs failed while building: exit code 1."""

    exit_code = 1


@dataclass(frozen=True)
class BuildResult:
    audience: str
    site_dir: Path
    stage_dir: Path
    pages: int  # Markdown pages built (documents, landing and tag pages)
    docs: int  # published documents in this edition
    redirects: int
    warnings: tuple[str, ...]


class _WarningLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def audience_site_dir(settings: Settings, audience: str) -> Path:
    """Where `kb build` writes an audience's site and `kb serve` serves it from: `<[tool.kbops.server] site_dir>/<audience>`."""
    from kbops.server.config import ServerConfig

    return settings.root / settings.section("server", ServerConfig).site_dir / audience


def build_site(
    settings: Settings,
    audience: str,
    site_dir: Path,
    *,
    strict: bool = True,
    include_drafts: bool = False,
) -> BuildResult:
    """Stage `audience`'s docs tree and build it into `site_dir` with the KB's mkdocs.yml."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException, PluginError

    require_audience(audience)
    config_file = settings.root / CONFIG_FILE
    if not config_file.is_file():
        raise ConfigError(f"{config_file}: not found; `kb build` needs the site's mkdocs.yml")
    site_dir = Path(site_dir).resolve()
    warnings = _WarningLog()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(warnings)
    try:
        try:
            config = load_config(config_file=str(config_file), site_dir=str(site_dir), strict=strict)
        except (ConfigurationError, Abort) as exc:
            raise ConfigError(f"{config_file}: {exc}" + _listed(warnings.messages)) from None
        plugin = config.plugins.get("kbops")
        if plugin is None:
            raise ConfigError(f"{config_file}: the kbops plugin is not enabled (add `- kbops` under `plugins:`)")
        plugin.config.audience = audience
        plugin.config.draft_preview = include_drafts
        plugin.settings = settings
        try:
            build(config)
        except PluginError as exc:
            raise ConfigError(str(exc)) from None
        except Abort as exc:
            raise SiteBuildError(f"{audience} site build failed: {exc}" + _listed(warnings.messages)) from None
        except MkDocsException as exc:
            raise SiteBuildError(f"{audience} site build failed: {exc}" + _listed(warnings.messages)) from None
    finally:
        mkdocs_log.removeHandler(warnings)
    staged = plugin.result
    assert staged is not None
    unmarked = pages_without_marker(site_dir, list(staged.page_files), audience)
    if unmarked:
        raise SiteBuildError(
            f"{audience} site build failed: {len(unmarked)} of {len(staged.page_files)} pages lack the kbops plugin's "
            f"marker (first: {', '.join(unmarked[:3])}); the generator did not run the plugin on them"
        )
    return BuildResult(
        audience=audience,
        site_dir=site_dir,
        stage_dir=staged.docs_dir,
        pages=staged.pages,
        docs=staged.docs,
        redirects=staged.redirects,
        warnings=tuple(warnings.messages),
    )


def _listed(messages: list[str], limit: int = 500) -> str:
    if not messages:
        return ""
    shown = "\n".join(f"  warning: {m}" for m in messages[:limit])
    more = f"\n  ... and {len(messages) - limit} more" if len(messages) > limit else ""
    return "\n" + shown + more
