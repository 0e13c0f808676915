"""Governance at the point of action: kb approve refuses what lint would reject, says what is still needed,
and `kb diff` shows what changed since the last approved version (a real git repository in tmp_path)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_kb
from tests.governance.conftest import BOT, CARL, OLGA, RITA, commit, doc_text, git, kb_inprocess, write

SOP = "sops/chargeback-evidence.md"
CHARGEBACK_SOP = doc_text(
    "# Chargeback evidence\n\n## Purpose\n\nCollect the evidence a card scheme needs to defend a chargeback.\n\n"
    "## Scope\n\nDisputed card payments of business customers.\n\n"
    "## Procedure\n\n1. Download the authorisation log.\n2. Attach the signed delivery note.\n"
    "3. Send the evidence pack within 10 days of the dispute notice.\n\n"
    "## Escalation\n\nAsk the compliance team when the merchant disputes the evidence.\n",
    id="chargeback-evidence",
    title="Chargeback evidence",
    description="How support operations collects evidence to defend a card chargeback.",
    type="sop",
    status="published",
    audience="internal",
    owner="support-ops",
    compliance=["gdpr"],
    last_reviewed="2026-09-01",
)


def lint(root: Path):
    return kb_inprocess("--today", "2026-11-05", "lint", "--no-cache", cwd=root)


def test_writer_edits_self_approval_refused_then_owner_then_compliance(git_small_kb: Path):
    root = git_small_kb
    write(root, SOP, CHARGEBACK_SOP)
    commit(root, "Chargeback evidence SOP", BOT, date="2026-09-01T11:00:00+00:00")
    for who, path in ((RITA, "sops/data-deletion.md"), (CARL, "kb/card-declined.md"), (CARL, SOP), (RITA, SOP)):
        assert kb_inprocess("--today", "2026-09-02", "approve", "--as", who[1], path, cwd=root).returncode == 0
    commit(root, "Approvals", BOT, date="2026-09-02T09:00:00+00:00")
    assert lint(root).returncode == 0, lint(root).stdout

    # Olga (support-ops, the owner team) edits one sentence and commits on her branch
    git(root, "checkout", "-q", "-b", "olga/evidence-deadline")
    path = root / SOP
    path.write_text(
        path.read_text().replace("within 10 days of the dispute notice", "within 7 days of the dispute notice")
    )
    commit(root, "Evidence deadline is 7 days now", OLGA, date="2026-11-02T10:00:00+00:00")

    # she approves her own change: refused, exit 1, nothing written, who could approve is named
    before = path.read_bytes()
    selfish = run_kb("--today", "2026-11-03", "approve", "--as", OLGA[1], SOP, cwd=root)
    assert selfish.returncode == 1, selfish.stderr
    assert f"{SOP}: refused: {OLGA[1]} changed this content since its last approval" in selfish.stderr
    assert "'Evidence deadline is 7 days now'" in selfish.stderr and "four-eyes" in selfish.stderr
    assert (
        f"who could approve: compliance: {RITA[1]}, wendy@acme.example; owner (support-ops): {CARL[1]}"
        in selfish.stderr
    )
    assert path.read_bytes() == before

    # what the reviewer sees: exactly the edited sentence, approvals left out
    diff = kb_inprocess("diff", "chargeback-evidence", cwd=root)
    assert diff.returncode == 0, diff.stderr
    changed = [line for line in diff.stdout.splitlines() if "[-" in line or "{+" in line]
    assert changed == ["3. Send the evidence pack within [-10-]{+7+} days of the dispute notice."]
    assert "approved version" in diff.stdout and "approvals" not in diff.stdout.split("body:")[1]
    data = json.loads(kb_inprocess("diff", SOP, "--format", "json", cwd=root).stdout)
    assert (data["fields"], data["words_added"], data["words_removed"], data["lines_changed"]) == ([], 1, 1, 1)
    assert sorted(data["approved_by"]) == [CARL[1], RITA[1]]

    # the review queue shows a one-line summary of the change
    queue = kb_inprocess("review-queue", "--reviewer", CARL[1], cwd=root)
    assert f"{SOP}" in queue.stdout
    assert "changed since approved version" in queue.stdout and "body: 1 line (+1 -1 words)" in queue.stdout

    # Carl, the other owner-team member, approves: counts, and compliance is still needed
    owner = kb_inprocess("--today", "2026-11-03", "approve", "--as", CARL[1], SOP, cwd=root)
    assert owner.returncode == 0, owner.stderr
    assert "still needs 1 from compliance (regulated-content)" in owner.stdout
    commit(root, "Owner approval", CARL, date="2026-11-03T10:00:00+00:00")
    assert "KB802" in lint(root).stdout

    # compliance approves: lint is clean
    final = kb_inprocess("--today", "2026-11-04", "approve", "--as", RITA[1], SOP, cwd=root)
    assert final.returncode == 0 and "approvals complete" in final.stdout
    commit(root, "Compliance approval", RITA, date="2026-11-04T10:00:00+00:00")
    result = lint(root)
    assert result.returncode == 0, result.stdout
    assert kb_inprocess("diff", SOP, cwd=root).stdout.splitlines()[-1] == "no change"

    # the history shows the same word diff on the edit
    history = kb_inprocess("history", "chargeback-evidence", "--diff", cwd=root)
    assert "    3. Send the evidence pack within [-10-]{+7+} days of the dispute notice." in history.stdout


def test_uncommitted_edits_count_as_the_git_users(git_small_kb: Path):
    root = git_small_kb
    path = root / "kb/card-declined.md"
    path.write_text(path.read_text().replace("Check the balance", "Check the available balance"))
    git(root, "config", "user.email", CARL[1])
    refused = run_kb("approve", "kb/card-declined.md", cwd=root, env={"HOME": str(root)})
    assert refused.returncode == 1 and "uncommitted edits in the working copy" in refused.stderr
    assert "approvals" not in path.read_text()


def test_identity_errors_list_reviewers_and_the_as_form(git_small_kb: Path):
    root = git_small_kb
    git(root, "config", "user.email", "someone@laptop.example")
    result = run_kb("approve", "sops/data-deletion.md", cwd=root, env={"HOME": str(root)})
    assert result.returncode == 2
    assert "someone@laptop.example is not declared in governance.yml people" in result.stderr
    assert "who could approve sops/data-deletion.md: compliance: rita@acme.example, wendy@acme.example" in result.stderr
    assert "kb approve --as rita@acme.example sops/data-deletion.md" in result.stderr
    queue = kb_inprocess("review-queue", "--mine", cwd=root)
    assert queue.returncode == 2
    assert "compliance: rita@acme.example, wendy@acme.example" in queue.stderr
    assert "kb review-queue --reviewer rita@acme.example" in queue.stderr


def test_diff_of_a_never_approved_doc_and_field_changes(git_small_kb: Path):
    root = git_small_kb
    never = kb_inprocess("diff", "card-declined", cwd=root)
    assert "since nothing (never approved)" in never.stdout and "{+# Card declined+}" in never.stdout
    assert kb_inprocess("approve", "--as", CARL[1], "kb/card-declined.md", cwd=root).returncode == 0
    commit(root, "Approve", BOT)
    path = root / "kb/card-declined.md"
    path.write_text(
        path.read_text()
        .replace("title: Card declined", "title: Card payment declined")
        .replace("# Card declined", "# Card payment declined")
    )
    result = kb_inprocess("diff", "kb/card-declined.md", cwd=root)
    assert "  title: Card {+payment+} declined" in result.stdout
    assert "# Card {+payment+} declined" in result.stdout
    missing = kb_inprocess("diff", "no-such-doc", cwd=root)
    assert missing.returncode == 2 and "no doc with id or path 'no-such-doc'" in missing.stderr
    write(root, "kb/broken.md", "---\nid: broken\ntitle: [unclosed\n---\nBody\n")
    broken = kb_inprocess("diff", "kb/broken.md", cwd=root)
    assert broken.returncode == 2 and "kb/broken.md:3: cannot be parsed (KB002" in broken.stderr  # where the [ opens


def test_word_diff_marks_words_like_git():
    from kbops.governance.content_diff import word_diff

    assert word_diff("Card declined", "Card payment declined") == ("Card {+payment+} declined", 1, 0)
    assert word_diff("up to EUR 10,000 today", "up to EUR 5,000 today") == ("up to EUR [-10,000-]{+5,000+} today", 1, 1)
    assert word_diff("Call us now.", "Call us.") == ("Call us [-now-].", 0, 1)
    assert word_diff("one\ntwo", "one\nthree\nfour") == ("one\n[-two-]{+three+}\n{+four+}", 2, 1)


def test_history_and_diff_resolve_the_translation_in_a_locale(git_kb: Path):
    spanish = kb_inprocess("history", "lost-or-stolen-card", "--locale", "es", cwd=git_kb)
    assert spanish.returncode == 0, spanish.stderr
    assert spanish.stdout.startswith("History of lost-or-stolen-card-es (kb/cards/lost-or-stolen-card.es.md)")
    # a translation's own id, or its path, with the source's locale leads back to the source
    english = kb_inprocess("history", "lost-or-stolen-card-es", "--locale", "en", cwd=git_kb)
    assert english.stdout.startswith("History of lost-or-stolen-card (kb/cards/lost-or-stolen-card.md)")
    french = kb_inprocess("diff", "kb/cards/lost-or-stolen-card.md", "--locale", "fr", "--format", "json", cwd=git_kb)
    assert json.loads(french.stdout)["path"] == "kb/cards/lost-or-stolen-card.fr.md"
    missing = kb_inprocess("history", "lost-or-stolen-card", "--locale", "de", cwd=git_kb)
    assert missing.returncode == 2
    assert "'lost-or-stolen-card' has no translation in locale de (translations: en, es, fr)" in missing.stderr


def test_bundled_policies_cover_public_troubleshooting_guides_and_templates(repo_root: Path):
    from kbops.governance.policy import evaluate
    from kbops.model.governance import load_governance
    from kbops.model.loader import parse_document

    governance = load_governance(repo_root / "governance.yml")

    def needs(doc_type: str, audience: str) -> list[str]:
        text = doc_text(
            id="x",
            title="X",
            description="A doc of the given class.",
            type=doc_type,
            status="published",
            audience=audience,
            owner="cards-support",
        )
        return [
            r.describe() for r in evaluate(parse_document("playbooks/x.md", text.encode()), governance).requirements
        ]

    assert needs("troubleshooting", "public") == ["1 from content-reviewers"]
    assert needs("template", "partner") == ["1 from content-reviewers"]
    assert needs("template", "public") == ["1 from content-reviewers"]
    assert needs("troubleshooting", "partner") == []  # agent-only guides: the owner team answers for them
