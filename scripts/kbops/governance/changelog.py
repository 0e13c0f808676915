"""`kb changelog`: docs added, changed and deprecated since a date — a digest for BPO trainers, publishable as a page."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from kbops.errors import UsageError
from kbops.governance.history import GitHistory
from kbops.model.document import Document
from kbops.model.loader import Corpus
from kbops.publishing import WIDEST_AUDIENCE, is_visible, require_audience, select_for_audience, status_is_publishable

KINDS = ("added", "changed", "deprecated")
HEADINGS = {"added": "New", "changed": "Updated", "deprecated": "Deprecated"}


@dataclass(frozen=True)
class ChangeEntry:
    kind: str  # added | changed | deprecated
    id: str
    title: str
    path: str
    type: str
    audience: str
    locale: str
    date: str  # day of the latest change since the start date
    messages: tuple[str, ...]  # commit subjects, newest first
    superseded_by: str | None = None


@dataclass(frozen=True)
class Changelog:
    since: str
    until: str
    audience: str
    entries: tuple[ChangeEntry, ...]

    def of_kind(self, kind: str) -> list[ChangeEntry]:
        return [e for e in self.entries if e.kind == kind]

    def as_dict(self) -> dict:
        return {
            "since": self.since,
            "until": self.until,
            "audience": self.audience,
            **{kind: [{**vars(e), "messages": list(e.messages)} for e in self.of_kind(kind)] for kind in KINDS},
        }


def changelog(
    corpus: Corpus,
    history: GitHistory,
    since: dt.date,
    today: dt.date,
    audience: str = WIDEST_AUDIENCE,
    exclude: str | None = None,
) -> Changelog:
    """Compare each visible doc with its state at `since` (git): new, content changed, or newly deprecated."""
    require_audience(audience)
    if not history.available:
        raise UsageError(f"kb changelog needs git: {history.reason}")
    start = since.isoformat()
    # author dates can precede commit dates: look a week further back, then filter by author day
    touched = history.touched_since(corpus.settings.roots, (since - dt.timedelta(days=7)).isoformat())
    entries = []
    for doc in corpus.docs:
        if doc.relpath == exclude or doc.relpath not in touched or not is_visible(doc, audience):
            continue
        versions = [v for v in history.versions(doc.relpath) if v.blob]
        recent = [v for v in versions if v.day >= start]
        if not recent:
            continue
        base_version = next((v for v in versions if v.day < start), None)
        base = history.document_at(base_version) if base_version else None
        kind = _kind(doc, base)
        if kind is None:
            continue
        hashes = [history.content_hash_at(v) for v in versions]
        changed = [v for i, v in enumerate(recent) if i + 1 >= len(hashes) or hashes[i] != hashes[i + 1]] or recent
        messages = tuple(dict.fromkeys(v.subject for v in changed))
        entries.append(
            ChangeEntry(
                kind,
                doc.id or "",
                doc.title,
                doc.relpath,
                str(doc.get("type")),
                str(doc.get("audience")),
                doc.locale,
                changed[0].day,
                messages,
                doc.get("superseded_by"),
            )
        )
    entries.sort(key=lambda e: (KINDS.index(e.kind), e.path))
    return Changelog(start, today.isoformat(), audience, tuple(entries))


def linkable_docs(corpus: Corpus, audience: str) -> dict[str, tuple[str, str]]:
    """id -> (path, title) of the source-language docs `audience` may see: the only successors a digest may name."""
    return {
        d.id: (d.relpath, d.title)
        for d in select_for_audience(corpus.docs, audience)
        if d.id and not d.get("translation_of")
    }


def _kind(doc: Document, base: Document | None) -> str | None:
    was_published = base is not None and status_is_publishable(base.get("status"))
    if doc.get("status") == "deprecated" and (base is None or base.get("status") != "deprecated"):
        return "deprecated"  # even when new in the period: trainers must learn it is not to be used
    if base is None or not was_published:
        return "added"
    if base.content_hash != doc.content_hash:
        return "changed"
    return None  # approvals or other tool stamps only


def _link(entry: ChangeEntry, page_dir: str) -> str:
    return os.path.relpath(entry.path, page_dir or ".").replace(os.sep, "/")


def render_markdown(
    log: Changelog, page_path: str | None = None, by_id: dict[str, tuple[str, str]] | None = None
) -> str:
    """The digest as Markdown; links are relative to `page_path` when it is written as a site page."""
    page_dir = os.path.dirname(page_path) if page_path else ""
    counts = ", ".join(f"{len(log.of_kind(k))} {HEADINGS[k].lower()}" for k in KINDS)
    lines = [
        f"# What changed since {log.since}",
        "",
        f"{counts} ({log.since} to {log.until}, audience {log.audience}).",
        "",
    ]
    if not log.entries:
        lines += ["No published doc changed in this period.", ""]
    for kind in KINDS:
        entries = log.of_kind(kind)
        if not entries:
            continue
        lines += [f"## {HEADINGS[kind]}", ""]
        for e in entries:
            if kind == "deprecated":
                # no link to the deprecated page itself: readers should land on its successor
                line = f"- {e.title} ({e.type}, {e.locale}, {e.date})"
                target = (by_id or {}).get(e.superseded_by or "")
                if target:  # `by_id` holds only docs the audience may see: no title of a hidden successor leaks
                    line += f": replaced by [{target[1]}]({os.path.relpath(target[0], page_dir or '.')})"
            else:
                line = f"- [{e.title}]({_link(e, page_dir)}) ({e.type}, {e.locale}, {e.date})"
            if kind != "deprecated" and e.messages:
                line += ": " + "; ".join(e.messages[:3])
            lines.append(line)
        lines.append("")
    return "\n".join(lines)


def render_text(log: Changelog) -> str:
    lines = [
        f"Changes since {log.since} (audience {log.audience}): "
        + ", ".join(f"{len(log.of_kind(k))} {k}" for k in KINDS)
    ]
    for e in log.entries:
        lines.append(
            f"  {e.kind:10} {e.date}  {e.path}  {e.title}" + (f" -> {e.superseded_by}" if e.superseded_by else "")
        )
    return "\n".join(lines)


def changelog_page(
    log: Changelog, page_path: str, owner: str, today: dt.date, by_id: dict[str, tuple[str, str]]
) -> str:
    """A complete, valid KB article (front-matter + digest) for the site."""
    stem = os.path.splitext(os.path.basename(page_path))[0]
    doc_id = stem if log.audience == WIDEST_AUDIENCE or stem.endswith(log.audience) else f"{stem}-{log.audience}"
    front = [
        "---",
        f"id: {doc_id}",
        f'title: "What changed since {log.since}"',
        f'description: "Docs added, updated and deprecated in the knowledge base since {log.since}, for agent training."',
        "type: article",
        "status: published",
        f"audience: {log.audience}",
        f"owner: {owner}",
        f"last_reviewed: {today.isoformat()}",
        "---",
        "",
    ]
    return "\n".join(front) + render_markdown(log, page_path, by_id)
