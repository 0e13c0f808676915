"""What an importer proposes to write: documents (front-matter + Markdown), their files and taxonomy terms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kbops.model.schema import ID_PATTERN

try:  # the C emitter: ~10x faster on 15,000 front-matters
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Dumper = yaml.SafeDumper


@dataclass
class PlannedDoc:
    key: str  # upstream identity, stable across imports: "<article id>:<locale>", a source path...
    relpath: str  # where it goes, relative to the KB root
    meta: dict[str, Any]  # front-matter, in writing order
    body: str  # Markdown with its H1
    updated_at: str | None = None  # upstream's; an unchanged value means nothing to do
    assets: dict[str, Path] = field(default_factory=dict)  # KB-relative path -> file to copy
    source_key: str | None = None  # a translation: the key of its source doc
    stamp: bool = False  # a translation that is current upstream: record its source's content hash
    notes: list[str] = field(default_factory=list)  # why it needs a look: "owner defaulted", "outdated translation"


@dataclass
class ImportPlan:
    system: str  # zendesk | markdown
    source: str  # what was imported (folder, subdomain)
    docs: list[PlannedDoc] = field(default_factory=list)
    products: dict[str, str] = field(default_factory=dict)  # taxonomy key -> label
    tags: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)  # what the mapping could not carry over, grouped
    complete: bool = True  # the source was read whole: missing keys are upstream deletions
    publish_despite: tuple[str, ...] = ("KB401", "KB402")  # lint codes that do not hold a doc back (still reported)

    def note(self, group: str, item: str) -> None:
        self.notes.setdefault(group, []).append(item)


def render(meta: dict[str, Any], body: str) -> str:
    """The file text: YAML front-matter then the body."""
    front = yaml.dump(meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None)
    return f"---\n{front}---\n{body.rstrip()}\n"


def slug(text: str, limit: int = 60) -> str:
    """An id-shaped slug (`ID_PATTERN`), cut at a word boundary; '' when nothing ASCII is left."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", text)
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or (words[0][:limit] if words else "")


def unique(base: str, taken: set[str], suffix: str) -> str:
    """`base`, else `base-<suffix>`, else `base-<suffix>-2`...; the result is added to `taken`."""
    candidate = base
    n = 1
    while candidate in taken or not re.fullmatch(ID_PATTERN, candidate):
        candidate = f"{base}-{suffix}" if n == 1 else f"{base}-{suffix}-{n}"
        candidate = candidate.strip("-") or suffix
        n += 1
    taken.add(candidate)
    return candidate


_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)|[*_`>#|]|<[^>]+>")


def describe(body: str, title: str, limit: int = 280) -> str:
    """A description from the first paragraph of prose (the schema wants 10-300 characters)."""
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        if not block or block.startswith(("#", "!!!", "|", "```", "    ", "- ", "1.")):
            continue
        text = re.sub(r"\s+", " ", _MARKUP.sub(lambda m: m.group(1) or "", block)).strip()
        if len(text) < 20:
            continue
        if len(text) > limit:
            cut = text[:limit]
            sentence = cut.rfind(". ")
            text = cut[: sentence + 1] if sentence > 60 else cut.rsplit(" ", 1)[0] + "…"
        return text
    fallback = f"{title}: imported help-center article."
    return fallback[:limit]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#])")


def heading_text(title: str) -> str:
    """The H1 that renders as exactly `title` (KB203): Markdown's special characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", title.strip())
