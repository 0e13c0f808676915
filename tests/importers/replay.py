"""A Zendesk Help Center API stand-in on 127.0.0.1 that replays recorded pages (real HTTP, real sockets).

`record(export, base, page_size)` turns an export folder into the pages the API would answer (cursor
pagination with `meta.has_more` / `links.next`, one article listing per locale, attachment lists and
files); `Replay` serves them, answers scripted failures first (a 429 with Retry-After, 500s), and logs every
request it gets.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

Response = tuple[int, dict, bytes]


def _key(path: str) -> str:
    parts = urlsplit(unquote(path))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _paged(routes: dict, base: str, path: str, key: str, items: list, page_size: int) -> None:
    pages = [items[i : i + page_size] for i in range(0, len(items), page_size)] or [[]]
    for n, page in enumerate(pages):
        query = "page[size]=100" + (f"&page[after]=cursor{n}" if n else "")
        more = n + 1 < len(pages)
        body = {
            key: page,
            "meta": {"has_more": more, "after_cursor": f"cursor{n + 1}" if more else None},
            "links": {"next": f"{base}{path}?page[size]=100&page[after]=cursor{n + 1}" if more else None},
        }
        routes[f"{path}?{query}"] = [(200, {"Content-Type": "application/json"}, json.dumps(body).encode())]


def record(export: Path, base: str, page_size: int = 10) -> dict[str, list[Response]]:
    """Every response the API gives for the help center held in `export`, keyed by path and query."""
    load = lambda name, key: json.loads((export / f"{name}.json").read_text(encoding="utf-8"))[key]  # noqa: E731
    articles = load("articles", "articles")
    translations = load("translations", "translations")
    attachments = load("attachments", "article_attachments")
    routes: dict[str, list[Response]] = {}
    for name, path, key in (
        ("categories", "/api/v2/help_center/categories", "categories"),
        ("sections", "/api/v2/help_center/sections", "sections"),
        ("user_segments", "/api/v2/help_center/user_segments", "user_segments"),
        ("permission_groups", "/api/v2/guide/permission_groups", "permission_groups"),
        ("labels", "/api/v2/help_center/articles/labels", "labels"),
    ):
        _paged(routes, base, path, key, load(name, key), page_size)
    _paged(routes, base, "/api/v2/help_center/articles", "articles", articles, page_size)
    locales = sorted({a["locale"] for a in articles} | {t["locale"] for t in translations})
    routes["/api/v2/help_center/locales"] = [
        (200, {}, json.dumps({"locales": locales, "default_locale": "en-us"}).encode())
    ]
    by_id = {a["id"]: a for a in articles}
    for locale in locales:
        listed = [a for a in articles if a["locale"] == locale] + [
            {
                **by_id[t["source_id"]],
                **{k: t[k] for k in ("title", "body", "draft", "outdated", "html_url", "updated_at", "locale")},
            }
            for t in translations
            if t["locale"] == locale
        ]
        _paged(routes, base, f"/api/v2/help_center/{locale}/articles", "articles", listed, page_size)
    for article in articles:
        own = [a for a in attachments if a["article_id"] == article["id"]]
        routes[f"/api/v2/help_center/articles/{article['id']}/attachments"] = [
            (
                200,
                {},
                json.dumps(
                    {"article_attachments": [{**a, "content_url": base + a["relative_path"]} for a in own]}
                ).encode(),
            )
        ]
        for a in own:
            data = (export / "attachments" / str(a["id"]) / a["file_name"]).read_bytes()
            routes[a["relative_path"]] = [(200, {"Content-Type": "image/png"}, data)]
    return routes


class Replay:
    """Serve `routes` on 127.0.0.1; `fail(path, responses)` answers those first (then the recorded page)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Response]] = {}
        self.log: list[str] = []
        self.auth: list[str | None] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                key = _key(self.path)
                replay.log.append(key)
                replay.auth.append(self.headers.get("Authorization"))
                answers = replay.routes.get(key)
                if not answers:
                    status, headers, body = 404, {}, b'{"error": "RecordNotFound"}'
                else:
                    status, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Replay:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, path: str, responses: list[Response]) -> None:
        self.routes[path] = responses + self.routes[path]
