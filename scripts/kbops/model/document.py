"""A parsed knowledge-base document: front-matter, Markdown structure with source lines, content hash."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from kbops import locale as locales
from kbops.model.schema import FrontMatter


@dataclass(frozen=True)
class ParseProblem:
    """Why a file could not be read as a document. `code` is the lint rule that reports it."""

    code: str
    line: int
    message: str


@dataclass(frozen=True)
class SchemaProblem:
    """One front-matter validation error, located at the offending key's line."""

    field: str
    kind: str  # missing | unknown | invalid
    message: str
    line: int
    value: Any = None


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int
    anchor: str
    has_content: bool  # any block between this heading and the next heading


@dataclass(frozen=True)
class Link:
    target: str
    text: str
    line: int


@dataclass(frozen=True)
class Block:
    """A leaf block of the body: paragraph, list item text, table, code, html (block or inline)."""

    kind: str
    line: int
    text: str


@dataclass(frozen=True)
class Document:
    """One Markdown file of a knowledge-base root, parsed once and shared by every consumer."""

    relpath: str  # posix path relative to the KB root, e.g. "sops/banking/manual-load.md"
    folder: str  # the root folder it lives in: kb | sops | playbooks
    text: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)
    frontmatter: FrontMatter | None = None
    schema_problems: tuple[SchemaProblem, ...] = ()
    problems: tuple[ParseProblem, ...] = ()
    body: str = ""
    body_line: int = 1  # 1-based line of the file where the body starts
    headings: tuple[Heading, ...] = ()
    links: tuple[Link, ...] = ()
    blocks: tuple[Block, ...] = ()
    content_hash: str = ""
    default_locale: str = locales.DEFAULT_LOCALE  # [tool.kbops] default_locale: the locale of a doc without `locale:`

    # -- convenience accessors that work even when the front-matter did not validate --
    @property
    def parsed(self) -> bool:
        return not self.problems

    @property
    def id(self) -> str | None:
        value = self.meta.get("id")
        return value if isinstance(value, str) else None

    def get(self, key: str, default: Any = None) -> Any:
        """A front-matter value as written (raw YAML), whatever its validity."""
        return self.meta.get(key, default)

    def line_of(self, key: str) -> int:
        """Line of a front-matter key, or 1."""
        return self.meta_lines.get(key, 1)

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.relpath)

    @property
    def locale(self) -> str:
        return locales.doc_locale(self.meta, self.default_locale)

    @property
    def body_lines(self) -> list[str]:
        return self.body.split("\n")

    @property
    def h1(self) -> list[Heading]:
        return [h for h in self.headings if h.level == 1]


def slugify(value: str, separator: str = "-") -> str:
    """Heading anchors exactly as MkDocs' toc extension makes them (so link checks agree with the site)."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(rf"[{separator}\s]+", separator, value)


def unique_anchor(anchor: str, seen: dict[str, int]) -> str:
    if anchor not in seen:
        seen[anchor] = 0
        return anchor
    seen[anchor] += 1
    return f"{anchor}_{seen[anchor]}"
