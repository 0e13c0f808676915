"""Headless Chromium against the built Spanish/English site: search, open a result, trust signals, events."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kbops.config import load_settings
from kbops.site.build import build_site
from tests.site.browser import search_like_a_reader
from tests.site.conftest import make_site_kb
from tests.site.servers import capture_events, serve_static

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "kb" / "img"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (CI installs Debian's chromium)"
    ),
]


def _served_public_site(tmp_path_factory, name: str, adjust_config=lambda text: text):
    """Build the public site of the fixture KB with its events sent to a capture server; serve both on 127.0.0.1."""
    capture = capture_events()
    root = make_site_kb(tmp_path_factory.mktemp(name) / "kbroot")
    config = root / "mkdocs.yml"
    text = adjust_config(config.read_text(encoding="utf-8"))
    assert "events_endpoint: /api/events" in text
    config.write_text(
        text.replace("events_endpoint: /api/events", f"events_endpoint: {capture.url}api/events"), encoding="utf-8"
    )
    result = build_site(load_settings(root), "public", root / "site" / "public")
    static = serve_static(result.site_dir)
    yield static.url, capture.server.events
    static.close()
    capture.close()


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    """The public site built with its events endpoint pointing at a capture server; both on 127.0.0.1."""
    yield from _served_public_site(tmp_path_factory, "browser-kb")


def wait_for(predicate, timeout: float = 15.0, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def test_search_click_view_and_trust_signals(live_site, tmp_path):
    from playwright.sync_api import sync_playwright

    # Screenshots always go to tmp_path; KB_UPDATE_SCREENSHOTS=1 refreshes the README's copies in docs/img.
    shots = DOCS_IMG if os.environ.get("KB_UPDATE_SCREENSHOTS") == "1" else tmp_path
    SCREENSHOT = shots / "site-trust-signals.png"
    base, events = live_site
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="es-ES")
            page.goto(base + "es/fx/tarjeta-rechazada/")
            page.set_default_timeout(15000)
            first = search_like_a_reader(page, "tarjeta rechazada")
            summary = page.locator(".md-search-result__meta").inner_text()
            # Let the debounced search event go out before leaving the results (a quick click flushes it too).
            wait_for(lambda: [e for e in events if e.get("event") == "search"], timeout=5)
            first.click()
            page.wait_for_function("() => document.querySelector('[data-kb-doc]') && !location.hash.includes('search')")
            page.wait_for_selector(".kb-trust")
            doc_id = page.locator("[data-kb-doc]").get_attribute("data-kb-doc")
            trust = page.locator(".kb-trust").inner_text()
            assert ("Responsable" in trust or "Owner" in trust) and ("revisión" in trust or "reviewed" in trust)
            assert any(ch.isdigit() for ch in trust)  # the review date
            page.locator("form[name=feedback] button[data-md-value='1']").click()
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            page.goto(base + "fx/stale-topup/")
            banner = page.locator(".admonition.kb-overdue")
            assert banner.is_visible() and "Review overdue" in banner.inner_text()
            page.screenshot(path=str(SCREENSHOT.with_name("site-overdue-banner.png")))
            page.locator("[data-kb-contact]").evaluate("a => a.addEventListener('click', e => e.preventDefault())")
            page.locator("[data-kb-contact]").click()

            got = wait_for(lambda: {e["event"] for e in events} >= {"search", "click", "view", "feedback", "contact"})
            assert got, f"events received: {events}"
        finally:
            browser.close()

    searches = [e for e in events if e["event"] == "search"]
    assert searches[0]["query"] == "tarjeta rechazada" and searches[0]["channel"] == "site"
    assert str(searches[0]["results"]) in summary or (searches[0]["results"] == 1)
    assert searches[0]["results"] >= 1 and searches[0]["locale"] == "es"
    click = next(e for e in events if e["event"] == "click")
    assert click["rank"] == 1 and click["doc"] == doc_id and click["session"] == searches[0]["session"]
    views = [e["doc"] for e in events if e["event"] == "view"]
    assert "fx-tarjeta-rechazada" in views and doc_id in views and "fx-stale-topup" in views
    feedback = next(e for e in events if e["event"] == "feedback")
    assert feedback["doc"] == doc_id and feedback["helpful"] is True
    assert next(e for e in events if e["event"] == "contact")["doc"] == "fx-stale-topup"
    assert all(e["_path"] == "/api/events" and e["_type"].startswith("text/plain") for e in events)
    assert all(e["ts"].endswith("Z") and e["session"].startswith("s-") for e in events)


CONSENT = """extra:
  analytics:
    provider: kbops
  consent:
    title: Cookie consent
    description: We measure which answers help, to improve them.
    cookies:
      analytics: Help-center usage statistics
"""


@pytest.fixture(scope="module")
def consent_site(tmp_path_factory):
    """The public site with Material's cookie consent enabled, its events going to a capture server."""
    analytics = "extra:\n  analytics:\n    provider: kbops\n"

    def with_consent(text: str) -> str:
        assert analytics in text
        return text.replace(analytics, CONSENT)

    yield from _served_public_site(tmp_path_factory, "consent-kb", with_consent)


def test_no_events_before_cookie_consent(consent_site):
    from playwright.sync_api import sync_playwright

    base, events = consent_site
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15000)
            page.goto(base + "fx/fees/")
            accept = page.locator(".md-consent__controls button.md-button--primary")
            accept.wait_for(state="visible")
            time.sleep(1.5)  # time enough for a view beacon, were one sent
            assert events == [], f"events sent before consent: {events}"
            accept.click()
            page.wait_for_load_state()
            assert wait_for(lambda: [e for e in events if e["event"] == "view" and e["doc"] == "fx-fees"]), events
        finally:
            browser.close()
