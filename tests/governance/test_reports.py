"""Golden outputs of the governance reports over a scripted git history (set KB_UPDATE_GOLDEN=1 to regenerate)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kbops.model.loader import parse_document
from tests.governance.conftest import (
    BOT,
    CARL,
    OLGA,
    RITA,
    WENDY,
    approve_as,
    commit,
    doc_text,
    git,
    init_repo,
    kb_inprocess,
    make_kb,
    write,
)

GOLDEN = Path(__file__).parent / "golden"
TODAY = "2026-11-05"


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("KB_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path} missing; run with KB_UPDATE_GOLDEN=1 and review the diff"
    assert actual == path.read_text(encoding="utf-8")


def kb(root: Path, *args: str, today: str = TODAY):
    return kb_inprocess("--today", today, *args, cwd=root)


def edit(root: Path, relpath: str, old: str, new: str) -> None:
    path = root / relpath
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def scripted_kb(tmp_path_factory) -> Path:
    """Two months of a small KB's life: approvals, an edit after approval, a translation, a rename, a deprecation."""
    root = make_kb(tmp_path_factory.mktemp("scripted") / "kb-root")
    source = parse_document("kb/card-declined.md", (root / "kb/card-declined.md").read_bytes())
    write(
        root,
        "kb/card-declined.es.md",
        doc_text(
            "# Tarjeta rechazada\n\nRevisa el saldo y luego la categoría del comercio.\n",
            id="card-declined",
            title="Tarjeta rechazada",
            description="Por qué se rechaza un pago con tarjeta y qué hacer.",
            type="article",
            status="published",
            audience="public",
            owner="support-ops",
            locale="es",
            translation_of="card-declined",
            source_hash=source.content_hash,
            last_reviewed="2026-08-01",
        ),
    )
    old = dict(type="article", audience="internal", owner="support-ops", last_reviewed="2025-10-01")
    write(
        root,
        "kb/old-refunds.md",
        doc_text(
            id="old-refunds",
            title="Refunds before 2026",
            status="published",
            description="How refunds worked before the 2026 policy.",
            **old,
        ),
    )
    write(
        root,
        "kb/refund-window.md",
        doc_text(
            id="refund-window",
            title="Refund window",
            status="published",
            description="How long customers have to ask for a refund.",
            **old,
        ),
    )
    init_repo(root)
    commit(root, "Initial knowledge base", BOT, date="2026-08-01T09:00:00+00:00")
    approve_as(root, RITA[1], "sops/data-deletion.md", today="2026-08-02")
    approve_as(root, CARL[1], "kb/card-declined.md", today="2026-08-02")
    commit(root, "Approve initial content", BOT, date="2026-08-02T09:00:00+00:00")
    edit(root, "kb/card-declined.md", "Check the balance", "Check the available balance and card limits")
    commit(root, "Mention card limits", CARL, date="2026-10-05T09:00:00+00:00")
    git(root, "mv", "sops/data-deletion.md", "sops/gdpr-data-deletion.md")
    edit(
        root,
        "sops/gdpr-data-deletion.md",
        "owner: compliance\n",
        "owner: compliance\nredirect_from: [sops/data-deletion.md]\n",
    )
    edit(root, "sops/gdpr-data-deletion.md", "within 30 days", "within 21 days")
    commit(root, "Move deletion SOP under its GDPR name; 21-day window", WENDY, date="2026-10-10T09:00:00+00:00")
    approve_as(root, RITA[1], "sops/gdpr-data-deletion.md", today="2026-10-11")
    commit(root, "Compliance approval", RITA, date="2026-10-11T09:00:00+00:00")
    write(
        root,
        "playbooks/chargeback-escalation.md",
        doc_text(
            "# Chargeback escalation\n\nEscalate disputes above 500 EUR to the banking team.\n",
            id="chargeback-escalation",
            title="Chargeback escalation",
            description="When and how partner agents escalate a chargeback dispute.",
            type="playbook",
            status="published",
            audience="partner",
            owner="support-ops",
        ),
    )
    commit(root, "Add chargeback escalation playbook", OLGA, date="2026-10-12T09:00:00+00:00")
    edit(root, "kb/old-refunds.md", "status: published", "status: deprecated\nsuperseded_by: refund-window")
    commit(root, "Deprecate old refunds article", OLGA, date="2026-10-15T09:00:00+00:00")
    write(
        root,
        "kb/new-fees.md",
        doc_text(
            id="new-fees",
            title="New card fees",
            status="review",
            type="article",
            audience="public",
            owner="support-ops",
            description="The card fees that apply from January.",
        ),
    )
    commit(root, "Draft the new fees article", OLGA, date="2026-10-20T09:00:00+00:00")
    (root / "events.jsonl").write_text(
        "\n".join(
            [
                *[
                    json.dumps(
                        {"ts": "2026-11-01T10:00:00Z", "event": "view", "session": f"s{i}", "doc": "old-refunds"}
                    )
                    for i in range(5)
                ],
                *[
                    json.dumps(
                        {
                            "ts": "2026-11-01T10:00:00Z",
                            "event": "click",
                            "session": f"s{i}",
                            "doc": "refund-window",
                            "rank": 1,
                        }
                    )
                    for i in range(2)
                ],
                json.dumps({"ts": "2026-11-01T10:00:00Z", "event": "view", "session": "s9", "doc": "refund-window"}),
                "{not json",
            ]
        )
        + "\n"
    )
    return root


