"""`kb serve` security headers, checked on real responses and in headless Chromium on a real MkDocs build.

The site must still work under its CSP (Material's search, navigation, the feedback beacon to
/api/events), and a script that is not the theme's must not run even when it reached a page.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from kbops.config import load_settings
from kbops.site.build import build_site
from tests.server.conftest import running_server
from tests.site.browser import search_like_a_reader
from tests.site.conftest import make_site_kb

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPORT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
"""


@pytest.fixture(scope="module")
def served_site(tmp_path_factory):
    root = make_site_kb(tmp_path_factory.mktemp("headers") / "kbroot")
    build_site(load_settings(root), "public", root / "site" / "public")
    for audience in ("partner", "internal"):  # not needed here: a placeholder keeps `kb serve` from building them
        (root / "site" / audience).mkdir(parents=True)
        (root / "site" / audience / "index.html").write_text("<h1>not for this test</h1>", encoding="utf-8")
    with running_server(root, timeout=300) as server:
        yield root, server


def test_every_response_carries_the_security_headers(served_site):
    root, server = served_site
    manifest = json.loads((root / "site" / "public" / "_kbops" / "csp.json").read_text())
    assert manifest["script_hashes"] and manifest["foreign_scripts"] == []
    with server.client() as client:
        for path in (
            "/",
            "/es/fx/tarjeta-rechazada/",
            "/api/search?q=card",
            "/api/events",
            "/login",
            "/healthz",
            "/nope",
        ):
            response = client.get(path)
            headers = response.headers
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["x-frame-options"] == "DENY", path
            assert headers["referrer-policy"] == "same-origin", path
            csp = headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, path
            assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0], path
        page_csp = client.get("/").headers["content-security-policy"]
        assert all(f"'{h}'" in page_csp for h in manifest["script_hashes"])


needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed")


@pytest.mark.browser
@needs_chromium
def test_the_site_works_under_its_csp_and_a_foreign_script_does_not_run(served_site):
    from playwright.sync_api import sync_playwright

    root, server = served_site
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="es-ES")
            page.add_init_script(REPORT_VIOLATIONS)
            page.on("console", lambda m: console.append(m.text))
            page.set_default_timeout(20000)
            page.goto(server.base + "/es/fx/tarjeta-rechazada/")
            first = search_like_a_reader(page, "tarjeta rechazada", timeout=20000)
            first.click()
            page.wait_for_function("() => document.querySelector('[data-kb-doc]') && !location.hash.includes('search')")
            page.locator("form[name=feedback] button[data-md-value='1']").click()
            violations = page.evaluate("window.__csp")
            assert violations == [], violations
            assert not [m for m in console if "Content Security Policy" in m], console

            # A script that reached a page without being the theme's is blocked, and reported.
            target = root / "site" / "public" / "es" / "fx" / "tarjeta-rechazada" / "index.html"
            html = target.read_text(encoding="utf-8")
            target.write_text(
                html.replace(
                    "</body>", '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"></body>'
                ),
                encoding="utf-8",
            )
            # A new URL, so the browser fetches the planted page rather than reusing the copy it just cached.
            page.goto(server.base + "/es/fx/tarjeta-rechazada/?planted=1")
            page.wait_for_load_state("load")
            # Violation reports are dispatched as events after the blocked element: wait for them, don't race them.
            page.wait_for_function("() => window.__csp.some(v => v.includes('script-src'))", timeout=10000)
            assert page.evaluate("window.__pwned") is None
        finally:
            browser.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = [
            json.loads(line) for f in (root / ".kb" / "events").glob("*.jsonl") for line in f.read_text().splitlines()
        ]
        if any(e["event"] == "feedback" for e in events):
            break
        time.sleep(0.2)
    kinds = {e["event"] for e in events}
    assert {"view", "feedback"} <= kinds, kinds  # the beacon to /api/events went through under connect-src 'self'
