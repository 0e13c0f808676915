"""Every URL a reader is handed opens the page of its doc: search hits and export chunks against real builds.

For each layout (`use_directory_urls` true and false) the bundled KB is indexed and built for every
audience with the real `kb build`, then served by the real `kb serve` on 127.0.0.1. Each audience
searches (with its own API key) for every doc it may see and exports its chunks; every URL returned
must answer 200 with the page whose `kb:id` is that doc, and every `#anchor` must exist on that page.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from kbops.config import load_settings
from kbops.model.loader import load_corpus
from tests.conftest import copy_kb, run_kb
from tests.server.conftest import running_server

# Written out here rather than taken from kbops.publishing: the test checks the product, not itself.
LEVEL = {"public": 0, "partner": 1, "internal": 2}
_KB_ID = re.compile(r'<meta name="kb:id" content="([^"]*)"')
_ANCHOR_IDS = re.compile(r'\sid="([^"]+)"')


@pytest.fixture(scope="module", params=[True, False], ids=["directory-urls", "html-urls"])
def served_kb(request, tmp_path_factory):
    directory_urls = request.param
    root = copy_kb(tmp_path_factory.mktemp("urls") / "kbroot")
    if not directory_urls:
        config = root / "mkdocs.yml"
        config.write_text(config.read_text(encoding="utf-8") + "use_directory_urls: false\n", encoding="utf-8")
    # One client searches every visible doc's title here: the per-client rate limit (tested in
    # tests/server/test_floor.py) is off so that it measures URLs, not the limit.
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8") + "\n[tool.kbops.server]\nsearch_rate = 0\n", encoding="utf-8"
    )
    assert (done := run_kb("index", cwd=root)).returncode == 0, done.stderr
    for audience in LEVEL:
        assert (done := run_kb("build", "--audience", audience, cwd=root)).returncode == 0, done.stderr
    keys = {}
    for audience in LEVEL:
        created = run_kb("api-key", "create", "--audience", audience, "--label", f"url-test-{audience}", cwd=root)
        assert created.returncode == 0, created.stderr
        keys[audience] = created.stdout.strip()
    with running_server(root, "--no-build") as server:
        yield root, server, keys, directory_urls


def visible_docs(root: Path, audience: str) -> dict[str, str]:
    """id -> title of every doc `audience` may see, decided here from the front-matter."""
    return {
        d.id: d.title
        for d in load_corpus(load_settings(root)).docs
        if d.frontmatter is not None
        and d.get("status") in ("published", "deprecated")
        and LEVEL[d.get("audience")] <= LEVEL[audience]
    }


@pytest.mark.parametrize("audience", list(LEVEL))
def test_search_and_export_urls_open_the_page_of_their_doc(served_kb, audience):
    root, server, keys, directory_urls = served_kb
    visible = visible_docs(root, audience)
    claimed: dict[str, set[str]] = {}  # URL -> doc ids it was returned for
    with server.client(headers={"X-KB-Key": keys[audience]}) as client:
        searched: set[str] = set()
        for title in visible.values():
            response = client.get("/api/search", params={"q": title, "limit": 50, "log": "false"})
            assert response.status_code == 200, response.text
            for hit in response.json()["hits"]:
                searched.add(hit["id"])
                claimed.setdefault(hit["url"], set()).add(hit["id"])
        assert searched == set(visible)  # every visible doc came back at least once, and nothing else did

        export = run_kb("export", "--audience", audience, cwd=root)
        assert export.returncode == 0, export.stderr
        chunks = [json.loads(line) for line in export.stdout.splitlines()]
        assert {c["doc_id"] for c in chunks} == set(visible)
        for chunk in chunks:
            claimed.setdefault(chunk["url"], set()).add(chunk["doc_id"])
        assert any("#" in url for url in claimed)  # section anchors are part of what is checked

        pages: dict[str, tuple[str, set[str]]] = {}
        for url, ids in sorted(claimed.items()):
            assert len(ids) == 1, f"{url} is returned for several docs: {sorted(ids)}"
            path, _, anchor = url.partition("#")
            assert path.startswith("/") and not path.startswith("//"), url
            assert path.endswith("/" if directory_urls else ".html"), url
            if path not in pages:
                page = client.get(path)
                assert page.status_code == 200, f"{url} ({audience}): HTTP {page.status_code}"
                found = _KB_ID.findall(page.text)
                pages[path] = (found[0] if found else "", {html.unescape(a) for a in _ANCHOR_IDS.findall(page.text)})
            page_id, anchors = pages[path]
            assert page_id == next(iter(ids)), f"{url} ({audience}) opens the page of {page_id!r}, not {ids}"
            if anchor:
                assert anchor in anchors, f"{url} ({audience}): no element with id {anchor!r} on the page"
