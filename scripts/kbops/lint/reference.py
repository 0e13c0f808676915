"""The rules reference page of the manual (docs/kb/reference/lint-rules.md), generated from the rule docstrings.

Regenerate with `python -m kbops.reference docs` (with the other generated pages; a test keeps it current).
"""

from __future__ import annotations

import re
import sys
import textwrap
from itertools import groupby

from kbops.lint.registry import DOC_SECTIONS, FAMILIES, Rule, all_rules, parse_sections

REGENERATE = "PYTHONPATH=scripts python -m kbops.reference docs"
_EXAMPLE_SECTIONS = ("Bad", "Good")


def _fence(text: str) -> str:
    longest = max((len(m.group()) for m in re.finditer(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_rule(rule_: Rule) -> str:
    sections = parse_sections(rule_.doc)
    kind = "corpus rule (looks across documents)" if rule_.kind == "corpus" else "document rule"
    parts = [
        f"### {rule_.code} {rule_.slug}",
        "",
        f"{rule_.summary}",
        "",
        f"Default severity: **{rule_.severity.value}** · {kind}",
        "",
    ]
    for name in DOC_SECTIONS:
        body = textwrap.dedent(sections.get(name, "")).strip("\n")
        if not body:
            continue
        parts.append(f"**{name}:**")
        parts.append("")
        if name in _EXAMPLE_SECTIONS:
            parts.append(_fence(body))
        else:
            parts.append(re.sub(r"\s*\n\s*", " ", body.strip()))
        parts.append("")
    return "\n".join(parts)


def render(rules: dict[str, Rule] | None = None) -> str:
    """Markdown for every registered rule, grouped by family, in code order."""
    rules = rules if rules is not None else all_rules()
    ordered = sorted(rules.values(), key=lambda r: r.code)
    lines = [
        "# Lint rules",
        "",
        "<!-- Generated from the rule docstrings; do not edit. Regenerate with:",
        f"     {REGENERATE} -->",
        "",
        "`kb lint` checks every document against the rules below. `kb rule CODE` prints one of them in the",
        "terminal. Codes are stable: never renumbered, never reused. Change a rule's severity (or turn it",
        'off) in `pyproject.toml` under `[tool.kbops.lint] severity`, e.g. `severity = { KB703 = "off" }`.',
        "",
        "| code | rule | family | default | summary |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| [{r.code}](#{r.code.lower()}-{r.slug}) | {r.slug} | {r.family} | {r.severity.value} | {_cell(r.summary)} |"
        for r in ordered
    ]
    for family_digit, members in groupby(ordered, key=lambda r: int(r.code[2])):
        lines += ["", f"## {FAMILIES[family_digit].replace('-', ' ').capitalize()} (KB{family_digit}xx)", ""]
        lines += [render_rule(r) for r in members]
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
