"""`kb import zendesk --subdomain`: the same help center through its API, replayed on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kbops.importers.zendesk_api import FetchError, fetch_export
from kbops.importers.zendesk_export import read_export
from tests.importers.conftest import EXPORT, MAPPING, import_zendesk, new_kb
from tests.importers.replay import Replay, record

ENV = {"ZENDESK_EMAIL": "ana@example.com", "ZENDESK_API_TOKEN": "t0ken"}
HEADERS = {"Authorization": "Basic test"}
ARTICLES_PAGE_2 = "/api/v2/help_center/articles?page[size]=100&page[after]=cursor1"
ARTICLES_PAGE_3 = "/api/v2/help_center/articles?page[size]=100&page[after]=cursor2"


def kb_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "kb").rglob("*")) if p.is_file()}


def test_fetch_follows_cursor_pages_and_waits_out_a_429(tmp_path):
    waits: list[float] = []
    with Replay() as api:
        api.routes = record(EXPORT, api.base, page_size=10)
        api.fail(ARTICLES_PAGE_2, [(429, {"Retry-After": "7"}, b'{"error": "TooManyRequests"}')])
        result = fetch_export(api.base, tmp_path / "fetched", HEADERS, sleep=waits.append)
    assert waits == [7.0] and result.retries == 1
    assert api.log.count(ARTICLES_PAGE_2) == 2 and api.log.count(ARTICLES_PAGE_3) == 1  # the page boundary crossed once
    fetched = read_export(tmp_path / "fetched")
    expected = json.loads((EXPORT / "articles.json").read_text(encoding="utf-8"))["articles"]
    assert [a["id"] for a in fetched.articles] == [a["id"] for a in expected]
    assert sum(len(t) for t in fetched.translations.values()) >= 55
    assert all(fetched.attachment_file(aid) for aid in fetched.attachments)
    own = [auth for path, auth in zip(api.log, api.auth) if path.startswith("/api/")]
    assert own and all(auth == "Basic test" for auth in own)


def test_a_stopped_fetch_resumes_where_it_stopped(tmp_path):
    folder = tmp_path / "fetched"
    with Replay() as api:
        api.routes = record(EXPORT, api.base, page_size=10)
        api.fail(ARTICLES_PAGE_3, [(500, {}, b"oops")] * 5)
        with pytest.raises(FetchError, match="resume"):
            fetch_export(api.base, folder, HEADERS, sleep=lambda s: None)
        first = list(api.log)
        api.log.clear()
        result = fetch_export(api.base, folder, HEADERS, sleep=lambda s: None)
    assert result.resumed
    assert "/api/v2/help_center/articles?page[size]=100" in first
    assert "/api/v2/help_center/articles?page[size]=100" not in api.log and api.log[0] == ARTICLES_PAGE_3
    assert len(read_export(folder).articles) == 30


def test_next_page_on_another_host_is_refused(tmp_path):
    with Replay() as api:
        api.routes = record(EXPORT, api.base, page_size=10)
        page = json.loads(api.routes["/api/v2/help_center/categories?page[size]=100"][0][2])
        page["meta"]["has_more"] = True
        page["links"]["next"] = "https://elsewhere.example/steal"
        api.routes["/api/v2/help_center/categories?page[size]=100"] = [(200, {}, json.dumps(page).encode())]
        with pytest.raises(FetchError, match="another host"):
            fetch_export(api.base, tmp_path / "f", HEADERS, sleep=lambda s: None)


@pytest.mark.slow
def test_the_api_path_imports_the_same_kb_as_the_export(tmp_path, imported):
    from_export, _ = imported
    root = new_kb(tmp_path / "kb")
    with Replay() as api:
        api.routes = record(EXPORT, api.base, page_size=10)
        api.fail(ARTICLES_PAGE_2, [(429, {"Retry-After": "1"}, b"{}")])
        import os

        os.environ.update(ENV)
        try:
            code, summary, stderr = import_zendesk(root, "--api-url", api.base, "--mapping", str(MAPPING))
        finally:
            for key in ENV:
                os.environ.pop(key, None)
    assert code == 0, stderr
    assert "1 retried after 429" in stderr
    assert kb_files(root) == kb_files(from_export)
    assert summary["publishable"] > 0
