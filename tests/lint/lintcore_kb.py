"""A small knowledge base for the runner, cache, --changed, suppression and format tests.

Independent of the bundled KB (written in parallel) and of the rule fixtures. `temporary_rule`
registers a rule for one test only, so the registry seen by other tests is unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from kbops.lint.diagnostics import Severity
from kbops.lint.registry import RULES, Rule

GOVERNANCE = """\
teams:
  cards-support: {name: Cards Support, members: [lucia.martin]}
  banking-ops: {name: Banking Operations, members: [omar.haddad]}
people:
  lucia.martin: {name: Lucía Martín, emails: [lucia.martin@acme-cards.test], team: cards-support}
  omar.haddad: {name: Omar Haddad, emails: [omar.haddad@acme-cards.test], team: banking-ops}
review_intervals:
  default: {low: 365d, medium: 180d, high: 90d}
"""
TAXONOMY = """\
products:
  cards: {label: Corporate cards, es: Tarjetas corporativas, fr: Cartes d'entreprise}
tags:
  declined: {label: Declined payments}
intents:
  declined_card_payment: {label: Card payment declined}
"""
PYPROJECT = """\
[tool.kbops]
roots = ["kb", "sops", "playbooks"]
today = "2026-11-22"
"""


def doc(
    doc_id: str, title: str, body: str, doc_type: str = "article", audience: str = "public", extra: str = ""
) -> str:
    return (
        f"---\nid: {doc_id}\ntitle: {title}\ndescription: What to do about {title.lower()}.\n"
        f"type: {doc_type}\nstatus: published\naudience: {audience}\nowner: cards-support\nlast_reviewed: 2026-11-01\n{extra}---\n"
        f"# {title}\n\n{body}"
    )


FILES = {
    "kb/card-declined.md": doc(
        "card-declined",
        "Card declined",
        "A payment is refused.\n\nSee [card arrival](card-arrival.md) and [loads](../sops/manual-load.md).\n",
    ),
    "kb/card-arrival.md": doc(
        "card-arrival", "Card arrival", "Cards arrive in five business days.\n\n[Back](card-declined.md)\n"
    ),
    "sops/manual-load.md": doc(
        "manual-load",
        "Manual load",
        "## Purpose\n\nLoad funds by hand.\n\n[declined](../kb/card-declined.md)\n\n## Scope\n\nCorporate cards.\n\n"
        "## Procedure\n\nCheck the request, then load.\n\n## Escalation\n\nBanking operations.\n",
        doc_type="sop",
        audience="partner",
    ),
}


def write_kb(root: Path, files: dict[str, str] | None = None, pyproject: str = PYPROJECT) -> Path:
    """The small knowledge base under `root` (plus or instead of `files`)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "governance.yml").write_text(GOVERNANCE, encoding="utf-8")
    (root / "taxonomy.yml").write_text(TAXONOMY, encoding="utf-8")
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    for folder in ("kb", "sops", "playbooks"):
        (root / folder).mkdir(exist_ok=True)
    for relpath, text in (FILES if files is None else files).items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@contextlib.contextmanager
def temporary_rule(
    code: str, slug: str, check: Callable, kind: str = "document", severity: str = "error"
) -> Iterator[Rule]:
    """Register a rule for the duration of a test (forked worker processes inherit it)."""
    assert code not in RULES, f"{code} is a real rule"
    RULES[code] = Rule(code, slug, Severity(severity), kind, check, check.__doc__ or slug)
    try:
        yield RULES[code]
    finally:
        RULES.pop(code, None)
