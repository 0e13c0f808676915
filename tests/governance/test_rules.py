"""KB8xx rules on real git repositories: four-eyes across renames, drift summaries, shallow clones, no git."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from kbops.config import load_settings
from kbops.lint.runner import lint
from kbops.model.loader import parse_document
from tests.governance.conftest import (
    BOT,
    CARD_ARTICLE,
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

GOV = [c for c in ("KB801", "KB802", "KB803", "KB804", "KB805", "KB806", "KB807", "KB808", "KB809", "KB810", "KB811")]


def findings(root: Path, *codes: str) -> list[str]:
    result = lint(load_settings(root, today="2026-11-05"), select=codes or GOV)
    return [f"{d.path}:{d.line} {d.code} {d.message}" for d in result.diagnostics]


def approve(root: Path, who: tuple[str, str], *paths: str, checked: bool = True) -> None:
    approve_as(root, who[1], *paths, checked=checked)


def test_not_a_git_repository_is_a_note_not_a_crash(small_kb: Path):
    approve(small_kb, WENDY, "sops/data-deletion.md")
    found = findings(small_kb, "KB804", "KB810", "KB811")
    assert found == [
        "sops/data-deletion.md:11 KB811 four-eyes (KB804) and rename (KB810) checks skipped: the knowledge base is not a git repository"
    ]


def test_one_commit_repository_attributes_the_creation(small_kb: Path):
    init_repo(small_kb)
    commit(small_kb, "Add deletion SOP", WENDY)
    approve(small_kb, WENDY, "sops/data-deletion.md", checked=False)  # kb approve refuses this; a hand edit does not
    commit(small_kb, "Approve", WENDY)
    assert any("KB804 approval by wendy@acme.example does not count" in f for f in findings(small_kb, "KB804"))
    # a CI identity authored everything: approvals stamped by a reviewer pass four-eyes
    shutil.rmtree(small_kb / ".git")
    init_repo(small_kb)
    commit(small_kb, "Import", BOT)
    assert findings(small_kb, "KB804", "KB811") == []


def test_shallow_clone_does_not_blame_the_boundary_commit(tmp_path: Path):
    origin = make_kb(tmp_path / "origin")
    init_repo(origin)
    commit(origin, "Initial", BOT)
    approve(origin, RITA, "sops/data-deletion.md")
    commit(origin, "Rita approves her own team's SOP", RITA)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)], check=True)
    found = findings(clone, "KB804", "KB811")
    assert [f.split(" ", 2)[1] for f in found] == ["KB811"], found
    assert "shallow clone" in found[0]


def test_four_eyes_follows_renames_and_ignores_approval_only_commits(git_small_kb: Path):
    root = git_small_kb
    approve(root, RITA, "sops/data-deletion.md")
    approve(root, CARL, "kb/card-declined.md")
    commit(root, "Approve", BOT)
    # wendy edits, then the file is renamed by the bot, then rita's approval is replaced by wendy's
    path = root / "sops/data-deletion.md"
    path.write_text(path.read_text().replace("30 days", "20 days"))
    commit(root, "Edit window", WENDY)
    git(root, "mv", "sops/data-deletion.md", "sops/gdpr-deletion.md")
    commit(root, "Move under gdpr name", BOT)
    approve(root, WENDY, "sops/gdpr-deletion.md", checked=False)
    commit(root, "Self approval", OLGA)  # approval-only commit by someone else: not a content change
    found = findings(root, "KB804", "KB810")
    assert any(f.startswith("sops/gdpr-deletion.md:") and "KB804" in f and "'Edit window'" in f for f in found), found
    assert any("KB810 doc was renamed from sops/data-deletion.md; add it to redirect_from" in f for f in found), found
    # declaring the redirect silences KB810 (content changes, so rita re-approves)
    text = (
        (root / "sops/gdpr-deletion.md")
        .read_text()
        .replace("owner: compliance\n", "owner: compliance\nredirect_from: [sops/data-deletion.md]\n")
    )
    (root / "sops/gdpr-deletion.md").write_text(text)
    commit(root, "Add redirect", BOT)
    approve(root, RITA, "sops/gdpr-deletion.md")
    assert findings(root) == []


def test_insufficient_and_ineligible_approvals(git_small_kb: Path):
    root = git_small_kb
    approve(
        root, CARL, "sops/data-deletion.md", checked=False
    )  # carl: content reviewer, not compliance, not the owner team
    found = findings(root, "KB801", "KB802", "KB803")
    assert (
        "sops/data-deletion.md:11 KB802 policy 'regulated-content' needs 1 from compliance, has 0 current (eligible: rita@acme.example, wendy@acme.example)"
        in found
    )
    assert any(
        "KB803 approval by carl@acme.example counts for no requirement of this doc (needs: compliance, owner (compliance))"
        in f
        for f in found
    )
    # an entry by an undeclared e-mail (written by hand)
    doc = parse_document("x.md", (root / "kb/card-declined.md").read_bytes())
    text = (
        (root / "kb/card-declined.md")
        .read_text()
        .replace(
            "---\n#",
            f"approvals:\n  - reviewer: stranger@else.example\n    date: 2026-10-01\n    hash: {doc.content_hash}\n---\n#",
            1,
        )
    )
    (root / "kb/card-declined.md").write_text(text)
    assert any("KB803 approval by stranger@else.example names nobody declared" in f for f in findings(root, "KB803"))


def test_translation_drift_summarises_the_source_change(git_small_kb: Path):
    root = git_small_kb
    source = parse_document("kb/card-declined.md", (root / "kb/card-declined.md").read_bytes())
    spanish = doc_text(
        "# Tarjeta rechazada\n\nRevisa el saldo.\n",
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
    )
    write(root, "kb/card-declined.es.md", spanish)
    commit(root, "Spanish translation", BOT)
    assert findings(root, "KB806") == []
    path = root / "kb/card-declined.md"
    path.write_text(path.read_text().replace("Check the balance", "Check the available balance and card limits"))
    commit(root, "Mention card limits", CARL, date="2026-11-02T10:00:00+00:00")
    found = findings(root, "KB806")
    now = parse_document("kb/card-declined.md", path.read_bytes()).content_hash
    assert found == [
        "kb/card-declined.es.md:11 KB806 source kb/card-declined.md changed since this translation was made "
        f"(1 commit, latest 2026-11-02 by Carl Content: 'Mention card limits', +1 -1 lines); "
        f"update the translation, then run `kb translated kb/card-declined.es.md` (source_hash: {now})"
    ]
    # the translation is not a git repo: the hash-only message
    shutil.rmtree(root / ".git")
    assert "recorded source_hash" in findings(root, "KB806")[0]


def test_owner_deprecation_and_reserved_ids(small_kb: Path):
    base = dict(
        title="Old refunds",
        description="How refunds worked before the 2026 change.",
        type="article",
        audience="internal",
    )
    write(small_kb, "kb/old-refunds.md", doc_text(id="old-refunds", status="deprecated", owner="support-ops", **base))
    write(small_kb, "kb/archived.md", doc_text(id="refunds-2024", status="archived", owner="support-ops", **base))
    write(small_kb, "kb/new.md", doc_text(id="refunds-2024", status="draft", owner="payments-team", **base))
    write(small_kb, "kb/gone.md", doc_text(id="legacy-faq", status="draft", owner="ivan", **base))
    gov = small_kb / "governance.yml"
    gov.write_text(gov.read_text() + "retired_ids: [legacy-faq]\n")
    found = findings(small_kb, "KB120", "KB805", "KB807", "KB808")
    assert found == [
        "kb/gone.md:2 KB808 id 'legacy-faq' is reserved (retired in governance.yml retired_ids); choose a new id",
        "kb/gone.md:4 KB805 owner 'ivan' is marked inactive in governance.yml; hand the doc to a team",
        "kb/new.md:2 KB808 id 'refunds-2024' is reserved (archived doc kb/archived.md); choose a new id",
        "kb/new.md:4 KB120 owner 'payments-team' is not declared in governance.yml (teams or people)",
        "kb/old-refunds.md:3 KB807 deprecated doc has no superseded_by; name the id of the doc that replaces it",
    ]


def test_codeowners_write_check_and_lint(small_kb: Path):
    assert findings(small_kb, "KB809") == []  # no CODEOWNERS file: not checked
    written = kb_inprocess("codeowners", cwd=small_kb)
    assert written.returncode == 0, written.stderr
    text = (small_kb / ".github/CODEOWNERS").read_text()
    assert "/kb/card-declined.md @acme/support-ops\n" in text and "/sops/data-deletion.md @acme/compliance\n" in text
    assert kb_inprocess("codeowners", "--check", cwd=small_kb).returncode == 0
    assert findings(small_kb, "KB809") == []
    path = small_kb / "kb/card-declined.md"
    path.write_text(path.read_text().replace("owner: support-ops", "owner: compliance"))
    (small_kb / ".github/CODEOWNERS").write_text(text + "/kb/deleted.md @acme/support-ops\n")
    check = kb_inprocess("codeowners", "--check", cwd=small_kb)
    assert check.returncode == 1 and "-/kb/card-declined.md @acme/support-ops" in check.stdout
    found = findings(small_kb, "KB809")
    assert any("/kb/card-declined.md lists @acme/support-ops, expected @acme/compliance" in f for f in found)
    assert any("/kb/deleted.md names a file that does not exist" in f for f in found)


def test_bulk_stamping_by_a_ci_identity_is_lint_clean(tmp_path: Path):
    """The release flow: content committed by CI, then `kb approve --as REVIEWER` on many files at once."""
    root = make_kb(tmp_path / "bulk")
    for number in range(25):
        write(
            root,
            f"sops/gdpr/step-{number}.md",
            doc_text(
                f"# Step {number}\n\nDo step {number} carefully.\n",
                id=f"gdpr-step-{number}",
                title=f"GDPR step {number}",
                description="One step of the data-protection procedure.",
                type="sop",
                status="published",
                audience="internal",
                owner="compliance",
                compliance=["gdpr"],
            ),
        )
        write(root, f"kb/cards/card-{number}.md", CARD_ARTICLE.replace("card-declined", f"card-{number}"))
    init_repo(root)
    commit(root, "Content import", BOT)
    approve(root, RITA, "sops")  # rita: compliance group and compliance team (the owner)
    approve(root, CARL, "kb")
    commit(root, "Stamp approvals", BOT)
    assert findings(root) == []
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True)
    assert [f.split(" ")[1] for f in findings(clone)] == ["KB811"]


def test_kb_translated_clears_drift_touching_one_line(git_small_kb: Path):
    root = git_small_kb
    text = doc_text(
        "# Tarjeta rechazada\n\nRevisa el saldo.\n",
        id="card-declined",
        title="Tarjeta rechazada",
        description="Por qué se rechaza un pago con tarjeta y qué hacer.",
        type="article",
        status="draft",
        audience="public",
        owner="support-ops",
        locale="es",
        translation_of="card-declined",
        source_hash="ab" * 32 + "  # stamped by kb translated",
    )
    write(root, "kb/card-declined.es.md", text)
    write(
        root,
        "kb/card-declined.fr.md",
        text.replace("locale: es", "locale: fr").replace(f"source_hash: {'ab' * 32}  # stamped by kb translated\n", ""),
    )
    assert len(findings(root, "KB806")) == 2
    result = kb_inprocess(
        "translated", "kb/card-declined.es.md", "kb/card-declined.fr.md", "kb/card-declined.md", cwd=root
    )
    assert result.returncode == 2 and "kb/card-declined.md: not a translation" in result.stderr
    source_hash = parse_document("x.md", (root / "kb/card-declined.md").read_bytes()).content_hash
    after = (root / "kb/card-declined.es.md").read_text()
    assert after == text.replace("ab" * 32, source_hash)
    assert (
        f"translation_of: card-declined\nsource_hash: {source_hash}\n" in (root / "kb/card-declined.fr.md").read_text()
    )
    assert findings(root, "KB806") == []
