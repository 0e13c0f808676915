"""The search API over real HTTP: audiences and keys, JSON errors, limits, CORS, site per audience."""

from __future__ import annotations

import json

import pytest

from tests.search.conftest import SECRET_WORDS


def test_healthz_and_index_built_on_first_start(served_kb):
    root, server, keys = served_kb
    health = server.client().get("/healthz").json()
    assert health["status"] == "ok" and health["search"]["ready"] and health["search"]["processes"] >= 1
    assert (root / ".kb" / "index" / "current").is_symlink()
    # How many docs exist tells an outsider how much is hidden: only a caller who sees everything gets a count.
    assert "docs" not in health
    assert "docs" not in server.client().get("/healthz", headers={"X-KB-Key": keys["partner"]}).json()
    assert server.client().get("/healthz", headers={"X-KB-Key": keys["internal"]}).json()["docs"] == 9


@pytest.mark.parametrize("word", SECRET_WORDS + ("kestral", "quarantin"))
def test_anonymous_gets_no_hit_snippet_suggestion_or_facet_above_public(served_kb, word):
    _, server, _ = served_kb
    body = server.client().get("/api/search", params={"q": word}).json()
    # A public doc may be a semantic neighbour of the word (mode "hybrid"); nothing above public may show.
    assert body["audience"] == "public" and {h["audience"] for h in body["hits"]} <= {"public"}
    assert set(body["facets"].get("audience", {})) <= {"public"} and body["suggestion"] is None
    assert not {h["id"] for h in body["hits"]} & {"partner-refund-override", "kestrel-fraud-escalation"}
    assert word not in json.dumps(body).replace(json.dumps(word), "")  # only the echoed query mentions it


def test_public_results_never_carry_hidden_content(served_kb):
    _, server, _ = served_kb
    body = server.client().get("/api/search", params={"q": "payment declined refund escalation", "limit": 50}).json()
    assert body["hits"] and {h["audience"] for h in body["hits"]} == {"public"}
    assert set(body["facets"]["audience"]) == {"public"}
    text = json.dumps(body).lower()
    assert not any(w in text for w in ("kestrel", "quarantine", "override"))


