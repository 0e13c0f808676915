"""A small governed knowledge base in tmp_path, as a real git repository with several authors."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import git

WENDY = ("Wendy Writer", "wendy@acme.example")  # compliance analyst who writes SOPs
RITA = ("Rita Reviewer", "rita@acme.example")  # compliance reviewer
CARL = ("Carl Content", "carl@acme.example")  # content reviewer, support-ops
OLGA = ("Olga Ops", "olga@acme.example")  # support-ops writer, in no reviewer group
BOT = ("KB Bot", "kb-bot@ci.example")  # CI identity, not a governance person

GOVERNANCE = """\
# test governance
teams:
  support-ops:
    name: Support Operations
    members: [carl, olga]
    codeowners: ["@acme/support-ops"]
  compliance:
    name: Compliance
    members: [wendy, rita]
    codeowners: ["@acme/compliance"]
people:
  wendy: {name: Wendy Writer, emails: [wendy@acme.example], team: compliance}
  rita: {name: Rita Reviewer, emails: [rita@acme.example, rita.r@old.example], team: compliance}
  carl: {name: Carl Content, emails: [carl@acme.example], team: support-ops}
  olga: {name: Olga Ops, emails: [olga@acme.example], team: support-ops}
  ivan: {name: Ivan Inactive, emails: [ivan@acme.example], team: support-ops, active: false}
reviewer_groups:
  compliance: {description: Regulated content, members: [wendy, rita]}
  content-reviewers: {description: Customer-facing articles, members: [carl]}
review_intervals:
  default: {low: 365d, medium: 180d, high: 90d}
  sop: {medium: 120d, high: 90d}
due_soon: 14d
compliance_tags:
  gdpr: EU General Data Protection Regulation
approval_policies:
  - name: regulated-content
    match: {compliance: [gdpr]}
    require: [{group: compliance, count: 1}]
  - name: sop-owner-sign-off
    match: {type: [sop]}
    require: [{group: owner, count: 1}]
  - name: public-article-review
    match: {type: [article], audience: [public]}
    require: [{group: content-reviewers, count: 1}]
"""

TAXONOMY = "products: {}\ntags: {}\nintents: {}\n"


def doc_text(body: str = "", **fields) -> str:
    """A document with the given front-matter fields (in the given order) and body."""
    lines = ["---"]
    for key, value in fields.items():
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(value)}]")
        else:
            lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n" + (body or f"# {fields.get('title', 'Doc')}\n\nSome useful content.\n")


DELETION_SOP = doc_text(
    "# Data deletion requests\n\n## Purpose\n\nErase a customer's personal data on request.\n\n"
    "## Scope\n\nEvery channel that receives deletion requests.\n\n"
    "## Procedure\n\n1. Verify the requester.\n2. Delete within 30 days.\n\n"
    "## Escalation\n\nAsk the compliance team when the request is disputed.\n",
    id="data-deletion",
    title="Data deletion requests",
    description="How to handle a customer's request to delete their personal data.",
    type="sop",
    status="published",
    audience="internal",
    owner="compliance",
    compliance=["gdpr"],
    last_reviewed="2026-09-01",
)

CARD_ARTICLE = doc_text(
    "# Card declined\n\nCheck the balance, then the merchant category.\n",
    id="card-declined",
    title="Card declined",
    description="Why a card payment is declined and what the cardholder can do.",
    type="article",
    status="published",
    audience="public",
    owner="support-ops",
    last_reviewed="2026-06-01",
)


def write(root: Path, relpath: str, text: str) -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def approve_as(root: Path, email: str, *paths: str, today: str = "2026-11-01", checked: bool = True) -> None:
    """`kb approve --as EMAIL PATH...` in-process (the CLI itself is tested in test_approve.py).

    `checked=False` writes the approval the way a hand edit (or a kb without the approval checks) would, so
    lint's rules can be shown catching approvals that do not count.
    """
    import datetime as dt

    if not checked:
        from kbops.governance.approvals import set_approval
        from kbops.model.loader import parse_document

        for relpath in paths:
            path = root / relpath
            text = path.read_text(encoding="utf-8")
            current = parse_document(relpath, text.encode("utf-8")).content_hash
            new_text, _ = set_approval(text, {email.lower()}, email, dt.date.fromisoformat(today), current)
            path.write_text(new_text, encoding="utf-8")
        return

    from kbops.config import load_settings
    from kbops.governance.approvals import approve
    from kbops.model.governance import load_governance

    settings = load_settings(root)
    report = approve(
        settings,
        load_governance(settings.governance_path),
        [root / p for p in paths],
        email,
        dt.date.fromisoformat(today),
    )
    assert not report.refused, report.refused


def make_kb(root: Path) -> Path:
    """governance.yml, taxonomy.yml and the content roots, without git."""
    root.mkdir(parents=True, exist_ok=True)
    write(root, "governance.yml", GOVERNANCE)
    write(root, "taxonomy.yml", TAXONOMY)
    for folder in ("kb", "sops", "playbooks"):
        (root / folder).mkdir(exist_ok=True)
    write(root, "sops/data-deletion.md", DELETION_SOP)
    write(root, "kb/card-declined.md", CARD_ARTICLE)
    return root


def commit(root: Path, message: str, author: tuple[str, str], *paths: str, date: str | None = None) -> None:
    git(root, "add", *(paths or ("-A",)))
    args = ["commit", "-q", "-m", message]
    if date:
        args += ["--date", date]
        os.environ["GIT_COMMITTER_DATE"] = date
    try:
        git(root, *args, author=author)
    finally:
        os.environ.pop("GIT_COMMITTER_DATE", None)


def init_repo(root: Path) -> Path:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", BOT[0])
    git(root, "config", "user.email", BOT[1])
    return root


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    return make_kb(tmp_path / "kb-root")


@pytest.fixture
def git_small_kb(small_kb: Path) -> Path:
    init_repo(small_kb)
    commit(small_kb, "Initial knowledge base", BOT, date="2026-09-01T10:00:00+00:00")
    return small_kb


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def kb_inprocess(*args: str, cwd: Path) -> Ran:
    """The `kb` command run in this process (click's runner), with `kb`'s exit-code mapping of KbError.

    The subprocess form (tests.conftest.run_kb) is used by the approve and end-to-end tests; reports use
    this one because interpreter start-up dominates their run time on a loaded machine.
    """
    from typer.testing import CliRunner

    from kbops.cli import app
    from kbops.errors import KbError

    with contextlib.chdir(cwd):
        result = CliRunner().invoke(app, list(args))
    if isinstance(result.exception, KbError):
        return Ran(
            result.exception.exit_code,
            result.stdout,
            "".join(f"kb: error: {l}\n" for l in str(result.exception).splitlines()),
        )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)
