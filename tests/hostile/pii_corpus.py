"""The personal-data corpora of tests/hostile/pii/ (see its README.md) and what "not stored" means."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

PII_DIR = Path(__file__).parent / "pii"


@dataclass(frozen=True)
class Labelled:
    locale: str
    kind: str
    text: str
    value: str

    @property
    def span(self) -> tuple[int, int]:
        start = self.text.index(self.value)
        return start, start + len(self.value)


def labelled() -> list[Labelled]:
    rows = (json.loads(line) for line in (PII_DIR / "labelled.jsonl").read_text(encoding="utf-8").splitlines())
    return [Labelled(**row) for row in rows]


def technical() -> list[dict]:
    return [json.loads(line) for line in (PII_DIR / "technical.jsonl").read_text(encoding="utf-8").splitlines()]


def traces(value: str) -> list[str]:
    """What must not appear in stored output: the value as written, and its letters and digits alone."""
    compact = re.sub(r"[\W_]", "", value)
    return [value] + ([compact] if len(compact) >= 6 else [])


def leaked(item: Labelled, stored: str) -> list[str]:
    squeezed = re.sub(r"[\W_]", "", stored)
    found = [t for t in traces(item.value)[:1] if t in stored]
    found += [t for t in traces(item.value)[1:] if t in squeezed]
    return found
