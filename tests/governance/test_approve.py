"""`kb approve`: approvals bound to the content hash, written without disturbing anything else."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from kbops.model.loader import parse_document
from tests.conftest import run_kb
from tests.governance.conftest import doc_text, git, kb_inprocess, write

COMMENTED = """\
---
# governed by compliance
id: data-export   # never rename
title: "Data export: customer request"
description: 'How to export the personal data we hold about a customer.'
type: sop
status: published
audience: internal
owner: compliance
compliance:
    - gdpr
approvals:
  # first sign-off after the legal review
  - reviewer: rita@acme.example
    date: 2026-01-10
    hash: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
last_reviewed: 2026-09-01  # attested
---
# Data export

Body text   with trailing spaces   
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [
        l
        for l in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if l[:1] in "+-" and not l.startswith(("+++", "---"))
    ]


def test_approve_adds_only_approval_lines(small_kb: Path):
    path = write(small_kb, "sops/data-export.md", COMMENTED)
    result = kb_inprocess("--today", "2026-11-02", "approve", "--as", "wendy@acme.example", str(path), cwd=small_kb)
    assert result.returncode == 0, result.stderr
    after = path.read_text(encoding="utf-8")
    current = parse_document("sops/data-export.md", after.encode()).content_hash
    assert changed_lines(COMMENTED, after) == [
        "+  - reviewer: wendy@acme.example",
        "+    date: 2026-11-02",
        f"+    hash: {current}" if not current.isdigit() else f"+    hash: '{current}'",
    ]
    assert f"approved {current[:12]} as wendy@acme.example" in result.stdout


def test_reapproval_replaces_the_reviewers_entry_in_place(small_kb: Path):
    path = write(small_kb, "sops/data-export.md", COMMENTED)
    # rita approves with a secondary e-mail: her old entry (primary e-mail) is replaced, the comment kept
    result = kb_inprocess("--today", "2026-11-03", "approve", "--as", "rita.r@old.example", str(path), cwd=small_kb)
    assert result.returncode == 0, result.stderr
    after = path.read_text(encoding="utf-8")
    current = parse_document("x.md", after.encode()).content_hash
    assert changed_lines(COMMENTED, after) == [
        "-    date: 2026-01-10",
        "-    hash: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "+    date: 2026-11-03",
        f"+    hash: {current}",
    ]
    assert "  # first sign-off after the legal review\n" in after
    assert "re-approved" in result.stdout
    again = kb_inprocess("--today", "2026-11-04", "approve", "--as", "rita@acme.example", str(path), cwd=small_kb)
    assert again.returncode == 0 and "already approved" in again.stdout
    assert path.read_text(encoding="utf-8") == after


def test_approve_without_approvals_key_appends_block_and_keeps_crlf(small_kb: Path):
    text = doc_text(
        id="x-doc",
        title="X doc",
        description="A doc for the approval test.",
        type="article",
        status="published",
        audience="public",
        owner="support-ops",
    ).replace("\n", "\r\n")
    path = small_kb / "kb/x-doc.md"
    path.write_bytes(text.encode())
    result = kb_inprocess("approve", "--as", "carl@acme.example", str(path), cwd=small_kb)
    assert result.returncode == 0, result.stderr
    data = path.read_bytes()
    assert data.startswith(text.split("---\r\n#")[0].encode())
    assert b"approvals:\r\n  - reviewer: carl@acme.example\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    doc = parse_document("kb/x-doc.md", data)
    assert doc.frontmatter is not None and doc.frontmatter.approvals[0].hash == doc.content_hash


def test_content_hash_ignores_approvals_but_not_edits(small_kb: Path):
    path = small_kb / "sops/data-deletion.md"
    before = parse_document("a.md", path.read_bytes()).content_hash
    assert kb_inprocess("approve", "--as", "rita@acme.example", str(path), cwd=small_kb).returncode == 0
    assert parse_document("a.md", path.read_bytes()).content_hash == before
    path.write_text(path.read_text().replace("30 days", "one month"))
    assert parse_document("a.md", path.read_bytes()).content_hash != before


def test_many_files_at_once_and_folders(small_kb: Path):
    article = small_kb / "kb/card-declined.md"
    before = article.read_text()
    result = kb_inprocess("approve", "--as", "rita@acme.example", "sops", str(article), cwd=small_kb)
    # rita reviews compliance: the SOP's approval counts; the public article needs a content reviewer, so
    # her approval would count for nothing there (lint's KB803): refused with exit 1, the file untouched
    assert result.returncode == 1, result.stderr
    assert result.stdout.count("approved") == 1 and "sops/data-deletion.md: approved" in result.stdout
    assert (
        "kb/card-declined.md: refused: rita@acme.example (compliance) is eligible for no requirement" in result.stderr
    )
    assert "who could approve: content-reviewers: carl@acme.example" in result.stderr
    assert "kb approve --as carl@acme.example kb/card-declined.md" in result.stderr
    assert article.read_text() == before
    carl = kb_inprocess("approve", "--as", "carl@acme.example", "sops", str(article), cwd=small_kb)
    assert carl.returncode == 1 and "kb/card-declined.md: approved" in carl.stdout
    assert "approvals complete" in carl.stdout and "sops/data-deletion.md: refused" in carl.stderr


