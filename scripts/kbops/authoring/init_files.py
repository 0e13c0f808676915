"""The files `kb init` writes: configuration, governance, site and starter pages (text templates only)."""

from __future__ import annotations

import json

import yaml

from kbops.authoring.init_answers import InitAnswers
from kbops.locale import language_of


def _yaml(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=110)


def pyproject(a: InitAnswers) -> str:
    return (
        "# kbops configuration of this knowledge base (defaults live in kbops; see its README).\n"
        "[tool.kbops]\n"
        'roots = ["kb", "sops", "playbooks"]\n'
        f"default_locale = {json.dumps(a.default_locale)}\n"
        f"locales = {json.dumps(list(a.locales))}\n"
        "\n[tool.kbops.lint]\n"
        '# Per-rule severity overrides: "error" | "warning" | "info" | "off".\n'
        "severity = {}\n"
    )


def governance(a: InitAnswers) -> str:
    team = {"name": a.team_name, "members": [a.person]}
    if a.team_email:
        team["email"] = a.team_email
    if a.codeowners:
        team["codeowners"] = list(a.codeowners)
    data = {
        "teams": {a.team: team},
        "people": {a.person: {"name": a.name, "emails": [a.email], "team": a.team}},
        "reviewer_groups": {
            "content-reviewers": {"description": "Editorial review of customer-facing articles", "members": [a.person]},
        },
        "review_intervals": {
            "default": {"low": "365d", "medium": "180d", "high": "90d"},
            "sop": {"low": "180d", "medium": "120d", "high": "90d"},
        },
        "due_soon": "14d",
        "compliance_tags": {},
        "approval_policies": [],
    }
    return (
        '# Who owns what, who reviews what, how often content is re-attested (kbops README, "governance.yml").\n'
        f"# Written by `kb init`; {a.name} is the first owner and reviewer. Add people and teams as they join.\n"
        "# Approval policies are off until you add one, e.g.:\n"
        "#   approval_policies:\n"
        "#     - name: public-article-review\n"
        "#       match: {type: [article], audience: [public]}\n"
        "#       require: [{group: content-reviewers, count: 1}]\n" + _yaml(data)
    )


def taxonomy(a: InitAnswers) -> str:
    products = {a.product: {"label": a.product_label}} if a.product else {}
    return (
        "# Controlled vocabulary: products, tags and intents (kbops README). `kb import` adds what it brings in.\n"
        + _yaml({"products": products, "tags": {}, "intents": {}})
    )


def mkdocs(a: InitAnswers) -> str:
    data = {
        "site_name": a.site_name,
        **({"site_url": a.site_url} if a.site_url else {}),
        "docs_dir": "kb",
        "site_dir": "site",
        "theme": {
            "name": "material",
            "language": a.default_locale,
            "font": False,
            "features": [
                "navigation.instant",
                "navigation.sections",
                "navigation.prune",
                "navigation.top",
                "search.suggest",
                "search.highlight",
            ],
        },
        "plugins": [
            {"kbops": {"events_endpoint": "/api/events", **({"contact_url": a.contact_url} if a.contact_url else {})}},
            {"search": {"lang": list(dict.fromkeys(language_of(loc) for loc in a.locales))}},
        ],
        "markdown_extensions": ["admonition", "attr_list", "md_in_html", "tables", {"toc": {"permalink": True}}],
        "extra": {"analytics": {"provider": "kbops"}},
        "validation": {
            "nav": {"omitted_files": "info", "not_found": "warn"},
            "links": {"not_found": "warn", "anchors": "warn"},
        },
    }
    return (
        "# The help-center site. Build one audience at a time: `kb build --audience partner`.\n"
        "# The kbops plugin stages a filtered copy of kb/ + sops/ + playbooks/ per audience and builds that.\n"
        + _yaml(data)
    )


def home_page(a: InitAnswers, today: str) -> str:
    return _doc(
        {
            "id": "home",
            "title": a.site_name,
            "description": f"Answers and guides from {a.site_name}.",
            "type": "article",
            "status": "published",
            "audience": "public",
            "owner": a.team,
            "locale": a.default_locale,
            "last_reviewed": today,
            "risk": "low",
            "classification": "public",
        },
        f"# {a.site_name}\n\nWelcome. Articles appear here as they are published.\n",
    )


def sops_index(a: InitAnswers, today: str) -> str:
    return _doc(
        {
            "id": "sops-home",
            "title": "Standard operating procedures",
            "description": "How this team writes and maintains its standard operating procedures.",
            "type": "sop",
            "status": "published",
            "audience": "internal",
            "owner": a.team,
            "locale": a.default_locale,
            "last_reviewed": today,
            "risk": "low",
            "classification": "internal",
        },
        "# Standard operating procedures\n\n"
        "## Purpose\n\nProcedures that agents follow step by step live in this folder.\n\n"
        "## Scope\n\nEvery repeatable task of the support team that has a right and a wrong way to do it.\n\n"
        '## Procedure\n\n1. Run `kb new sop --title "..."` to scaffold a procedure.\n'
        "2. Fill every section, then run `kb lint`.\n3. Open a pull request for review.\n\n"
        "## Escalation\n\nAsk the owning team named in `governance.yml`. "
        "Incidents follow the [playbooks](../playbooks/index.md).\n",
    )


def playbooks_index(a: InitAnswers, today: str) -> str:
    return _doc(
        {
            "id": "playbooks-home",
            "title": "Playbooks and troubleshooting",
            "description": "How this team writes troubleshooting guides, escalation playbooks and response templates.",
            "type": "playbook",
            "status": "published",
            "audience": "internal",
            "owner": a.team,
            "locale": a.default_locale,
            "last_reviewed": today,
            "risk": "low",
            "classification": "internal",
        },
        "# Playbooks and troubleshooting\n\n"
        "## Trigger\n\nA recurring problem, an escalation or an incident that needs the same answer every time.\n\n"
        '## Steps\n\n1. Run `kb new playbook --title "..."` (or `troubleshooting`, `template`).\n'
        "2. Fill every section, then run `kb lint`.\n\n"
        "## Communication\n\nLink the playbook from the [procedures](../sops/index.md) that lead to it.\n",
    )


def _doc(meta: dict, body: str) -> str:
    return "---\n" + _yaml(meta) + "---\n" + body


GITIGNORE = "# kbops state (index, caches, events) and built sites\n.kb/\nsite/\n"

PRE_COMMIT = """\
# pre-commit (https://pre-commit.com): `pre-commit install`, then every commit runs kb lint on its docs.
repos:
  - repo: local
    hooks:
      - id: kb-lint
        name: kb lint
        entry: kb lint
        language: system
        files: ^(kb|sops|playbooks)/.*\\.md$
        require_serial: true
"""


def ci_workflow(a: InitAnswers) -> str:
    return f"""\
# Every pull request and push: kb lint (exit 1 on findings at error level) and a strict build per audience.
name: kb lint

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # four-eyes checks and --changed read the history
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install kbops
        run: pip install {json.dumps(a.kbops_requirement)}
      - name: Lint
        run: kb lint --format github
      - name: Build every audience
        run: for audience in public partner internal; do kb build --audience "$audience" || exit 1; done
"""
