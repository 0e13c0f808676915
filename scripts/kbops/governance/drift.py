"""Translation drift: what changed in a source doc since its translation was made (from git when it can tell)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from kbops.governance.history import GitHistory
from kbops.model.document import Document
from kbops.model.loader import parse_document
from kbops.model.translations import TranslationStatus


@dataclass(frozen=True)
class SourceChange:
    """A summary of the source's changes since the recorded hash; counts are None when git cannot tell."""

    commits: int | None
    latest_day: str | None
    latest_author: str | None
    latest_subject: str | None
    added_lines: int | None
    removed_lines: int | None

    def describe(self) -> str:
        if self.commits is None:
            return ""
        parts = [f"{self.commits} commit{'s' if self.commits != 1 else ''}"]
        if self.latest_day:
            parts.append(f"latest {self.latest_day} by {self.latest_author}: {self.latest_subject!r}")
        if self.added_lines is not None:
            parts.append(f"+{self.added_lines} -{self.removed_lines} lines")
        return ", ".join(parts)


def source_change(source: Document, recorded_hash: str | None, history: GitHistory | None) -> SourceChange | None:
    """Commits and line changes of `source` since the version whose content hash is `recorded_hash`."""
    if not recorded_hash or history is None or not history.available:
        return None
    versions = [v for v in history.versions(source.relpath) if v.blob]
    newer = []
    for version in versions:
        if history.content_hash_at(version) == recorded_hash:
            break
        newer.append(version)
    else:
        return None  # the recorded hash never appeared in the source's history
    content_changes = [
        v
        for i, v in enumerate(newer)
        if history.content_hash_at(v) != (history.content_hash_at(versions[i + 1]) if i + 1 < len(versions) else None)
    ]
    base = history.document_at(versions[len(newer)])
    current = _current_body(source, history)
    added = removed = None
    if base is not None and current is not None:
        diff = difflib.unified_diff(base.body.splitlines(), current.splitlines(), lineterm="", n=0)
        lines = [l for l in diff if l[:1] in "+-" and not l.startswith(("+++", "---"))]
        added, removed = sum(1 for l in lines if l[0] == "+"), sum(1 for l in lines if l[0] == "-")
    latest = content_changes[0] if content_changes else None
    return SourceChange(
        len(content_changes),
        latest.day if latest else None,
        latest.author_name if latest else None,
        latest.subject if latest else None,
        added,
        removed,
    )


def _current_body(source: Document, history: GitHistory) -> str | None:
    """The source's body now; lint's corpus rules see compact Documents without it, so re-read the file."""
    if source.body:
        return source.body
    try:
        return parse_document(source.relpath, (history.root / source.relpath).read_bytes()).body
    except OSError:
        return None


def drift_message(translation: Document, status: TranslationStatus, history: GitHistory | None) -> str:
    source = status.source
    assert source is not None
    fix = f"update the translation, then run `kb translated {translation.relpath}` (source_hash: {status.current_hash})"
    if not status.recorded_hash:
        return f"translation of {source.relpath} does not record the source_hash it was made from; {fix}"
    change = source_change(source, str(status.recorded_hash), history)
    summary = change.describe() if change else ""
    if summary:
        return f"source {source.relpath} changed since this translation was made ({summary}); {fix}"
    return (
        f"source {source.relpath} changed since this translation was made "
        f"(recorded source_hash {str(status.recorded_hash)[:12]}, source is now {str(status.current_hash)[:12]}); {fix}"
    )
