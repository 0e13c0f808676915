"""The rule registry: one small function per stable code (`KB` + 3 digits; hundreds digit = family)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from kbops.lint.diagnostics import Severity

FAMILIES = {
    0: "parsing",
    1: "schema",
    2: "structure",
    3: "links",
    4: "freshness",
    5: "personal-data",
    6: "unsafe-html",
    7: "style",
    8: "governance",
}
DOC_SECTIONS = ("What it checks", "Why it matters", "Bad", "Good", "How to fix")
CODE_PATTERN = re.compile(r"^KB\d{3}$")


class Finding(NamedTuple):
    """What a rule yields. Document rules: (line, message). Corpus rules also name the doc's relpath."""

    line: int
    message: str
    col: int = 1
    path: str | None = None
    # a finding may be milder than its rule (e.g. "warning" for a draft); never more severe than configured
    severity: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    slug: str
    severity: Severity
    # "document" rules see one full Document; "corpus" rules see the whole Corpus, whose documents are
    # compact copies without `text`, `body` and `blocks` (they travel between processes and into the
    # cache; see lint.filecheck.compact): corpus rules work on front-matter, headings and links.
    kind: str
    check: Callable[..., Iterable[Finding]]
    doc: str

    @property
    def family(self) -> str:
        return FAMILIES[int(self.code[2])]

    @property
    def summary(self) -> str:
        return self.doc.strip().split("\n", 1)[0]

    def section(self, name: str) -> str:
        """One fixed docstring section, e.g. rule.section("How to fix")."""
        return parse_sections(self.doc).get(name, "")


RULES: dict[str, Rule] = {}


def rule(code: str, slug: str, severity: str = "error", kind: str = "document") -> Callable:
    """Register a rule. Codes are stable: never renumbered, never reused."""
    if not CODE_PATTERN.match(code):
        raise ValueError(f"rule code {code!r} must look like KB123")
    if kind not in ("document", "corpus"):
        raise ValueError(f"rule kind {kind!r} must be 'document' or 'corpus'")

    def register(func: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice ({RULES[code].slug}, {slug})")
        RULES[code] = Rule(code, slug, Severity(severity), kind, func, inspect.getdoc(func) or "")
        return func

    return register


def parse_sections(doc: str) -> dict[str, str]:
    """Split a rule docstring into its fixed sections ("What it checks:" ... "How to fix:")."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in doc.splitlines():
        header = line.strip().rstrip(":")
        if header in DOC_SECTIONS and line.strip().endswith(":"):
            current = header
            sections[current] = []
        elif current:
            sections[current].append(line)
    return {name: "\n".join(lines).strip("\n") for name, lines in sections.items()}


def all_rules() -> dict[str, Rule]:
    """Every registered rule (importing the rule modules registers them)."""
    import kbops.lint.rules  # noqa: F401

    return dict(sorted(RULES.items()))


def get_rule(code: str) -> Rule:
    from kbops.errors import UsageError

    rules = all_rules()
    key = code.upper()
    if key not in rules:
        by_slug = {r.slug: r for r in rules.values()}
        if code in by_slug:
            return by_slug[code]
        raise UsageError(f"unknown rule {code!r}; `kb rule --list` shows every code")
    return rules[key]


def explain(rule_: Rule) -> str:
    return f"{rule_.code} {rule_.slug} ({rule_.family}, default {rule_.severity.value})\n\n{rule_.doc}\n"


def describe(rules: dict[str, Rule]) -> Any:
    return [
        {
            "code": r.code,
            "slug": r.slug,
            "family": r.family,
            "severity": r.severity.value,
            "kind": r.kind,
            "summary": r.summary,
        }
        for r in rules.values()
    ]
