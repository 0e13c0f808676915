"""Invariant: a build for audience A contains nothing above A, anywhere in the built tree."""

from __future__ import annotations

import gzip
import html
import json
import re
from pathlib import Path

import pytest

from kbops.config import load_settings
from kbops.model.loader import load_corpus
from kbops.publishing import is_visible
from kbops.site.urls import site_layout

MARKER = re.compile(r"MARKER-[A-Z]+-[0-9A-Z]{3}")


def built_text(site_dir: Path) -> dict[str, str]:
    """Every file of the built site as searchable text: gzip opened, JSON and HTML entities decoded."""
    texts = {}
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        if path.suffix in (".png", ".jpg", ".ico", ".svg", ".woff", ".woff2") or b"\x00" in data[:1024]:
            continue
        text = data.decode("utf-8", errors="ignore")
        if path.suffix == ".json":
            text = json.dumps(json.loads(text), ensure_ascii=False)
        texts[path.relative_to(site_dir).as_posix()] = html.unescape(text)
    return texts


def forbidden_for(site_kb: Path, audience: str) -> tuple[list, list]:
    """(docs the audience must not get, docs it must get) from the KB the sites were built from."""
    corpus = load_corpus(load_settings(site_kb))
    docs = [d for d in corpus.docs if d.frontmatter is not None]
    return [d for d in docs if not is_visible(d, audience)], [d for d in docs if is_visible(d, audience)]


@pytest.mark.parametrize("audience", ["public", "partner", "internal"])
def test_build_contains_nothing_above_its_audience(built_sites, site_kb, audience):
    site = built_sites[audience].site_dir
    texts = built_text(site)
    hidden, visible = forbidden_for(site_kb, audience)
    visible_titles = {d.title for d in visible}
    assert {"index.html", "404.html", "sitemap.xml", "search/search_index.json"} <= set(texts)
    needles: dict[str, str] = {}  # needle -> where it comes from
    layout = site_layout(load_settings(site_kb))
    for doc in hidden:
        found = [doc.id, layout.staged_path(doc.relpath)[:-3], *MARKER.findall(doc.body)]
        if doc.title not in visible_titles:
            found.append(doc.title)
        for needle in found:
            needles.setdefault(needle, f"{doc.relpath} ({doc.frontmatter.audience}/{doc.frontmatter.status})")
    # One alternation scanned once per file; whole-token matches only (an id inside a longer slug is not a leak).
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)) + r")(?![\w-])"
    )
    leaks = [
        f"{name}: {match.group(1)!r} from {needles[match.group(1)]}"
        for name, text in texts.items()
        for match in pattern.finditer(text)
    ]
    assert not leaks, "content above the audience leaked:\n" + "\n".join(leaks[:40])


def test_fixture_markers_cover_every_audience(site_kb):
    """The invariant test can fail: higher-audience and draft fixtures exist with markers."""
    hidden_public, _ = forbidden_for(site_kb, "public")
    hidden_partner, _ = forbidden_for(site_kb, "partner")
    markers_public = {m for d in hidden_public for m in MARKER.findall(d.body)}
    markers_partner = {m for d in hidden_partner for m in MARKER.findall(d.body)}
    assert {"MARKER-PARTNER-7Q2", "MARKER-INTERNAL-9X4", "MARKER-DRAFT-3K1"} <= markers_public
    assert {"MARKER-INTERNAL-9X4", "MARKER-DRAFT-3K1"} <= markers_partner


@pytest.mark.parametrize("audience", ["public", "partner", "internal"])
def test_every_visible_doc_is_built_and_searchable(built_sites, site_kb, audience):
    site = built_sites[audience].site_dir
    _, visible = forbidden_for(site_kb, audience)
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    locations = {entry["location"].split("#")[0] for entry in index["docs"]}
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    layout = site_layout(load_settings(site_kb))
    for doc in visible:
        url = layout.page_url(layout.staged_path(doc.relpath))
        page = site / layout.output_file(layout.staged_path(doc.relpath))
        assert page.is_file(), f"{doc.relpath} was not built at {url}"
        assert html.escape(doc.title, quote=False) in page.read_text(encoding="utf-8")
        assert url in locations, f"{doc.relpath} missing from the search index"
        assert f"/{url}</loc>" in sitemap
    assert built_sites[audience].docs == len(visible)


def test_partner_sees_partner_but_not_internal(built_sites):
    partner = built_text(built_sites["partner"].site_dir)
    everything = "\n".join(partner.values())
    assert "MARKER-PARTNER-7Q2" in everything
    assert "MARKER-INTERNAL-9X4" not in everything
    internal = "\n".join(built_text(built_sites["internal"].site_dir).values())
    assert "MARKER-INTERNAL-9X4" in internal and "MARKER-DRAFT-3K1" not in internal
