"""The acceptance scenario: stale approval, self-approval (four-eyes), then a second reviewer makes lint pass."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_kb
from tests.governance.conftest import BOT, CARL, RITA, WENDY, commit, git

SOP = "sops/data-deletion.md"


def lint(root: Path):
    """The full `kb lint` (every rule family): the governance findings decide the exit code here."""
    return run_kb("--today", "2026-11-05", "lint", cwd=root)


def test_writer_cannot_approve_own_change_of_a_compliance_sop(git_small_kb: Path):
    root = git_small_kb
    # main: the SOP approved by Rita, the article by Carl (commits by the CI identity)
    assert run_kb("--today", "2026-09-02", "approve", "--as", RITA[1], SOP, cwd=root).returncode == 0
    assert run_kb("--today", "2026-09-02", "approve", "--as", CARL[1], "kb/card-declined.md", cwd=root).returncode == 0
    commit(root, "Approve initial content", BOT, date="2026-09-02T09:00:00+00:00")
    baseline = lint(root)
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr

    # a writer edits the compliance SOP on a branch
    git(root, "checkout", "-q", "-b", "wendy/deletion-window")
    path = root / SOP
    path.write_text(path.read_text().replace("within 30 days", "within 21 days"))
    commit(root, "Shorten the deletion window", WENDY, date="2026-11-02T10:00:00+00:00")
    stale = lint(root)
    assert stale.returncode == 1
    assert f"{SOP}:" in stale.stdout and "KB801 approved content changed since 2026-09-02" in stale.stdout

    # the same writer approves: kb approve applies lint's four-eyes rule first, refuses, writes nothing
    git(root, "config", "user.email", WENDY[1])
    before = path.read_bytes()
    refused = run_kb("--today", "2026-11-03", "approve", SOP, cwd=root, env={"HOME": str(root)})
    assert refused.returncode == 1, refused.stderr
    assert f"{SOP}: refused: {WENDY[1]} changed this content since its last approval" in refused.stderr
    assert "'Shorten the deletion window'" in refused.stderr and "(KB804)" in refused.stderr
    assert f"kb approve --as {RITA[1]} {SOP}" in refused.stderr
    assert path.read_bytes() == before

    # a compliance reviewer approves: lint passes
    reviewed = run_kb("--today", "2026-11-04", "approve", "--as", RITA[1], SOP, cwd=root)
    assert reviewed.returncode == 0 and "re-approved" in reviewed.stdout
    assert "approvals complete" in reviewed.stdout
    commit(root, "Compliance approval", RITA, date="2026-11-04T10:00:00+00:00")
    final = lint(root)
    assert final.returncode == 0, final.stdout
    assert "KB804" not in final.stdout and "KB801" not in final.stdout
