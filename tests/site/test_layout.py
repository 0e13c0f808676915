"""The one owner of page paths and URLs: mkdocs.yml and [tool.kbops] decide, nothing is hard-coded."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbops.config import load_settings
from kbops.site.urls import SiteLayout, page_key, site_layout
from tests.conftest import copy_kb

CASES = [
    # relpath, default locale, directory URLs -> staged path, URL
    ("kb/index.md", "en", True, "index.md", "/"),
    ("kb/index.md", "en", False, "index.md", "/index.html"),
    ("kb/index.es.md", "en", True, "es/index.md", "/es/"),
    ("kb/index.es.md", "en", False, "es/index.md", "/es/index.html"),
    ("kb/cards/card-declined.md", "en", True, "cards/card-declined.md", "/cards/card-declined/"),
    ("kb/cards/card-declined.md", "en", False, "cards/card-declined.md", "/cards/card-declined.html"),
    ("kb/cards/card-declined.fr.md", "en", True, "fr/cards/card-declined.md", "/fr/cards/card-declined/"),
    ("sops/banking/manual-load.md", "en", True, "sops/banking/manual-load.md", "/sops/banking/manual-load/"),
    (
        "sops/banking/manual-load.es.md",
        "en",
        False,
        "es/sops/banking/manual-load.md",
        "/es/sops/banking/manual-load.html",
    ),
    ("playbooks/escalation/p1.md", "en", True, "playbooks/escalation/p1.md", "/playbooks/escalation/p1/"),
    # a Spanish-first knowledge base: Spanish stays at the top, English moves under en/
    ("kb/cards/card.en.md", "es", True, "en/cards/card.md", "/en/cards/card/"),
]


@pytest.mark.parametrize("relpath, locale, directory_urls, staged, url", CASES)
def test_pages_land_where_the_layout_says(relpath, locale, directory_urls, staged, url):
    layout = SiteLayout(default_locale=locale, use_directory_urls=directory_urls)
    assert layout.staged_path(relpath) == staged
    assert layout.doc_url(relpath) == url
    assert layout.doc_url(relpath, "escalation") == url + "#escalation"
    written = layout.output_file(staged)
    assert written.endswith(".html") and (url.lstrip("/") in (written, written[: -len("index.html")]))


def test_the_event_script_key_is_the_same_for_both_forms_of_an_index_page():
    assert page_key("es/index.html") == page_key("es/") == "es/"
    assert page_key("index.html") == page_key("") == ""
    assert page_key("cards/x.html") == "cards/x.html"


def test_layout_is_read_from_mkdocs_yml_and_tool_kbops(tmp_path: Path):
    root = copy_kb(tmp_path / "kbroot", roots=("kb",))
    assert site_layout(load_settings(root)) == SiteLayout(
        default_locale="en", docs_root="kb", roots=("kb", "sops", "playbooks"), use_directory_urls=True
    )
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "use_directory_urls: false\n", encoding="utf-8")
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert 'default_locale = "en"' in text
    pyproject.write_text(text.replace('default_locale = "en"', 'default_locale = "es"'), encoding="utf-8")
    layout = site_layout(load_settings(root))
    assert (layout.use_directory_urls, layout.default_locale) == (False, "es")
    assert layout.doc_url("kb/cards/x.en.md") == "/en/cards/x.html"
    assert site_layout(load_settings(root), use_directory_urls=True).use_directory_urls  # the plugin's own value wins


def test_a_broken_mkdocs_yml_falls_back_to_mkdocs_defaults(tmp_path: Path):
    root = copy_kb(tmp_path / "kbroot", roots=("kb",))
    (root / "mkdocs.yml").write_text("site_name: [unclosed\n", encoding="utf-8")
    assert site_layout(load_settings(root)).use_directory_urls is True
