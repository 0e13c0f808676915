"""On the bundled KB (signed approvals, DEMO-ONLY keys): refusals name only people whose approval would count now,
a satisfied group says so, and history / review-queue / diff show who signed with which key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kbops.governance.signing import identity_from_file
from tests.conftest import git
from tests.governance.conftest import kb_inprocess

KEYS = Path(__file__).parent / "demo_keys"
DOC = "kb/cards/lost-or-stolen-card.md"  # regulated-content (psd2: compliance) + public-article-review (content-reviewers)
DOMAIN = "northwind-spend.example"
ANA, LUCIA, CLAIRE, SOFIA, DIEGO = (
    f"{n}@{DOMAIN}" for n in ("ana.garcia", "lucia.martin", "claire.dubois", "sofia.rossi", "diego.lopez")
)


@pytest.fixture
def edited(git_kb: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled KB in git; Lucía (a content reviewer) edits the lost-card article and commits it."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.setenv("HOME", str(git_kb))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    path = git_kb / DOC
    path.write_text(path.read_text(encoding="utf-8").replace("straight away", "at once", 1), encoding="utf-8")
    git(git_kb, "commit", "-q", "-am", "Lost card: plainer wording", author=("Lucía Martín", LUCIA))
    return git_kb


def approve(root: Path, email: str, person: str | None = None, *extra: str):
    key = ["--key", str(KEYS / person)] if person else []
    return kb_inprocess("--today", "2026-11-25", "approve", "--as", email, *key, *extra, DOC, cwd=root)


def who_could_approve(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if "who could approve" in line)


def test_who_could_approve_leaves_out_the_author_and_says_a_group_is_satisfied(edited: Path):
    # Claire (banking-ops-leads) is eligible for nothing here: the list must not offer Lucía, the author
    claire = approve(edited, CLAIRE, "claire.dubois")
    assert claire.returncode == 1 and "(KB803)" in claire.stderr
    line = who_could_approve(claire.stderr)
    assert line == f"  who could approve: compliance: {SOFIA}; content-reviewers: {ANA}, {DIEGO}"
    assert LUCIA not in claire.stderr

    # Lucía herself: four-eyes; again only the others
    lucia = approve(edited, LUCIA, "lucia.martin")
    assert lucia.returncode == 1 and "(KB804)" in lucia.stderr
    assert (
        who_could_approve(lucia.stderr)
        == f"  who could approve: compliance: {SOFIA}; content-reviewers: {ANA}, {DIEGO}"
    )

    # Sofia approves (signed with her key): compliance is met
    sofia = approve(edited, SOFIA, "sofia.rossi")
    assert sofia.returncode == 0, sofia.stderr
    assert "still needs 1 from content-reviewers (public-article-review)" in sofia.stdout
    assert f"signed with {identity_from_file(KEYS / 'sofia.rossi', 't').fingerprint}" in sofia.stdout
    git(edited, "commit", "-q", "-am", "Compliance approval", author=("Sofia Rossi", SOFIA))

    # Claire again: the compliance group is said to be satisfied, not "nobody left"
    again = approve(edited, CLAIRE, "claire.dubois")
    line = who_could_approve(again.stderr)
    assert line == f"  who could approve: compliance: already satisfied (by {SOFIA}); content-reviewers: {ANA}, {DIEGO}"
    assert "nobody left" not in again.stderr
    assert f"e.g. kb approve --as {ANA} {DOC}" in again.stderr


def test_author_cannot_approve_as_another_reviewer(edited: Path):
    """The issue's scenario: Ana runs `kb approve --as diego` and `--as sofia` herself; both refused, nothing written."""
    before = (edited / DOC).read_bytes()
    with_own_key = approve(edited, DIEGO, "ana.garcia")
    assert with_own_key.returncode == 2
    assert f"(it is {ANA}'s key), which is not enrolled for {DIEGO}" in with_own_key.stderr
    without_key = approve(edited, SOFIA)
    assert without_key.returncode == 1
    assert (
        "policy regulated-content, public-article-review requires a signed approval and no signing key was found"
        in without_key.stderr
    )
    assert (edited / DOC).read_bytes() == before


