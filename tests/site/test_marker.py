"""Every built page carries the kbops plugin's marker; a generator that drops the plugin fails loudly."""

from __future__ import annotations

import subprocess
import sys

import yaml

from kbops.config import load_settings
from kbops.site.marker import marker, pages_without_marker
from kbops.site.stage import stage_site


def test_every_built_page_carries_the_marker(built_sites):
    for audience, result in built_sites.items():
        staged = stage_site(load_settings(result.site_dir.parents[1]), audience)
        assert staged.page_files and len(staged.page_files) == result.pages
        assert pages_without_marker(result.site_dir, list(staged.page_files), audience) == []
        home = (result.site_dir / "index.html").read_text(encoding="utf-8")
        assert marker(audience) in home and marker("internal" if audience != "internal" else "public") not in home


def test_a_generator_that_drops_the_plugin_is_caught(site_kb, tmp_path):
    """Plain MkDocs on the staged tree without the plugin, as a plugin-less generator would build it."""
    settings = load_settings(site_kb)
    staged = stage_site(settings, "public", tmp_path / "docs")
    config = yaml.safe_load((site_kb / "mkdocs.yml").read_text(encoding="utf-8").split("\nplugins:")[0])
    config.update(docs_dir=str(tmp_path / "docs"), site_dir=str(tmp_path / "site"), plugins=[], nav=staged.nav)
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(tmp_path / "mkdocs.yml")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    unmarked = pages_without_marker(tmp_path / "site", list(staged.page_files), "public")
    assert unmarked == sorted(staged.page_files)
