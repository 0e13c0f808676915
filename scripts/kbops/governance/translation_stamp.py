"""`kb translated`: record in a translation the source content hash it now matches (clears translation drift)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kbops.config import Settings
from kbops.governance.approvals import Refused, _expand, _write_atomically
from kbops.model.loader import Corpus, parse_document, relative
from kbops.model.translations import translation_status

log = logging.getLogger(__name__)

_BOUNDARY = re.compile(r"^-{3,}\s*$")


@dataclass(frozen=True)
class Stamped:
    path: str
    source: str  # the source doc's path
    hash: str
    action: str  # "stamped" | "unchanged"


@dataclass
class StampReport:
    stamped: list[Stamped] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def mark_translated(settings: Settings, corpus: Corpus, paths: Iterable[Path]) -> StampReport:
    """Set `source_hash` of each translation to its source's current content hash, touching only that line."""
    report = StampReport()
    for path in _expand(settings, paths):
        relpath = relative(settings, path)
        try:
            report.stamped.append(_stamp(path, relpath, corpus))
        except ValueError as exc:
            report.refused.append(Refused(relpath, str(exc)))
    return report


def _stamp(path: Path, relpath: str, corpus: Corpus) -> Stamped:
    if not path.is_file():
        raise ValueError("no such file")
    data = path.read_bytes()
    doc = parse_document(relpath, data)
    if not doc.parsed:
        raise ValueError(f"cannot be parsed ({doc.problems[0].message})")
    status = translation_status(doc, corpus.by_id)
    if status is None:
        raise ValueError("not a translation (no translation_of)")
    if status.source is None or not status.current_hash:
        raise ValueError(f"translation_of names no source doc {doc.get('translation_of')!r} in another locale")
    if status.recorded_hash == status.current_hash:
        return Stamped(relpath, status.source.relpath, status.current_hash, "unchanged")
    text = data.decode("utf-8-sig")
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    new_text = set_scalar(text, "source_hash", status.current_hash, after="translation_of")
    check = parse_document(relpath, (bom + new_text).encode("utf-8"))
    rest = lambda d: {k: v for k, v in d.meta.items() if k != "source_hash"}  # noqa: E731
    if check.get("source_hash") != status.current_hash or rest(check) != rest(doc) or check.body != doc.body:
        raise ValueError("source_hash could not be written without changing other content; file left untouched")
    _write_atomically(path, (bom + new_text).encode("utf-8"))
    log.info("%s: source_hash set to %s", relpath, status.current_hash[:12])
    return Stamped(relpath, status.source.relpath, status.current_hash, "stamped")


def set_scalar(text: str, key: str, value: str, after: str | None = None) -> str:
    """Replace the value of a top-level front-matter key (keeping its trailing comment), or insert the key."""
    newline = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    lines = text.splitlines(keepends=True)
    close = next((i for i in range(1, len(lines)) if _BOUNDARY.match(lines[i].rstrip("\r\n"))), None)
    if not lines or not _BOUNDARY.match(lines[0].rstrip("\r\n")) or close is None:
        raise ValueError("no closed front-matter")
    rendered = f"'{value}'" if value.isdigit() else value
    pattern = re.compile(rf"^{re.escape(key)}\s*:\s*(?:'[^']*'|\"[^\"]*\"|[^\s#]*)(\s+#.*)?$")
    for index in range(1, close):
        found = pattern.match(lines[index].rstrip("\r\n"))
        if found:
            lines[index] = f"{key}: {rendered}{found.group(1) or ''}{newline}"
            return "".join(lines)
    anchor = next((i for i in range(1, close) if after and re.match(rf"^{re.escape(after)}\s*:", lines[i])), close - 1)
    lines.insert(anchor + 1, f"{key}: {rendered}{newline}")
    return "".join(lines)
