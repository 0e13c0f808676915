"""The content hash: what an approval or a translation is bound to."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from kbops.model.schema import TOOL_WRITTEN_FIELDS


def normalize_body(body: str) -> str:
    """Unicode NFC, LF line endings, no trailing spaces, no leading/trailing blank lines."""
    text = unicodedata.normalize("NFC", body).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def governed_fields(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Front-matter minus tool-written stamps (approvals, translation source hash)."""
    return {k: _plain(v) for k, v in meta.items() if k not in TOOL_WRITTEN_FIELDS}


def content_hash(meta: Mapping[str, Any], body: str) -> str:
    """SHA-256 over the governed front-matter (canonical JSON) and the normalized body."""
    canonical = json.dumps(governed_fields(meta), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256()
    digest.update(canonical.encode("utf-8"))
    digest.update(b"\n---\n")
    digest.update(normalize_body(body).encode("utf-8"))
    return digest.hexdigest()
