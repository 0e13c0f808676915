"""Built pages carry trust signals; links, redirects, tags, navigation and drafts behave per audience."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from kbops.config import load_settings
from kbops.site.build import SiteBuildError, build_site
from kbops.site.stage import stage_site
from tests.conftest import run_kb


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_trust_signals_on_a_document_page(built_sites):
    html = page(built_sites["public"].site_dir, "fx/declined-card")
    assert re.search(
        r'class="kb-trust".*Owner: <strong>Cards Support</strong>.*Last reviewed: <strong>2026-10-01</strong>', html
    )
    assert '<meta name="kb:id" content="fx-declined-card">' in html
    assert 'data-kb-doc="fx-declined-card"' in html and 'name="feedback"' in html and "Was this helpful?" in html
    assert "data-kb-contact" in html and "mailto:support@northwind-spend.example" in html
    assert 'hreflang="es"' in html and "../../es/fx/tarjeta-rechazada/" in html
    assert "kb-overdue" not in html and "kb-deprecated" not in html
    assert "__md_analytics" in html and '"/api/events"' in html


def test_overdue_deprecated_and_outdated_banners(built_sites):
    site = built_sites["public"].site_dir
    stale = page(site, "fx/stale-topup")
    assert "admonition warning kb-overdue" in stale and "was due for review on 2024-04-14" in stale
    old = page(site, "fx/old-fees")
    assert "admonition danger kb-deprecated" in old and 'href="../fees/"' in old and ">Card fees</a>" in old
    es = page(site, "es/fx/tarjeta-rechazada")
    assert "kb-outdated" in es and "Traducción desactualizada" in es and "Responsable" in es
    assert "¿Te ha resultado útil?" in es
    fr = page(site, "fr/fx/carte-refusee")
    assert "kb-outdated" not in fr  # its source_hash is the source's current hash


def test_id_links_resolve_and_hidden_targets_become_text(built_sites):
    public = page(built_sites["public"].site_dir, "fx/declined-card")
    assert 'href="../stale-topup/"' in public and 'href="../fees/#monthly-fees"' in public
    assert "(link not available)" in public and "internal runbook" not in public  # its words say what exists
    assert "partner-sop" not in public and "internal-playbook" not in public
    assert (
        "Reference-style: (link not available), and" in public and "[steps]" not in public
    )  # reference to a hidden page
    assert 'href="../fees/">Fees</a>' in public  # a collapsed reference to a visible page stays a link
    partner = page(built_sites["partner"].site_dir, "fx/declined-card")
    assert 'href="../../sops/fx/partner-sop/"' in partner and "Partner escalation ZEBRA procedure</a>" in partner
    assert "internal-playbook" not in partner
    internal = page(built_sites["internal"].site_dir, "fx/declined-card")
    assert 'href="../../playbooks/fx/internal-playbook/"' in internal


def test_redirects_for_ids_old_paths_and_renamed_ids(built_sites):
    site = built_sites["public"].site_dir
    assert 'url=../../fx/declined-card/"' in (site / "cards/card-declined/index.html").read_text()
    assert 'url=../../fx/declined-card/"' in (site / "id/card-declined-old/index.html").read_text()
    # Doc ids resolve through the one id map (the server and the 404 page's script), not a page per doc.
    assert not (site / "id/fx-stale-topup").exists()
    assert json.loads((site / "_kbops/ids.json").read_text())["fx/stale-topup/"] == "fx-stale-topup"
    assert 'src="../../assets/kbops/redirect.js"' in (site / "id/card-declined-old/index.html").read_text()
    assert 'url=../fx/stale-topup/"' in (site / "top-up-old/index.html").read_text()
    assert not (site.parent / "outside-the-site").exists() and not (site.parents[1] / "outside-the-site").exists()
    assert not (site / "playbooks/fraud-old").exists()
    assert (built_sites["internal"].site_dir / "playbooks/fraud-old/index.html").is_file()


def test_tag_pages_navigation_and_landing(built_sites):
    public, partner = built_sites["public"].site_dir, built_sites["partner"].site_dir
    fees = page(public, "tags/fees")
    assert "Card fees in 2024" in fees and "How to top up your company balance" in fees
    assert not (public / "tags/escalation").exists() and (partner / "tags/escalation/index.html").is_file()
    home = (public / "index.html").read_text(encoding="utf-8")
    assert 'data-kb-audience="public"' in home and "Browse the help center" in home
    assert "Help articles" in home and "Artículos de ayuda" not in home  # nav: this language's section only
    assert "Partner agent portal" in (partner / "index.html").read_text(encoding="utf-8")
    ids = json.loads((public / "_kbops/ids.json").read_text())
    assert ids["fx/declined-card/"] == "fx-declined-card" and "fx-partner-sop" not in ids.values()


def test_drafts_only_in_preview_and_bannered(site_kb, tmp_path):
    result = build_site(load_settings(site_kb), "public", tmp_path / "preview", include_drafts=True)
    draft = page(result.site_dir, "fx/draft-article")
    assert "kb-draft" in draft and "MARKER-DRAFT-3K1" in draft
    assert "MARKER-PARTNER-7Q2" not in "".join(p.read_text(errors="ignore") for p in result.site_dir.rglob("*.html"))


def test_restaging_unchanged_sources_writes_nothing(site_kb, tmp_path):
    settings = load_settings(site_kb)
    first = stage_site(settings, "partner", tmp_path / "stage")
    again = stage_site(settings, "partner", tmp_path / "stage")
    assert first.written > 0 and again.written == 0 and again.pages == first.pages


def test_strict_build_fails_on_unknown_id_link(site_kb, tmp_path):
    root = tmp_path / "kb-broken"
    shutil.copytree(site_kb, root, ignore=shutil.ignore_patterns("site", ".kb"))
    doc = root / "kb/fx/fees.md"
    doc.write_text(doc.read_text() + "\nSee [nowhere](id:no-such-doc).\n")
    with pytest.raises(SiteBuildError, match="no-such-doc"):
        build_site(load_settings(root), "public", tmp_path / "out")
    result = build_site(load_settings(root), "public", tmp_path / "out", strict=False)
    assert any("no-such-doc" in w for w in result.warnings)


def test_kb_build_cli(site_kb, tmp_path):
    done = run_kb("--root", str(site_kb), "build", "--audience", "partner", "--site-dir", str(tmp_path / "p"))
    assert done.returncode == 0, done.stderr
    assert "partner:" in done.stdout and (tmp_path / "p/sops/fx/partner-sop/index.html").is_file()
    bad = run_kb("--root", str(site_kb), "build", "--audience", "everyone")
    assert bad.returncode == 2 and "unknown audience" in bad.stderr and "Traceback" not in bad.stderr


def test_kb_build_cli_exit_codes_for_config_and_strict_failures(site_kb, tmp_path):
    root = tmp_path / "kb-bad"
    shutil.copytree(site_kb, root, ignore=shutil.ignore_patterns("site", ".kb"))
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text().replace("  - kbops:", "  - kbops_typo:"))
    done = run_kb("--root", str(root), "build")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    shutil.copy2(site_kb / "mkdocs.yml", root / "mkdocs.yml")
    doc = root / "kb/fx/fees.md"
    doc.write_text(doc.read_text() + "\n[broken](missing-page.md)\n")
    done = run_kb("--root", str(root), "build", "--site-dir", str(tmp_path / "o"))
    assert done.returncode == 1 and "missing-page.md" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("audience", ["partner"])
def test_bundled_kb_builds_strict_with_plain_mkdocs(tmp_path, audience):
    """`KB_AUDIENCE=A mkdocs build --strict` works through the entry point on the bundled KB alone.

    (Every audience is built strictly from the bundled KB plus fixtures by the session fixture.)"""
    import os
    import subprocess
    import sys

    from tests.conftest import copy_kb

    root = copy_kb(tmp_path / "bundled")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "out")],
        cwd=root,
        env={**os.environ, "KB_AUDIENCE": audience},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    home = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert f'<meta name="kb:audience" content="{audience}">' in home