def test_history_queue_and_diff_show_signers_and_flag_what_no_longer_verifies(edited: Path):
    assert approve(edited, SOFIA, "sofia.rossi").returncode == 0
    git(edited, "commit", "-q", "-am", "Compliance approval", author=("Sofia Rossi", SOFIA))
    fp = identity_from_file(KEYS / "sofia.rossi", "t").fingerprint

    history = kb_inprocess("history", "lost-or-stolen-card", cwd=edited)
    assert history.returncode == 0, history.stderr
    assert f"+ approval {SOFIA} (2026-11-25, " in history.stdout and f"signed {fp})" in history.stdout
    entry = json.loads(kb_inprocess("history", "lost-or-stolen-card", "--format", "json", cwd=edited).stdout)[
        "entries"
    ][0]
    assert entry["signatures"][0]["state"] == "verified" and entry["signatures"][0]["fingerprint"] == fp

    queue = kb_inprocess("review-queue", "--reviewer", DIEGO, cwd=edited)
    assert f"current approval: {SOFIA} signed {fp}" in queue.stdout

    # Sofia's key is revoked (lost laptop): her approval no longer verifies, anywhere it is shown
    governance = edited / "governance.yml"
    governance.write_text(
        governance.read_text(encoding="utf-8") + f"signing:\n  revoked_keys: ['{fp}']\n", encoding="utf-8"
    )
    history = kb_inprocess("history", "lost-or-stolen-card", cwd=edited)
    assert f"DOES NOT VERIFY: it was signed with key {fp}, which is revoked" in history.stdout
    queue = kb_inprocess("review-queue", "--reviewer", SOFIA, cwd=edited)
    assert f"{DOC}  [published] approval does not verify (signature); waiting for 1 from compliance" in queue.stdout
    assert f"current approval: {SOFIA} DOES NOT VERIFY" in queue.stdout


def test_diff_counts_only_verifying_approvals_by_other_people(edited: Path):
    """Lucía signs an approval of her own edit by hand (kb approve refuses it); with Sofia's, both policies look met,
    but `kb diff` does not take her version as approved: the reviewer still sees Lucía's change."""
    import datetime as dt

    from kbops.governance.approvals import set_approval
    from kbops.governance.signatures import statement
    from kbops.governance.signing import sign
    from kbops.model.loader import parse_document

    assert approve(edited, SOFIA, "sofia.rossi").returncode == 0
    path = edited / DOC
    doc = parse_document(DOC, path.read_bytes())
    lucia = identity_from_file(KEYS / "lucia.martin", "t")
    signature = sign(edited, lucia, statement(doc.id, doc.content_hash, LUCIA, "2026-11-25", "public-article-review"))
    text, _ = set_approval(
        path.read_text(encoding="utf-8"),
        {LUCIA},
        LUCIA,
        dt.date(2026, 11, 25),
        doc.content_hash,
        "public-article-review",
        signature,
    )
    path.write_text(text, encoding="utf-8")
    git(edited, "commit", "-q", "-am", "Approvals", author=("Lucía Martín", LUCIA))
    lint = json.loads(
        kb_inprocess("--today", "2026-11-25", "lint", "--no-cache", "--format", "json", DOC, cwd=edited).stdout
    )
    assert [d["code"] for d in lint["diagnostics"] if d["path"] == DOC] == ["KB804"]  # the signature itself is fine

    diff = json.loads(kb_inprocess("diff", "lost-or-stolen-card", "--format", "json", cwd=edited).stdout)
    assert "current content" not in diff["base"] and diff["base_hash"] != doc.content_hash
    assert [f["field"] for f in diff["fields"]] == ["description"]
