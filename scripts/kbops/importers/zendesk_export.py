"""Read a Zendesk Guide export folder: the JSON the Help Center API returns, attachments as files.

Layout (what `kb import zendesk --subdomain` writes, and what a hand-made export is expected to look like):
each of `articles`, `translations`, `sections`, `categories`, `user_segments`, `labels`, `attachments`
(`article_attachments`) and `permission_groups` is either `<name>.json` or a folder `<name>/` of pages
(`*.json`, read in name order), each page an API response object such as `{"articles": [...]}`.
Attachment files live at `attachments/<attachment id>/<file name>`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbops.errors import UsageError

# export name -> the key of the list in an API response page
RESOURCES = {
    "articles": "articles",
    "translations": "translations",
    "sections": "sections",
    "categories": "categories",
    "user_segments": "user_segments",
    "labels": "labels",
    "attachments": "article_attachments",
    "permission_groups": "permission_groups",
}
REQUIRED = ("articles",)


@dataclass
class ZendeskExport:
    folder: Path
    articles: list[dict] = field(default_factory=list)
    translations: dict[int | None, list[dict]] = field(
        default_factory=dict
    )  # article id (None: unnamed) -> its translations
    sections: dict[int, dict] = field(default_factory=dict)
    categories: dict[int, dict] = field(default_factory=dict)
    segments: dict[int, dict] = field(default_factory=dict)
    attachments: dict[int, dict] = field(default_factory=dict)  # attachment id -> metadata
    attachments_of: dict[int | None, list[dict]] = field(
        default_factory=dict
    )  # article id (None: unnamed) -> its attachments
    problems: list[str] = field(default_factory=list)

    def attachment_file(self, attachment_id: int) -> Path | None:
        """The attachment's bytes in the export, or None when the export does not hold them."""
        meta = self.attachments.get(attachment_id)
        folder = self.folder / "attachments" / str(attachment_id)
        if meta and meta.get("file_name"):
            path = folder / Path(str(meta["file_name"])).name
            if path.is_file():
                return path
        if folder.is_dir():
            found = sorted(p for p in folder.iterdir() if p.is_file())
            return found[0] if found else None
        return None


def _pages(folder: Path, name: str) -> list[Path]:
    single = folder / f"{name}.json"
    if single.is_file():
        return [single]
    pages = folder / name
    return sorted(pages.glob("*.json")) if pages.is_dir() else []


def _records(folder: Path, name: str, key: str, problems: list[str]) -> list[dict]:
    records: list[dict] = []
    for page in _pages(folder, name):
        try:
            data: Any = json.loads(page.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{page}: not readable as JSON ({exc}); skipped")
            continue
        items = data.get(key) if isinstance(data, dict) else data
        if not isinstance(items, list):
            problems.append(f"{page}: expected a list under {key!r}; skipped")
            continue
        bad = [n for n, item in enumerate(items) if not isinstance(item, dict) or "id" not in item]
        if bad:
            problems.append(f"{page}: {len(bad)} {key} without an id (first at index {bad[0]}); skipped")
        records += [item for item in items if isinstance(item, dict) and "id" in item]
    return records


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _article_problem(article: dict) -> str | None:
    """Why an article record cannot be imported as it is (the API's types, checked before anything uses them)."""
    if not _is_id(article.get("id")):
        return "id is not a number"
    for key in ("title", "body", "html_url", "locale", "source_locale", "updated_at"):
        if article.get(key) is not None and not isinstance(article[key], str):
            return f"{key} is not text"
    segments = article.get("user_segment_ids") or []
    if not isinstance(segments, list) or not all(_is_id(s) for s in segments):
        return "user_segment_ids is not a list of numbers"
    if article.get("user_segment_id") is not None and not _is_id(article["user_segment_id"]):
        return "user_segment_id is not a number"
    if not isinstance(article.get("label_names") or [], list):
        return "label_names is not a list"
    return None


def read_export(folder: Path) -> ZendeskExport:
    """Everything the folder holds; a missing articles list is a usage error, unreadable pages are problems."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder (a Zendesk export: articles.json, sections.json, ...)")
    if not any(_pages(folder, name) for name in REQUIRED):
        raise UsageError(f"{folder}: no articles.json or articles/ pages; not a Zendesk Guide export")
    export = ZendeskExport(folder=folder)
    data = {name: _records(folder, name, key, export.problems) for name, key in RESOURCES.items()}
    seen: set[int] = set()
    for article in data["articles"]:
        problem = _article_problem(article)
        if problem:
            export.problems.append(f"article {str(article.get('id'))[:40]!r}: {problem}; skipped")
            continue
        if article["id"] in seen:  # a page boundary fetched twice, or pages written again after a resume
            continue
        seen.add(article["id"])
        export.articles.append(article)
    for item in data["translations"]:
        if not all(item.get(k) is None or isinstance(item[k], str) for k in ("title", "body", "locale", "html_url")):
            export.problems.append(
                f"translation {str(item.get('id'))[:40]!r}: title, body, locale or URL not text; skipped"
            )
            continue
        export.translations.setdefault(item.get("source_id"), []).append(item)
    export.sections = {s["id"]: s for s in data["sections"]}
    export.categories = {c["id"]: c for c in data["categories"]}
    export.segments = {s["id"]: s for s in data["user_segments"]}
    for item in data["attachments"]:
        export.attachments[item["id"]] = item
        export.attachments_of.setdefault(item.get("article_id"), []).append(item)
    return export