def test_reviewer_must_be_declared_and_in_a_group(small_kb: Path):
    path = str(small_kb / "kb/card-declined.md")
    before = (small_kb / "kb/card-declined.md").read_text()
    unknown = run_kb("approve", "--as", "mallory@evil.example", path, cwd=small_kb)  # the real exit-code mapping
    assert unknown.returncode == 2 and "not declared in governance.yml" in unknown.stderr
    # the identity error names who could approve that doc, and the --as form
    assert "who could approve kb/card-declined.md: content-reviewers: carl@acme.example" in unknown.stderr
    assert "approve as one of them: kb approve --as carl@acme.example kb/card-declined.md" in unknown.stderr
    inactive = kb_inprocess("approve", "--as", "ivan@acme.example", path, cwd=small_kb)
    assert inactive.returncode == 2 and "inactive" in inactive.stderr
    # olga is in no reviewer group; the public article needs a content reviewer, so her approval counts for nothing
    refused = kb_inprocess("approve", "--as", "olga@acme.example", path, cwd=small_kb)
    assert refused.returncode == 1 and "eligible for no requirement of this doc" in refused.stderr
    # an ungoverned doc of her own team she may approve
    internal = write(
        small_kb,
        "kb/internal-note.md",
        doc_text(
            id="internal-note",
            title="Internal note",
            description="A note for staff about card declines.",
            type="article",
            status="published",
            audience="internal",
            owner="support-ops",
        ),
    )
    assert kb_inprocess("approve", "--as", "olga@acme.example", str(internal), cwd=small_kb).returncode == 0
    assert "reviewer: olga@acme.example" in internal.read_text()
    # ...but not the compliance SOP owned by another team
    refused = kb_inprocess(
        "approve", "--as", "olga@acme.example", str(small_kb / "sops/data-deletion.md"), cwd=small_kb
    )
    assert (
        refused.returncode == 1
        and "olga@acme.example (no reviewer group) is eligible for no requirement" in refused.stderr
    )
    assert "who could approve: compliance: rita@acme.example, wendy@acme.example" in refused.stderr
    assert "approvals" not in (small_kb / "sops/data-deletion.md").read_text()
    assert before == (small_kb / "kb/card-declined.md").read_text()


def test_reviewer_defaults_to_git_config(git_small_kb: Path):
    git(git_small_kb, "config", "user.email", "carl@acme.example")
    result = run_kb("approve", "kb/card-declined.md", cwd=git_small_kb, env={"HOME": str(git_small_kb)})
    assert result.returncode == 0, result.stderr
    assert "reviewer: carl@acme.example" in (git_small_kb / "kb/card-declined.md").read_text()


def test_broken_file_is_refused_and_others_processed(small_kb: Path):
    write(small_kb, "kb/broken.md", "no front matter here\n")
    result = kb_inprocess(
        "approve", "--as", "carl@acme.example", "kb/broken.md", "kb/card-declined.md", "kb/missing.md", cwd=small_kb
    )
    assert result.returncode == 2
    assert "kb/broken.md:1: KB001 cannot be parsed" in result.stderr and "kb/missing.md: no such file" in result.stderr
    assert "kb/card-declined.md: approved" in result.stdout
    assert (small_kb / "kb/broken.md").read_text() == "no front matter here\n"


def test_only_needed_stamps_folders_one_reviewer_at_a_time(small_kb: Path):
    # carl may approve the public article; the compliance SOP needs neither him nor an owner from his team
    carl = kb_inprocess("approve", "--only-needed", "--as", "carl@acme.example", "kb", "sops", cwd=small_kb)
    assert carl.returncode == 0, carl.stderr
    assert carl.stdout.splitlines() == [
        f"kb/card-declined.md: approved {_hash(small_kb, 'kb/card-declined.md')[:12]} as carl@acme.example",
        "  approvals complete: every requirement of its policies is met",
    ]
    assert "sops/data-deletion.md: skipped (approval not needed)" in carl.stderr
    rita = kb_inprocess(
        "approve", "--only-needed", "--as", "rita@acme.example", "kb", "sops", "--format", "json", cwd=small_kb
    )
    actions = {a["path"]: a["action"] for a in json.loads(rita.stdout)["approved"]}
    assert actions == {"kb/card-declined.md": "skipped", "sops/data-deletion.md": "added"}


def _hash(root: Path, relpath: str) -> str:
    return parse_document(relpath, (root / relpath).read_bytes()).content_hash