def test_history_follows_the_rename(scripted_kb: Path):
    result = kb(scripted_kb, "history", "data-deletion")
    assert result.returncode == 0, result.stderr
    assert_golden("history.txt", result.stdout)
    data = json.loads(kb(scripted_kb, "history", "sops/gdpr-data-deletion.md", "--format", "json").stdout)
    assert [e["change"] for e in data["entries"]] == [
        "approvals only",
        "renamed from sops/data-deletion.md",
        "approvals only",
        "added",
    ]


def test_changelog_digest(scripted_kb: Path):
    internal = kb(scripted_kb, "changelog", "--since", "2026-10-01")
    assert internal.returncode == 0, internal.stderr
    assert_golden("changelog-internal.md", internal.stdout)
    partner = kb(scripted_kb, "changelog", "--since", "2026-10-01", "--audience", "partner", "--format", "json")
    data = json.loads(partner.stdout)
    assert [e["id"] for e in data["added"]] == ["chargeback-escalation"]
    assert [e["id"] for e in data["changed"]] == ["card-declined"]  # the internal SOP is not shown to partners
    assert data["deprecated"] == []  # old-refunds is internal


def test_changelog_as_a_site_page(scripted_kb: Path, tmp_path: Path):
    result = kb(
        scripted_kb, "changelog", "--since", "2026-10-01", "--audience", "partner", "--write", "kb/whats-new.md"
    )
    assert result.returncode == 0, result.stderr
    page = scripted_kb / "kb/whats-new.md"
    try:
        doc = parse_document("kb/whats-new.md", page.read_bytes())
        assert doc.frontmatter is not None, doc.schema_problems
        assert doc.frontmatter.audience == "partner" and doc.id == "whats-new-partner"
        assert "[Chargeback escalation](../playbooks/chargeback-escalation.md)" in doc.body
        assert (page.parent / "../playbooks/chargeback-escalation.md").resolve().is_file()
    finally:
        page.unlink()
    outside = kb(scripted_kb, "changelog", "--since", "2026-10-01", "--write", str(tmp_path / "x.md"))
    assert outside.returncode == 2 and "must be inside the knowledge base" in outside.stderr


def test_stale_report(scripted_kb: Path):
    result = kb(scripted_kb, "stale", "--events", "events.jsonl", "--due-soon", "30")
    assert result.returncode == 0, result.stderr
    assert_golden("stale-events.txt", result.stdout)
    plain = json.loads(kb(scripted_kb, "stale", "--owner", "support-ops", "--format", "json").stdout)
    states = {d["id"]: d["state"] for d in plain["owners"]["support-ops"]}
    assert states == {"refund-window": "overdue", "chargeback-escalation": "never-reviewed"}
    assert "compliance" not in plain["owners"]
    assert kb(scripted_kb, "stale", "--owner", "nobody").returncode == 2
    assert kb(scripted_kb, "stale", "--events", "missing.jsonl").returncode == 2


def test_review_queue(scripted_kb: Path):
    result = kb(scripted_kb, "review-queue", "--reviewer", CARL[1])
    assert result.returncode == 0, result.stderr
    assert_golden("review-queue-carl.txt", result.stdout)
    rita = json.loads(kb(scripted_kb, "review-queue", "--reviewer", RITA[1], "--format", "json").stdout)
    assert rita["items"] == []
    carl = json.loads(kb(scripted_kb, "review-queue", "--reviewer", CARL[1], "--format", "json").stdout)
    # carl edited card-declined after approving it: his approval would not count, the queue says so
    own = {i["path"]: i["own_changes"] for i in carl["items"]}
    assert len(own["kb/card-declined.md"]) == 1 and "'Mention card limits'" in own["kb/card-declined.md"][0]
    assert own["kb/new-fees.md"] == [] and own["kb/card-declined.es.md"] == []
    everyone = json.loads(kb(scripted_kb, "review-queue", "--format", "json").stdout)
    assert [i["path"] for i in everyone["items"]] == ["kb/card-declined.es.md", "kb/card-declined.md", "kb/new-fees.md"]


def test_lint_governance_report(scripted_kb: Path):
    codes = [a for c in range(801, 812) for a in ("--select", f"KB{c}")]
    result = kb(scripted_kb, "lint", *codes)
    assert result.returncode == 1
    assert_golden("lint-governance.txt", result.stdout)


def test_partner_changelog_never_names_internal_docs(scripted_kb: Path):
    # internal docs changed in the period (the SOP, the deprecated article and its successor) stay out of the digest
    root = scripted_kb
    result = kb(root, "changelog", "--since", "2026-10-01", "--audience", "partner", "--format", "md")
    assert result.returncode == 0
    for internal_title in ("Data deletion requests", "Refunds before 2026", "Refund window"):
        assert internal_title not in result.stdout
    public = kb(root, "changelog", "--since", "2026-10-01", "--audience", "public", "--format", "text")
    assert "chargeback" not in public.stdout and "card-declined.md" in public.stdout


def test_history_and_changelog_need_git_and_valid_input(small_kb: Path, scripted_kb: Path):
    no_git = kb(small_kb, "history", "data-deletion")
    assert (
        no_git.returncode == 2 and "kb history needs git: the knowledge base is not a git repository" in no_git.stderr
    )
    assert kb(small_kb, "changelog", "--since", "2026-10-01").returncode == 2
    bad_date = kb(scripted_kb, "changelog", "--since", "last week")
    assert bad_date.returncode == 2 and "expected a date YYYY-MM-DD" in bad_date.stderr
    unknown = kb(scripted_kb, "history", "no-such-doc")
    assert unknown.returncode == 2 and "no doc with id or path 'no-such-doc'" in unknown.stderr
    assert kb(scripted_kb, "stale", "--format", "html").returncode == 2
