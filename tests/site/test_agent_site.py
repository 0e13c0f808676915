"""The bundled KB served by a real `kb serve`: agent sign-in, doc-id URLs, and (in Chromium) the search box on /api/search."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import copy_kb
from tests.server.conftest import running_server

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
browser = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed")

# (locale of the page the box is used on, query): at least 20, in es/fr/en, typed as agents type them.
PARITY_QUERIES = [
    ("es", "contrasena"),
    ("es", "tarjeta rechazada"),
    ("es", "transferencia no llego"),
    ("es", "perdi mi tarjeta"),
    ("es", "verificar identidad"),
    ("es", "recarga pendiente"),
    ("es", "no me llega la tarjeta"),
    ("es", "matriz de escalado"),
    ("es", "cobranza"),
    ("fr", "virement pas recu"),
    ("fr", "carte perdue"),
    ("fr", "paiement refusé"),
    ("fr", "vérifier mon identité"),
    ("fr", "demande RGPD"),
    ("fr", "mot de passe"),
    ("en", "card declined"),
    ("en", "freeze card"),
    ("en", "top up limits"),
    ("en", "exchange rate"),
    ("en", "transfer not received"),
    ("en", "apple pay"),
    ("en", "reset password"),
]


@pytest.fixture(scope="module")
def agent_site(tmp_path_factory):
    """The bundled KB with a partner key, served by `kb serve` (which builds the index and the three sites)."""
    from kbops.config import load_settings
    from kbops.server.keys import ApiKeyStore, keys_path

    root = copy_kb(tmp_path_factory.mktemp("agent-site") / "kb")
    store = ApiKeyStore(keys_path(load_settings(root)))
    keys = {"partner": store.create("partner", "bpo-es"), "revoked": store.create("partner", "old")}
    store.revoke("old")
    with running_server(root, timeout=600) as server:
        yield root, server, keys


def api_first(server, key: str, query: str, locale: str) -> dict:
    response = httpx.get(
        server.base + "/api/search",
        params={"q": query, "locale": locale, "log": "false"},
        headers={"X-KB-Key": key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


# ---------- sign-in over HTTP ----------


def test_login_goes_to_the_themed_page_in_the_readers_language(agent_site):
    _, server, _ = agent_site
    with server.client() as client:
        go = client.get("/login", params={"lang": "es", "next": "/es/cards/lost-or-stolen-card/"})
        assert go.status_code == 303 and go.headers["location"] == "/es/login/?next=/es/cards/lost-or-stolen-card/"
        page = client.get("/es/login/")
        assert page.status_code == 200 and '<html lang="es"' in page.text and "Clave de acceso" in page.text
        assert client.get("/login", params={"lang": "../x"}).headers["location"] == "/login/"


def test_a_refused_key_is_explained_the_same_way_whatever_the_reason(agent_site):
    _, server, keys = agent_site
    answers = []
    with server.client() as client:
        for key in ("kb_not-a-key", keys["revoked"], "x" * 40):
            refused = client.post("/es/login/", data={"key": key, "next": "/es/", "lang": "es"})
            assert refused.status_code == 401 and "set-cookie" not in refused.headers
            assert (
                '<html lang="es"' in refused.text
                and 'data-kb-error="key" role="alert">No se aceptó esta clave' in refused.text
            )
            answers.append(refused.text)
        empty = client.post("/fr/login/", data={"key": " ", "lang": "fr"})
        assert empty.status_code == 401 and 'data-kb-error="empty" role="alert">Saisissez votre clé' in empty.text
    assert answers[0] == answers[1] == answers[2]  # unknown, revoked and malformed keys look alike
    assert not any(word in answers[0].lower() for word in ("no existe", "revocad", "unknown", "revoked"))


def test_sign_in_returns_to_the_page_and_sign_out_too(agent_site):
    _, server, keys = agent_site
    with server.client() as client:
        done = client.post("/es/login/", data={"key": keys["partner"], "next": "/es/cards/lost-or-stolen-card/"})
        assert done.status_code == 303 and done.headers["location"] == "/es/cards/lost-or-stolen-card/"
        cookie = done.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert client.get("/api/whoami").json() == {"audience": "partner", "signed_in": True}
        for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
            again = client.post("/login", data={"key": keys["partner"], "next": evil})
            assert again.headers["location"] == "/", evil
        assert client.get("/logout", params={"next": "/es/"}).status_code == 200  # a form: sign-out is POST only
        out = client.post("/logout", data={"next": "/es/"}, headers={"Origin": server.base})
        assert out.status_code == 303 and out.headers["location"] == "/es/"
    with server.client(cookies={"kb_session": "x.1.1.forged", "kb_key": keys["revoked"]}) as stale:
        assert stale.get("/api/whoami").json() == {"audience": "public", "signed_in": False}


def test_doc_id_urls_resolve_through_the_id_map_per_audience(agent_site):
    root, server, keys = agent_site
    from kbops.config import load_settings
    from kbops.model.loader import load_corpus
    from kbops.publishing import is_visible
    from kbops.site.urls import site_layout

    doc_url = site_layout(load_settings(root)).doc_url
    docs = load_corpus(load_settings(root)).docs
    public = next(d for d in docs if is_visible(d, "public") and d.locale == "es")
    partner = next(d for d in docs if is_visible(d, "partner") and not is_visible(d, "public"))
    with server.client() as anonymous:
        found = anonymous.get(f"/id/{public.id}/")
        assert found.status_code == 302 and found.headers["location"] == doc_url(public.relpath)
        assert anonymous.get(f"/id/{partner.id}/").status_code == 404  # not even a redirect to a page it cannot see
    with server.client(headers={"X-KB-Key": keys["partner"]}) as agent:
        assert agent.get(f"/id/{partner.id}").headers["location"] == doc_url(partner.relpath)
    site = root / "site" / "internal"
    assert not (site / "id").exists() or len(list((site / "id").iterdir())) < 5  # only renamed ids have a page


# ---------- in Chromium ----------


def events(root: Path) -> list[dict]:
    found = []
    for path in sorted((root / ".kb" / "events").rglob("*.jsonl")):
        found += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return found


def wait_for(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


def first_hit_in_box(page, query: str) -> str:
    """Type `query` into the header's search box and return the first result's doc id once the box shows it."""
    box = page.locator("input.md-search__input")
    box.fill("")
    box.press_sequentially(query, delay=15)
    page.wait_for_function(
        "q => { const r = document.querySelector('.kb-search-result');"
        " return r && r.getAttribute('data-kb-query') === q; }",
        arg=query,
    )
    return page.locator(".kb-search-result .md-search-result__link").first.get_attribute("data-kb-doc")


@pytest.mark.browser
@browser
def test_spanish_agent_signs_in_and_finds_sign_in_help_through_the_box(agent_site, tmp_path):
    from playwright.sync_api import sync_playwright

    root, server, keys = agent_site
    shots = DOCS_IMG if os.environ.get("KB_UPDATE_SCREENSHOTS") == "1" else tmp_path
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES").new_page()
            page.set_default_timeout(20000)
            page.goto(server.base + "/es/cards/lost-or-stolen-card/")
            signin = page.locator("[data-kb-signin]")
            signin.wait_for(state="visible")
            assert signin.inner_text() == "Acceso de agentes"
            signin.click()
            page.wait_for_url("**/es/login/?next=*")
            assert page.locator("html").get_attribute("lang") == "es"
            assert page.get_by_label("Clave de acceso").is_visible()
            page.get_by_label("Clave de acceso").fill("kb_wrong-key")
            page.get_by_role("button", name="Iniciar sesión").click()
            assert "No se aceptó esta clave" in page.get_by_role("alert").inner_text()
            page.screenshot(path=str(shots / "site-sign-in-es.png"))
            page.get_by_label("Clave de acceso").fill(keys["partner"])
            page.get_by_role("button", name="Iniciar sesión").click()
            page.wait_for_url(server.base + "/es/cards/lost-or-stolen-card/")
            state = page.locator("[data-kb-signed-in]")
            state.wait_for(state="visible")
            assert "Agente colaborador" in state.inner_text() and "Cerrar sesión" in state.inner_text()

            page.click("input.md-search__input")
            # A typo: the engine corrects it, and the box says so in Spanish.
            assert first_hit_in_box(page, "contrasna") == "sign-in-help-es"
            assert "Mostrando resultados de contrasena" in page.locator(".kb-suggestion").inner_text()
            first = first_hit_in_box(page, "contrasena")
            expected = api_first(server, keys["partner"], "contrasena", "es")
            assert first == "sign-in-help-es" == expected["hits"][0]["id"]
            shown = page.locator(".kb-search-result .md-search-result__meta").inner_text()
            assert str(expected["total"]) in shown and "documento" in shown
            page.screenshot(path=str(shots / "site-search-es.png"))
            # Facets are filters: "Resolución de problemas" narrows the list to what the API gives for type=troubleshooting.
            page.locator(".kb-facet__chip", has_text="Resolución de problemas").click()
            page.wait_for_function(
                "() => document.querySelector('.kb-search-result').getAttribute('data-kb-filters') === 'type=troubleshooting'"
            )
            narrowed = httpx.get(
                server.base + "/api/search",
                params={"q": "contrasena", "locale": "es", "type": "troubleshooting", "log": "false"},
                headers={"X-KB-Key": keys["partner"]},
            ).json()
            shown_ids = page.locator(".kb-search-result .md-search-result__link").evaluate_all(
                "els => els.map(e => e.dataset.kbDoc)"
            )
            assert shown_ids == [h["id"] for h in narrowed["hits"]] and 0 < len(shown_ids) < expected["total"]
            page.locator(".kb-facet__chip", has_text="Todo").first.click()
            page.wait_for_function(
                "() => document.querySelector('.kb-search-result').getAttribute('data-kb-filters') === ''"
            )
            page.locator(".kb-search-result .md-search-result__link").first.click()
            page.wait_for_url("**/es/account/sign-in-help/")
            page.wait_for_function("() => document.querySelector('[data-kb-page-locale]')")
            assert page.locator("html").get_attribute("lang") == "es"
            assert page.locator("input.md-search__input").get_attribute("placeholder") == "Búsqueda"
            assert page.locator(".md-nav--primary").get_by_text("Artículos de ayuda").count() >= 1
            assert "Hecho con" in page.locator(".md-copyright").inner_text()
        finally:
            chromium.close()
    logged = wait_for(lambda: [e for e in events(root) if e["event"] == "click" and e.get("doc") == "sign-in-help-es"])
    assert logged and logged[0]["rank"] == 1
    searches = [
        e for e in events(root) if e["event"] == "search" and e.get("channel") == "site" and e["query"] == "contrasena"
    ]
    assert searches and searches[-1]["results"] == expected["total"] and searches[-1]["locale"] == "es"


@pytest.mark.browser
@browser
def test_box_first_hit_equals_the_apis_for_twenty_queries(agent_site):
    from playwright.sync_api import sync_playwright

    _, server, keys = agent_site
    assert len(PARITY_QUERIES) >= 20 and {loc for loc, _ in PARITY_QUERIES} == {"es", "fr", "en"}
    compared = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = chromium.new_context(viewport={"width": 1280, "height": 900})
            signed_in = httpx.post(server.base + "/login", data={"key": keys["partner"]}, timeout=30)
            session = signed_in.cookies["kb_session"]  # a session token: the key itself is never a cookie
            context.add_cookies([{"name": "kb_session", "value": session, "url": server.base}])
            page = context.new_page()
            page.set_default_timeout(20000)
            for locale in ("es", "fr", "en"):
                page.goto(server.base + ("/" if locale == "en" else f"/{locale}/"))
                page.locator("[data-kb-signed-in]").wait_for(state="visible")
                page.click("input.md-search__input")
                for _, query in [q for q in PARITY_QUERIES if q[0] == locale]:
                    api = api_first(server, keys["partner"], query, locale)
                    box = first_hit_in_box(page, query)
                    compared.append((locale, query, box, api["hits"][0]["id"] if api["hits"] else None))
        finally:
            chromium.close()
    mismatched = [c for c in compared if c[2] != c[3]]
    assert len(compared) == len(PARITY_QUERIES) and not mismatched, mismatched
    assert all(api for *_, api in compared)  # every query has a first hit to compare
    assert len({api for *_, api in compared}) >= 12  # and they are different docs, not one page for everything


@pytest.mark.browser
@browser
def test_french_reader_switches_to_english_on_a_translated_page(agent_site):
    from playwright.sync_api import sync_playwright

    _, server, _ = agent_site
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR").new_page()
            page.set_default_timeout(20000)
            page.goto(server.base + "/fr/cards/lost-or-stolen-card/")
            assert page.locator("html").get_attribute("lang") == "fr"
            assert page.locator("input.md-search__input").get_attribute("placeholder") == "Rechercher"
            page.locator(".md-select button").hover()
            page.locator(".md-select__link[hreflang=en]").click()
            page.wait_for_url(server.base + "/cards/lost-or-stolen-card/")
            page.wait_for_function("() => document.documentElement.lang === 'en'")
            assert page.locator("input.md-search__input").get_attribute("placeholder") == "Search"
            assert page.locator(".md-nav--primary").get_by_text("Help articles").count() >= 1
            assert page.locator(".md-nav--primary").get_by_text("Articles d'aide").count() == 0
        finally:
            chromium.close()


@pytest.mark.browser
@browser
def test_public_reader_never_sees_the_sign_in_state_of_another_tab(agent_site):
    from playwright.sync_api import sync_playwright

    root, server, keys = agent_site
    from kbops.config import load_settings
    from kbops.model.loader import load_corpus
    from kbops.publishing import is_visible
    from kbops.site.urls import site_layout

    doc_url = site_layout(load_settings(root)).doc_url
    partner_only = next(
        d for d in load_corpus(load_settings(root)).docs if is_visible(d, "partner") and not is_visible(d, "public")
    )
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            agent = chromium.new_context().new_page()
            agent.set_default_timeout(20000)
            agent.goto(server.base + "/login/")
            agent.get_by_label("Access key").fill(keys["partner"])
            agent.get_by_role("button", name="Sign in").click()
            agent.locator("[data-kb-signed-in]").wait_for(state="visible")
            agent.goto(server.base + doc_url(partner_only.relpath))
            assert agent.locator("h1").first.is_visible()

            reader = chromium.new_context().new_page()  # another reader: their own tab, their own cookies
            reader.set_default_timeout(20000)
            reader.goto(server.base + "/")
            reader.locator("[data-kb-signin]").wait_for(state="visible")
            assert reader.locator("[data-kb-signed-in]").is_hidden()
            assert "Partner" not in reader.locator("header").inner_text()
            missing = reader.goto(server.base + doc_url(partner_only.relpath))
            assert missing.status == 404
            reader.goto(server.base + "/")
            reader.click("input.md-search__input")
            reader.locator("input.md-search__input").press_sequentially(partner_only.title, delay=10)
            reader.wait_for_function(
                "q => document.querySelector('.kb-search-result')?.getAttribute('data-kb-query') === q",
                arg=partner_only.title,
            )
            ids = reader.locator(".kb-search-result .md-search-result__link").evaluate_all(
                "els => els.map(e => e.dataset.kbDoc)"
            )
            assert partner_only.id not in ids
        finally:
            chromium.close()