def test_keys_unlock_their_audience_by_header_or_bearer(served_kb):
    _, server, keys = served_kb
    with server.client() as client:
        partner = client.get("/api/search", params={"q": "quarantine"}, headers={"X-KB-Key": keys["partner"]}).json()
        assert [h["id"] for h in partner["hits"]] == ["partner-refund-override"]
        hidden = client.get("/api/search", params={"q": "kestrel"}, headers={"X-KB-Key": keys["partner"]}).json()
        assert hidden["hits"] == []
        internal = client.get(
            "/api/search", params={"q": "kestral"}, headers={"Authorization": f"Bearer {keys['internal']}"}
        ).json()
        assert internal["suggestion"] == "kestrel" and internal["hits"][0]["id"] == "kestrel-fraud-escalation"
        # a key may search as a lower audience, never a higher one
        down = client.get(
            "/api/search", params={"q": "quarantine", "audience": "public"}, headers={"X-KB-Key": keys["partner"]}
        )
        assert down.status_code == 200 and down.json()["hits"] == []
        up = client.get(
            "/api/search", params={"q": "kestrel", "audience": "internal"}, headers={"X-KB-Key": keys["partner"]}
        )
        assert up.status_code == 403 and up.json()["error"]
        assert client.get("/api/whoami", headers={"X-KB-Key": keys["internal"]}).json() == {
            "audience": "internal",
            "signed_in": True,
        }
        assert client.get("/api/whoami", headers={"X-KB-Key": "kb_wrong"}).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "message"),
    [
        ("GET", "/api/search", {"params": {"q": "card"}, "headers": {"X-KB-Key": "kb_wrong"}}, 401, "invalid API key"),
        ("GET", "/api/search", {"params": {"q": "x" * 300}}, 400, "limit is 256"),
        ("GET", "/api/search", {"params": {"q": ""}}, 400, "query is empty"),
        ("GET", "/api/search", {"params": {"q": "card", "limit": "abc"}}, 400, "whole number"),
        ("GET", "/api/search", {"params": {"q": "card", "limit": "5000"}}, 400, "limit must be between"),
        ("GET", "/api/search", {"params": {"q": "card", "audience": "root"}}, 400, "unknown audience"),
        ("POST", "/api/events", {"content": b"{not json"}, 400, "invalid JSON"),
        ("POST", "/api/events", {"content": b"\xff\xfe"}, 400, "not UTF-8"),
        ("POST", "/api/events", {"content": b""}, 400, "empty request body"),
        ("POST", "/api/events", {"content": b"42"}, 400, "expected a JSON event"),
        ("POST", "/api/events", {"content": b"[]"}, 400, "expected a JSON event"),
        (
            "POST",
            "/api/events",
            {"content": b"[" + b'{"event":"view","session":"s","doc":"d"},' * 4000 + b"{}]"},
            413,
            "larger than",
        ),
        ("POST", "/api/events", {"json": {"event": "purchase", "session": "s"}}, 422, "no valid event"),
        (
            "POST",
            "/api/events",
            {"json": [{"event": "click", "session": "s", "doc": "d", "rank": 0}]},
            422,
            "no valid event",
        ),
        ("GET", "/api/events", {}, 405, "Method Not Allowed"),
        ("GET", "/api/unknown", {}, 404, "no API endpoint"),
    ],
)
def test_malformed_requests_get_json_4xx(served_kb, method, path, kwargs, status, message):
    _, server, _ = served_kb
    response = server.client().request(method, path, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and message in body["error"]


def test_rejected_events_say_why(served_kb):
    _, server, _ = served_kb
    body = (
        server.client()
        .post("/api/events", json={"event": "feedback", "session": "s", "doc": "d", "helpful": "yes"})
        .json()
    )
    assert body["rejected"][0]["errors"] == ["helpful: true or false"]


def test_cors_allows_the_bound_site_origin_only(served_kb):
    _, server, _ = served_kb
    port = server.base.rsplit(":", 1)[1]  # not 8000: the default follows the port kb serve is bound to
    headers = {
        "Origin": f"http://localhost:{port}",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = server.client().options("/api/events", headers=headers)
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == f"http://localhost:{port}"
    for other in ("https://evil.example", "http://localhost:8000"):
        denied = server.client().options("/api/events", headers={**headers, "Origin": other})
        assert "access-control-allow-origin" not in denied.headers


def test_site_is_served_for_the_callers_audience(served_kb):
    _, server, keys = served_kb
    with server.client() as anonymous:
        home = anonymous.get("/")
        assert home.text == "<h1>PUBLIC HOME</h1>" and "Cookie" in home.headers["vary"]
        assert home.headers["cache-control"] == "no-cache"  # a rebuilt page is never shown stale from a heuristic cache
        assert anonymous.get("/cards/").text == "public cards page"
    with server.client() as agent:
        assert agent.post("/login", data={"key": "kb_wrong"}).status_code == 401
        login = agent.post("/login", data={"key": keys["partner"]})
        assert login.status_code == 303 and "httponly" in login.headers["set-cookie"].lower()
        assert agent.get("/cards/").text == "partner cards page"
        page = agent.get("/")
        assert page.text == "<h1>PARTNER HOME</h1>" and page.headers["cache-control"] == "private, no-cache"
    with server.client(cookies={"kb_session": "x.1.1.forged", "kb_key": keys["partner"]}) as forged:
        assert forged.get("/").text == "<h1>PUBLIC HOME</h1>"  # a raw key in a cookie signs in no one
    with server.client(headers={"X-KB-Key": keys["internal"]}) as staff:
        missing = staff.get("/")
        assert missing.status_code == 503 and "internal site is not built" in missing.text


def test_kb_serve_on_a_fresh_clone_builds_index_and_real_sites(kb_copy, tmp_path):
    """The README's main command on the bundled KB: index and three strict MkDocs builds, then audience-aware pages."""
    from kbops.config import load_settings
    from kbops.model.loader import load_corpus
    from kbops.publishing import is_visible
    from kbops.server.keys import ApiKeyStore, keys_path
    from kbops.site.urls import site_layout
    from tests.server.conftest import running_server

    settings = load_settings(kb_copy)
    doc_url = site_layout(settings).doc_url
    partner_only = next(
        d for d in load_corpus(settings).docs if is_visible(d, "partner") and not is_visible(d, "public")
    )
    key = ApiKeyStore(keys_path(settings)).create("partner", "bpo")
    with running_server(kb_copy, timeout=300) as server:
        with server.client() as anonymous:
            home = anonymous.get("/")
            assert home.status_code == 200 and "Northwind" in home.text
            assert anonymous.get(doc_url(partner_only.relpath)).status_code == 404
        with server.client(headers={"X-KB-Key": key}) as agent:
            page = agent.get(doc_url(partner_only.relpath))
            assert page.status_code == 200 and partner_only.title.split()[0] in page.text
            hits = agent.get("/api/search", params={"q": partner_only.title}).json()["hits"]
            assert hits[0]["url"] == doc_url(partner_only.relpath)
    assert all((kb_copy / "site" / a / "index.html").is_file() for a in ("public", "partner", "internal"))
