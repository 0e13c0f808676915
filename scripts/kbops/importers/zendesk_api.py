"""Fetch a Zendesk Guide help center into an export folder: cursor pagination, `429 Retry-After`, resumable.

Each listing is followed page by page through `links.next` (cursor pagination, `page[size]=100`; the
`next_page` of offset pagination is followed too), each page saved as it arrives, and the next page's URL
checkpointed in `fetch-state.json`: a run that stops (network, 5xx, Ctrl-C) continues where it stopped.
Translations come from one listing per locale (`/api/v2/help_center/{locale}/articles`), not one request per
article. Credentials go only to the help center's own host.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from kbops.errors import KbError, UsageError

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_WAIT = 300.0  # seconds; a longer Retry-After is waited in steps, never ignored
ATTEMPTS = 5
LISTINGS = {  # export name -> (path, key in the response)
    "categories": ("/api/v2/help_center/categories", "categories"),
    "sections": ("/api/v2/help_center/sections", "sections"),
    "user_segments": ("/api/v2/help_center/user_segments", "user_segments"),
    "permission_groups": ("/api/v2/guide/permission_groups", "permission_groups"),
    "labels": ("/api/v2/help_center/articles/labels", "labels"),
    "articles": ("/api/v2/help_center/articles", "articles"),
}


class FetchError(KbError):
    """The API could not be read (the fetch can be resumed by running the same command again)."""


@dataclass
class FetchResult:
    folder: Path
    requests: int = 0
    retries: int = 0  # 429 answers waited out
    resumed: bool = False


def token_from_env() -> dict[str, str]:
    """Authorization header from $ZENDESK_OAUTH_TOKEN, or $ZENDESK_EMAIL + $ZENDESK_API_TOKEN (never a flag:
    a token on the command line ends up in shell history and process lists)."""
    import base64

    if os.environ.get("ZENDESK_OAUTH_TOKEN"):
        return {"Authorization": f"Bearer {os.environ['ZENDESK_OAUTH_TOKEN']}"}
    email, token = os.environ.get("ZENDESK_EMAIL"), os.environ.get("ZENDESK_API_TOKEN")
    if email and token:
        raw = base64.b64encode(f"{email}/token:{token}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}
    raise UsageError("set ZENDESK_EMAIL and ZENDESK_API_TOKEN (or ZENDESK_OAUTH_TOKEN) to read the Help Center API")


class _Client:
    def __init__(self, base: str, headers: dict[str, str], result: FetchResult, sleep: Callable[[float], None]):
        self.base = base.rstrip("/")
        self.host = urlsplit(self.base).netloc
        self.headers = headers
        self.result = result
        self.sleep = sleep
        self.http = httpx.Client(timeout=60.0, follow_redirects=False)

    def get(self, url: str) -> httpx.Response:
        url = url if url.startswith(("http://", "https://")) else self.base + url
        own = urlsplit(url).netloc == self.host
        failures = 0
        while True:
            try:
                response = self.http.get(url, headers=self.headers if own else {})
            except httpx.HTTPError as exc:
                failures += 1
                if failures >= ATTEMPTS:
                    raise FetchError(f"{url}: {exc}; run the same command again to resume") from None
                self.sleep(min(2.0**failures, 30.0))
                continue
            self.result.requests += 1
            if response.status_code == 429:
                self.result.retries += 1
                self.sleep(_retry_after(response))
                continue
            if response.status_code >= 500:
                failures += 1
                if failures >= ATTEMPTS:
                    raise FetchError(
                        f"{url}: HTTP {response.status_code} after {ATTEMPTS} attempts; run the same command again to resume"
                    )
                self.sleep(min(2.0**failures, 30.0))
                continue
            if response.status_code in (401, 403):
                raise FetchError(
                    f"{url}: HTTP {response.status_code}: the token was refused (check ZENDESK_EMAIL / ZENDESK_API_TOKEN)"
                )
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            return response

    def json(self, url: str) -> dict:
        response = self.get(url)
        try:
            data = response.json()
        except ValueError:
            raise FetchError(f"{url}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise FetchError(f"{url}: expected a JSON object")
        return data


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "60")), 0.0), MAX_WAIT)
    except ValueError:
        return 60.0


def _next(data: dict, own_host: str) -> str | None:
    """The next page: cursor pagination's `links.next` when `meta.has_more`, else offset's `next_page`."""
    meta, links = data.get("meta") or {}, data.get("links") or {}
    url = links.get("next") if meta.get("has_more") else None
    url = url or data.get("next_page")
    if url and urlsplit(url).netloc not in ("", own_host):
        raise FetchError(f"the API pointed the next page at another host ({urlsplit(url).netloc}); refused")
    return url or None


class _State:
    def __init__(self, folder: Path):
        self.path = folder / "fetch-state.json"
        self.data = (
            json.loads(self.path.read_text(encoding="utf-8")) if self.path.is_file() else {"done": [], "next": {}}
        )

    def save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.data, indent=1), encoding="utf-8")
        os.replace(temporary, self.path)


def _listing(
    client: _Client,
    state: _State,
    folder: Path,
    name: str,
    first: str,
    key: str,
    convert: Callable[[list], list] | None = None,
) -> None:
    """Fetch every page of one listing into `folder/<name>/NNNN.json`, checkpointing the next URL."""
    if name in state.data["done"]:
        return
    pages = folder / name.split(":")[0]
    pages.mkdir(parents=True, exist_ok=True)
    url = state.data["next"].get(name) or f"{first}?page[size]={PAGE_SIZE}"
    number = state.data.setdefault("pages", {}).get(name, 0)
    while url:
        data = client.json(url)
        items = data.get(key) or []
        number += 1
        out_key = "translations" if convert else key
        page = {out_key: convert(items) if convert else items}
        tag = name.replace(":", "-")
        (pages / f"{tag}-{number:05d}.json").write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
        url = _next(data, client.host)
        state.data["next"][name] = url
        state.data["pages"][name] = number
        state.save()
    state.data["done"].append(name)
    state.save()


def _as_translations(locale: str) -> Callable[[list], list]:
    def convert(items: list) -> list:
        return [
            {
                "id": f"{a.get('id')}-{locale}",
                "source_id": a.get("id"),
                "source_type": "Article",
                "locale": a.get("locale") or locale,
                **{k: a.get(k) for k in ("title", "body", "draft", "outdated", "html_url", "created_at", "updated_at")},
            }
            for a in items
            if isinstance(a, dict)
        ]

    return convert


def fetch_export(
    base_url: str,
    folder: Path,
    headers: dict[str, str],
    *,
    progress: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """Fetch the help center at `base_url` into `folder` (the layout `zendesk_export.read_export` reads)."""
    say = progress or (lambda message: None)
    folder.mkdir(parents=True, exist_ok=True)
    result = FetchResult(folder=folder, resumed=(folder / "fetch-state.json").is_file())
    client = _Client(base_url, headers, result, sleep)
    state = _State(folder)
    for name, (path, key) in LISTINGS.items():
        say(f"fetching {name}…")
        _listing(client, state, folder, name, path, key)
    if "locales" not in state.data:
        data = client.json("/api/v2/help_center/locales")
        state.data["locales"] = {"all": data.get("locales") or [], "default": data.get("default_locale")}
        state.save()
    for locale in state.data["locales"]["all"]:
        say(f"fetching translations ({locale})…")
        _listing(
            client,
            state,
            folder,
            f"translations:{locale}",
            f"/api/v2/help_center/{locale}/articles",
            "articles",
            convert=_as_translations(locale),
        )
    _attachments(client, state, folder, say)
    return result


def _attachments(client: _Client, state: _State, folder: Path, say: Callable[[str], None]) -> None:
    """Each article's attachment list, and the files themselves (resumable per article)."""
    from kbops.importers.zendesk_export import read_export

    done = set(state.data.setdefault("attachments_done", []))
    articles = [a["id"] for a in read_export(folder).articles]
    say(f"fetching attachments of {len(articles) - len(done)} articles…")
    target = folder / "attachments"
    target.mkdir(exist_ok=True)
    for article_id in articles:
        if article_id in done:
            continue
        data = client.json(f"/api/v2/help_center/articles/{article_id}/attachments")
        items = [a for a in data.get("article_attachments") or [] if isinstance(a, dict) and "id" in a]
        for item in items:
            item.setdefault("article_id", article_id)
            name = Path(str(item.get("file_name") or item["id"])).name
            where = target / str(int(item["id"])) / name
            if not where.is_file() and item.get("content_url"):
                where.parent.mkdir(parents=True, exist_ok=True)
                where.write_bytes(client.get(str(item["content_url"])).content)
        (target / f"list-{article_id}.json").write_text(json.dumps({"article_attachments": items}), encoding="utf-8")
        state.data["attachments_done"].append(article_id)
        done.add(article_id)
        if len(done) % 50 == 0:
            state.save()
    state.save()
