"""A folder of Markdown -> kbops: plain files, an MkDocs `docs/`, or MS-Learn-style front-matter.

Files keep their relative layout under `kb/<into>/` (so relative image links keep working; the images are
copied). Ids come from paths; links between the imported files become `id:` links; front-matter is mapped
(`title`, `description`, `ms.date` -> `last_reviewed`, `ms.author`/`author` -> owner through the mapping,
`status`/`audience` when valid) or added; keys kbops does not know are dropped and listed. Translations are
paired by folder (`es/guide/x.md` <-> `guide/x.md`) or suffix (`x.es.md` <-> `x.md`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import re
from pathlib import Path

import yaml

from kbops.importers.mapping import Mapping, kb_locale
from kbops.importers.plan import ImportPlan, PlannedDoc, describe, heading_text, slug, unique
from kbops.locale import looks_like_locale
from kbops.model.safe_yaml import load as safe_load
from kbops.publishing import AUDIENCES

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_H1 = re.compile(r"^# +(.+?) *#*$", re.MULTILINE)
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?((?:\s+\"[^\"]*\")?)\s*\)")
_CALLOUT = re.compile(r"(?m)^> *\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\] *\n((?:> ?.*(?:\n|$))*)")
_KIND = {"NOTE": "note", "TIP": "tip", "IMPORTANT": "warning", "WARNING": "warning", "CAUTION": "danger"}
_SKIP_DIRS = {"node_modules", "includes", "_includes", "site", "__pycache__"}
CARRIED = {"title", "description", "ms.date", "ms.author", "author", "status", "audience", "tags", "date"}


def _source_root(folder: Path) -> Path:
    """An MkDocs project imports its `docs_dir`; anything else the folder itself."""
    config = folder / "mkdocs.yml"
    if config.is_file():
        try:
            docs_dir = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("docs_dir", "docs")
        except yaml.YAMLError:
            docs_dir = "docs"
        if (folder / str(docs_dir)).is_dir():
            return folder / str(docs_dir)
    return folder


def _split_locale(relpath: str, locales: tuple[str, ...], mapping: Mapping) -> tuple[str, str | None]:
    """`es/guide/x.md` or `guide/x.es.md` -> (`guide/x.md`, `es`); no locale marker -> (relpath, None)."""
    parts = relpath.split("/")
    if len(parts) > 1 and looks_like_locale(parts[0]):
        locale = kb_locale(parts[0], mapping, locales)
        if locale:
            return "/".join(parts[1:]), locale
    stem, dot, ext = parts[-1].rpartition(".")
    base, _, suffix = stem.rpartition(".")
    if base and looks_like_locale(suffix):
        locale = kb_locale(suffix, mapping, locales)
        if locale:
            return "/".join(parts[:-1] + [f"{base}.{ext}"]), locale
    return relpath, None


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for pattern in ("%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _callouts(body: str) -> str:
    def admonition(match: re.Match) -> str:
        inner = re.sub(r"(?m)^> ?", "", match.group(2)).strip("\n")
        return (
            f"!!! {_KIND[match.group(1)]}\n\n"
            + "\n".join(("    " + line) if line.strip() else "" for line in inner.split("\n"))
            + "\n"
        )

    return _CALLOUT.sub(admonition, body)


def plan_markdown(
    folder: Path,
    mapping: Mapping,
    *,
    locales: tuple[str, ...],
    default_locale: str,
    default_owner: str,
    audience: str,
    into: str,
    previous: dict[str, dict],
) -> ImportPlan:
    root = _source_root(folder)
    plan = ImportPlan(system="markdown", source=str(folder), publish_despite=tuple(mapping.publish_despite))
    files = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*.md")
        if p.is_file() and not any(part.startswith(".") or part in _SKIP_DIRS for part in p.relative_to(root).parts)
    )
    canonical = {rel: _split_locale(rel, locales, mapping) for rel in files}
    taken = {entry["id"] for entry in previous.values()}
    ids: dict[str, str] = {}
    for base, _ in canonical.values():
        if base in ids:
            continue
        before = previous.get(f"{base}:source")
        stem = base[:-3]
        stem = stem[: -len("/index")] if stem.endswith("/index") else ("" if stem == "index" else stem)
        ids[base] = (
            before["id"] if before else unique(slug(f"{into}-{stem}".replace("/", "-"), 72) or into, taken, "doc")
        )
    sources = {base for base, loc in canonical.values() if loc is None or loc == default_locale}
    versions = {(base, loc) for base, loc in canonical.values() if loc}
    for rel in files:
        base, locale = canonical[rel]
        locale = locale or default_locale
        is_source = base in sources and (locale == default_locale)
        if not is_source and base not in sources:
            is_source = True  # a translation whose source is missing stands alone
        raw = (root / rel).read_bytes()
        text = raw.decode("utf-8", errors="replace")
        front: dict = {}
        body = text
        found = _FRONT.match(text)
        if found:
            loaded: object = {}
            try:
                loaded = safe_load(found.group(1)) or {}
            except Exception:
                plan.note("front-matter not readable: ignored", rel)
            front = loaded if isinstance(loaded, dict) else {}
            body = text[found.end() :]
        dropped = sorted(k for k in map(str, front) if k not in CARRIED)
        for key in dropped:
            plan.note("front-matter keys not carried over", f"{key} ({rel})")
        doc_id = ids[base] if is_source else f"{ids[base]}-{slug(locale)}"
        h1 = _H1.search(body)
        title = (h1.group(1).strip() if h1 else str(front.get("title") or "").strip()) or Path(base).stem.replace(
            "-", " "
        ).capitalize()
        body = body[h1.end() :] if h1 else body
        target = f"kb/{into}/{base}" if is_source else f"kb/{into}/{base[:-3]}.{locale}.md"
        assets: dict[str, Path] = {}

        def relink(match: re.Match) -> str:
            bang, text_, url, title_ = match.groups()
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^#|^/", url):
                return match.group(0)
            path, _, anchor = url.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path))
            if path.endswith(".md") and resolved in canonical:
                other_base, _ = canonical[resolved]
                target_id = ids.get(other_base)
                if target_id:
                    if locale != default_locale and (other_base, locale) in versions:
                        target_id = f"{target_id}-{slug(locale)}"
                    return f"{bang}[{text_}](id:{target_id}{'#' + anchor if anchor else ''}{title_})"
            source_file = root / resolved
            if not path.endswith(".md") and source_file.is_file() and not resolved.startswith(".."):
                new = posixpath.normpath(posixpath.join(posixpath.dirname(target), path))
                assets[new] = source_file
            return match.group(0)

        body = _LINK.sub(relink, _callouts(body)).strip("\n")
        meta: dict = {
            "id": doc_id,
            "title": title,
            "description": str(front.get("description") or "").strip() or describe(body, title),
            "type": "article",
        }
        status = str(front.get("status") or "published")
        meta["status"] = status if status in ("draft", "review", "published", "deprecated") else "published"
        meta["audience"] = str(front.get("audience")) if front.get("audience") in AUDIENCES else audience
        author = str(front.get("ms.author") or front.get("author") or "")
        owner = mapping.owners.people.get(author) if author else None
        if owner is None:
            plan.note(f"owner defaulted to {default_owner}", f"{rel}" + (f" (author {author})" if author else ""))
        meta["owner"] = owner or default_owner
        meta["locale"] = locale
        if not is_source:
            meta["translation_of"] = ids[base]
        reviewed = _date(front.get("ms.date") or front.get("date"))
        if reviewed:
            meta["last_reviewed"] = reviewed
        meta["classification"] = "public" if meta["audience"] == "public" else "internal"
        if len(meta["description"]) > 300 or len(meta["description"]) < 10:
            meta["description"] = describe(body, title)
        version = hashlib.sha256(raw).hexdigest()[:16]
        meta["upstream"] = {"system": "markdown", "id": rel, "updated_at": version}
        plan.docs.append(
            PlannedDoc(
                key=f"{base}:{'source' if is_source else locale}",
                relpath=target,
                meta=meta,
                body=f"# {heading_text(title)}\n\n{body}\n",
                updated_at=version,
                assets=assets,
                source_key=None if is_source else f"{base}:source",
                stamp=not is_source,
            )
        )
    return plan
