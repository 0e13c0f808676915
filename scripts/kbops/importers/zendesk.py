"""Zendesk Guide -> kbops: the mapping of articles, translations, sections, segments, labels and attachments.

categories -> products (and the first folder level), sections -> folders, labels -> tags, user segments ->
audience (none: public; staff: internal; signed-in users, with or without organisations or tags: partner;
several: the most restrictive, so nothing is shown wider than upstream), draft -> draft, translations ->
`translation_of` + `source_hash` (outdated ones left unstamped: the site marks them outdated), author or
permission group -> owner through the mapping (else the default owner), article links -> `id:` links,
attachments copied beside the doc, every old URL kept in `redirect_from`, votes kept in `upstream`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from kbops.importers.html_markdown import convert
from kbops.importers.mapping import Mapping, kb_locale
from kbops.importers.plan import ImportPlan, PlannedDoc, describe, heading_text, slug, unique
from kbops.importers.zendesk_export import ZendeskExport
from kbops.publishing import AUDIENCE_LEVEL

_ARTICLE = re.compile(r"^/hc/(?:[A-Za-z-]+/)?articles/(\d+)")
_ATTACHMENT = re.compile(r"^/hc/(?:[A-Za-z-]+/)?article_attachments/(\d+)")


@dataclass(frozen=True)
class Known:
    """What every conversion needs to know about the whole import (picklable for worker processes)."""

    doc_ids: dict[int, str]  # article id -> doc id
    translated: frozenset[tuple[int | None, str]]  # (article id, kbops locale) of every translation imported
    base_url: str  # https://acme.zendesk.com, for relative /hc/ links
    attachment_files: dict[int, str]  # attachment id -> file in the export


def audience_of(article: dict, export: ZendeskExport, mapping: Mapping, plan: ImportPlan) -> tuple[str, list[int]]:
    ids = [int(i) for i in (article.get("user_segment_ids") or []) if i is not None]
    if article.get("user_segment_id") is not None and int(article["user_segment_id"]) not in ids:
        ids.append(int(article["user_segment_id"]))
    if not ids:
        return "public", []
    audiences = []
    for sid in ids:
        if sid in mapping.segments:
            audiences.append(mapping.segments[sid])
            continue
        segment = export.segments.get(sid)
        if segment is None:
            plan.note("unknown user segment: made internal", f"segment {sid} (article {article['id']})")
            audiences.append("internal")
        else:
            audiences.append("internal" if segment.get("user_type") == "staff" else "partner")
    return max(audiences, key=AUDIENCE_LEVEL.__getitem__), ids


def _folders(export: ZendeskExport, mapping: Mapping, plan: ImportPlan) -> dict[int | None, tuple[str, str | None]]:
    """section id -> (folder under kb/, product key); categories become products with taxonomy entries."""
    category_folder: dict[int | None, tuple[str, str | None]] = {}  # looked up by a section's category_id, maybe None
    taken: set[str] = set()
    for cid, category in sorted(export.categories.items()):
        place = mapping.categories.get(cid)
        key = (place.product if place and place.product else None) or unique(
            slug(str(category.get("name", ""))) or "category", taken, str(cid)
        )
        taken.add(key)
        folder = (place.folder if place and place.folder else None) or key
        category_folder[cid] = (folder, key)
        plan.products[key] = str(category.get("name") or key)
    folders: dict[int | None, tuple[str, str | None]] = {}  # looked up by an article's section_id, maybe None

    def folder_of(sid: int, depth: int = 0) -> tuple[str, str | None]:
        if sid in folders:
            return folders[sid]
        section = export.sections.get(sid, {})
        place = mapping.sections.get(sid)
        name = (
            (place.folder if place and place.folder else None)
            or slug(str(section.get("name", "")), 40)
            or f"section-{sid}"
        )
        parent = section.get("parent_section_id")
        if parent and depth < 10 and parent in export.sections:
            base, product = folder_of(parent, depth + 1)
        else:
            base, product = category_folder.get(section.get("category_id"), ("", None))
        if place and place.product:
            product = place.product
        folders[sid] = (f"{base}/{name}".strip("/"), product)
        return folders[sid]

    for sid in sorted(export.sections):
        folder_of(sid)
    return folders


def _owner(article: dict, mapping: Mapping, default: str, plan: ImportPlan) -> str:
    author, group = article.get("author_id"), article.get("permission_group_id")
    if author in mapping.owners.authors:
        return mapping.owners.authors[author]
    if group in mapping.owners.permission_groups:
        return mapping.owners.permission_groups[group]
    plan.note(f"owner defaulted to {default}", f"article {article['id']} (author {author}, permission group {group})")
    return default


def _tags(article: dict, mapping: Mapping, plan: ImportPlan) -> list[str]:
    tags = []
    for label in article.get("label_names") or []:
        label = str(label)
        key = mapping.labels[label] if label in mapping.labels else slug(label, 40)
        if key:
            plan.tags.setdefault(key, label)
            tags.append(key)
    return list(dict.fromkeys(tags))


def _date(value: object) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _old_paths(url: str | None, article_id: int) -> list[str]:
    """`https://acme.zendesk.com/hc/en-us/articles/123-Reset` -> that path and its id-only form."""
    path = urlsplit(url or "").path.strip("/")
    if not path:
        return []
    short = re.sub(r"(/articles/\d+)-[^/]*$", r"\1", path)
    return list(dict.fromkeys([path, short])) if str(article_id) in path else [path]


def translation_id(doc_id: str, locale: str) -> str:
    """Translations have ids of their own: `reset-password` -> `reset-password-es` (as `kb new --translation-of`)."""
    return f"{doc_id}-{slug(locale)}"


def make_rewriter(
    known: Known, doc_id: str, locale: str, folder: str, page_url: str, used: dict[str, str], missing: list[str]
):
    """The `convert` rewrite callback of one document: article links -> `id:` links (to the translation in the
    page's language when there is one), attachments -> local files, other relative URLs -> absolute ones."""

    def rewrite(tag: str, url: str) -> str | None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("", "http", "https") or url.startswith("#"):
            return None
        path = parts.path
        found = _ARTICLE.match(path) if tag == "a" else None
        if found:
            article_id = int(found.group(1))
            target = known.doc_ids.get(article_id)
            if target:
                if (article_id, locale) in known.translated:
                    target = translation_id(target, locale)
                return f"id:{target}" + (f"#{parts.fragment}" if parts.fragment else "")
            missing.append(f"article {found.group(1)}")
        attachment = _ATTACHMENT.match(path)
        if attachment and int(attachment.group(1)) in known.attachment_files:
            source = known.attachment_files[int(attachment.group(1))]
            name = Path(source).name
            used[f"{folder}/{doc_id}/{name}"] = source
            return f"{doc_id}/{name}"
        if not parts.scheme and (page_url or known.base_url):
            return urljoin(page_url or known.base_url, url)  # relative upstream: the old site's page, absolute
        return None

    return rewrite


_KNOWN: Known | None = None  # set once per worker process (a per-job copy would pickle the whole id map each time)


def _set_known(known: Known) -> None:
    global _KNOWN
    _KNOWN = known


def convert_one(job: tuple) -> tuple[str, dict[str, str], list[str]]:
    """One article body: (markdown, attachments used, links to articles that were not imported)."""
    html, title, doc_id, locale, folder, page_url = job
    known = _KNOWN
    if known is None:  # pragma: no cover - the pool initializer or _convert_all sets it
        raise RuntimeError("convert_one called before _set_known")
    used: dict[str, str] = {}
    missing: list[str] = []
    body = convert(html, title, make_rewriter(known, doc_id, locale, folder, page_url, used, missing))
    return body, used, missing


def _ids(export: ZendeskExport, previous: dict[str, dict]) -> dict[int, str]:
    """article id -> doc id: the one given before (stable across re-imports and title changes), else from the title."""
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for article in export.articles:
        before = previous.get(f"{article['id']}:source")
        if before:
            ids[article["id"]] = before["id"]
            taken.add(before["id"])
    for article in export.articles:
        if article["id"] not in ids:
            ids[article["id"]] = unique(slug(str(article.get("title") or "")) or "article", taken, str(article["id"]))
    return ids


def plan_zendesk(
    export: ZendeskExport,
    mapping: Mapping,
    *,
    locales: tuple[str, ...],
    default_owner: str,
    previous: dict[str, dict],
    source: str,
    jobs: int = 1,
) -> ImportPlan:
    """Every article and translation of the export as planned kbops documents."""
    plan = ImportPlan(system="zendesk", source=source, publish_despite=tuple(mapping.publish_despite))
    for problem in export.problems:
        plan.note("export problems", problem)
    folders = _folders(export, mapping, plan)
    base = next(
        (
            f"{urlsplit(a['html_url']).scheme}://{urlsplit(a['html_url']).netloc}"
            for a in export.articles
            if a.get("html_url")
        ),
        "",
    )
    source_locales = {
        a["id"]: kb_locale(str(a.get("source_locale") or a.get("locale") or ""), mapping, locales)
        for a in export.articles
    }
    translated = frozenset(
        (aid, loc)
        for aid, items in export.translations.items()
        for t in items
        if (loc := kb_locale(str(t.get("locale") or ""), mapping, locales)) and loc != source_locales.get(aid)
    )
    known = Known(
        _ids(export, previous),
        translated,
        base,
        {aid: str(p) for aid in export.attachments if (p := export.attachment_file(aid))},
    )
    work: list[tuple[PlannedDoc, tuple]] = []
    for article in export.articles:
        source_locale = kb_locale(str(article.get("source_locale") or article.get("locale") or ""), mapping, locales)
        if source_locale is None:
            plan.note("language not configured: skipped", f"article {article['id']} ({article.get('locale')})")
            continue
        doc_id = known.doc_ids[article["id"]]
        folder, product = folders.get(article.get("section_id"), ("", None))
        folder = f"kb/{folder}".rstrip("/")
        before = previous.get(f"{article['id']}:source")
        relpath = before["path"] if before else f"{folder}/{doc_id}.md"
        folder = relpath.rsplit("/", 1)[0]
        audience, segment_ids = audience_of(article, export, mapping, plan)
        owner = _owner(article, mapping, default_owner, plan)
        upstream = {
            "system": "zendesk",
            "id": str(article["id"]),
            "url": article.get("html_url"),
            "updated_at": article.get("updated_at"),
            "segment_ids": segment_ids,
            "permission_group_id": article.get("permission_group_id"),
            "author_id": article.get("author_id"),
            "vote_sum": article.get("vote_sum"),
            "vote_count": article.get("vote_count"),
        }
        common = {
            "type": "article",
            "audience": audience,
            "owner": owner,
            "product": product,
            "tags": _tags(article, mapping, plan),
        }
        versions: list[tuple[dict, str, str | None]] = [(article, source_locale, None)]
        for translation in export.translations.get(article["id"], []):
            locale = kb_locale(str(translation.get("locale") or ""), mapping, locales)
            if locale is None:
                plan.note(
                    "language not configured: skipped",
                    f"article {article['id']} translation {translation.get('locale')}",
                )
            elif locale != source_locale:
                versions.append((translation, locale, f"{article['id']}:source"))
        for item, locale, source_key in versions:
            title = str(item.get("title") or f"Article {article['id']}").strip()
            path = relpath if source_key is None else relpath[:-3] + f".{locale}.md"
            meta: dict[str, Any] = {
                "id": doc_id if source_key is None else translation_id(doc_id, locale),
                "title": title,
                "description": "",
                "type": "article",
                "status": "draft" if item.get("draft") else "published",
                **common,
                "locale": locale,
            }
            if source_key:
                meta["translation_of"] = doc_id
            edited = _date(item.get("edited_at") or item.get("updated_at"))
            if edited:
                meta["last_reviewed"] = edited
            meta["classification"] = "public" if audience == "public" else "internal"
            meta["redirect_from"] = _old_paths(item.get("html_url"), article["id"])
            meta["upstream"] = dict(upstream, url=item.get("html_url"), updated_at=item.get("updated_at"))
            if source_key:
                for key in ("vote_sum", "vote_count", "author_id", "permission_group_id"):
                    meta["upstream"].pop(key, None)
            meta["upstream"] = {k: v for k, v in meta["upstream"].items() if v not in (None, [])}
            if not meta["product"]:
                del meta["product"]
            if not meta["tags"]:
                del meta["tags"]
            doc = PlannedDoc(
                key=f"{article['id']}:{'source' if source_key is None else locale}",
                relpath=path,
                meta=meta,
                body="",
                updated_at=item.get("updated_at"),
                source_key=source_key,
                stamp=bool(source_key) and not item.get("outdated"),
            )
            if source_key and item.get("outdated"):
                doc.notes.append("outdated upstream: translation left unstamped (needs review)")
            body = str(item.get("body") or "") + _attachment_list(export, article["id"], known)
            work.append((doc, (body, title, doc_id, locale, folder, str(item.get("html_url") or ""))))
    _convert_all(work, plan, jobs, known)
    return plan


def _attachment_list(export: ZendeskExport, article_id: int, known: Known) -> str:
    """Attachments that the body does not show inline, as a list of links (rewritten to the copied files)."""
    files = [
        a
        for a in export.attachments_of.get(article_id, [])
        if not a.get("inline") and a["id"] in known.attachment_files
    ]
    if not files:
        return ""
    items = "".join(
        f'<li><a href="/hc/article_attachments/{a["id"]}/x">{html.escape(str(a.get("file_name") or a["id"]))}</a></li>'
        for a in files
    )
    return f"<h2>Attachments</h2><ul>{items}</ul>"


def _convert_all(work: list[tuple[PlannedDoc, tuple]], plan: ImportPlan, jobs: int, known: Known) -> None:
    jobs_list = [job for _, job in work]
    if jobs > 1 and len(work) >= 200:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_set_known, initargs=(known,)) as pool:
            results = list(pool.map(convert_one, jobs_list, chunksize=64))
    else:
        _set_known(known)
        results = [convert_one(job) for job in jobs_list]
    for (doc, _job), (body, used, missing) in zip(work, results):
        title = doc.meta["title"]
        doc.body = f"# {heading_text(title)}\n\n{body}"
        doc.meta["description"] = describe(body, title)
        doc.assets = {rel: Path(src) for rel, src in used.items()}
        for link in sorted(set(missing)):
            plan.note("links to articles not in the export: kept as URLs", f"{doc.relpath} -> {link}")
        plan.docs.append(doc)
