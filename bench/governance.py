"""Benchmark of the git-backed governance checks: four-eyes (KB804) over N governed docs with C commits each.

Compares, side by side in one run, `kb lint --select KB804` (library call, one `git log --follow` per doc
plus blob reads) with the floor of the same work done by git alone (N `git log --follow` processes).
Run by hand:  PYTHONPATH=scripts python bench/governance.py --docs 300 --commits 6
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AUTHORS = [
    ("Wendy Writer", "wendy@acme.example"),
    ("Carl Content", "carl@acme.example"),
    ("KB Bot", "kb-bot@ci.example"),
]
GOVERNANCE = """\
teams:
  compliance: {name: Compliance, members: [wendy, rita]}
people:
  wendy: {name: Wendy Writer, emails: [wendy@acme.example], team: compliance}
  rita: {name: Rita Reviewer, emails: [rita@acme.example], team: compliance}
  carl: {name: Carl Content, emails: [carl@acme.example]}
reviewer_groups:
  compliance: {members: [wendy, rita]}
compliance_tags: {gdpr: GDPR}
approval_policies:
  - name: regulated
    match: {compliance: [gdpr]}
    require: [{group: compliance, count: 1}]
"""


def _git(root: Path, *args: str, author: tuple[str, str] = AUTHORS[2]) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author[0],
        "GIT_AUTHOR_EMAIL": author[1],
        "GIT_COMMITTER_NAME": author[0],
        "GIT_COMMITTER_EMAIL": author[1],
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(root),
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def build_repo(root: Path, docs: int, commits: int) -> None:
    """N SOPs; every round edits all of them (rotating authors), then a reviewer approves all of them."""
    from kbops.config import load_settings
    from kbops.governance.approvals import approve
    from kbops.model.governance import load_governance

    (root / "sops").mkdir(parents=True)
    (root / "kb").mkdir()
    (root / "playbooks").mkdir()
    (root / "governance.yml").write_text(GOVERNANCE)
    (root / "taxonomy.yml").write_text("products: {}\n")
    _git(root, "init", "-q", "-b", "main")
    paths = [root / "sops" / f"procedure-{i:04d}.md" for i in range(docs)]
    for round_ in range(commits):
        for i, path in enumerate(paths):
            body = "".join(f"Step {s}: revision {round_} of procedure {i}.\n\n" for s in range(12))
            head = (
                path.read_text().split("\n---\n", 1)[0] + "\n---\n"
                if path.exists()
                else (
                    f"---\nid: procedure-{i:04d}\ntitle: Procedure {i}\ndescription: A regulated procedure for the benchmark.\n"
                    "type: sop\nstatus: published\naudience: internal\nowner: compliance\ncompliance: [gdpr]\n---\n"
                )
            )
            path.write_text(head + f"# Procedure {i}\n\n{body}")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", f"Round {round_} edits", author=AUTHORS[round_ % 2])
        settings = load_settings(root)
        approve(settings, load_governance(settings.governance_path), paths, "rita@acme.example")
        _git(root, "commit", "-q", "-am", f"Round {round_} approvals")


def run(docs: int, commits: int) -> dict:
    from kbops.config import load_settings
    from kbops.lint.runner import lint

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kb"
        started = time.perf_counter()
        build_repo(root, docs, commits)
        built = time.perf_counter() - started
        started = time.perf_counter()
        result = lint(load_settings(root), select=["KB804"])
        four_eyes = time.perf_counter() - started
        started = time.perf_counter()
        for path in sorted((root / "sops").glob("*.md")):
            subprocess.run(
                ["git", "log", "--follow", "--raw", "--no-abbrev", "--format=%H", "--", str(path.relative_to(root))],
                cwd=root,
                check=True,
                capture_output=True,
            )
        git_only = time.perf_counter() - started
    return {
        "docs": docs,
        "commits_per_doc": commits * 2,
        "build_repo_s": round(built, 2),
        "kb_lint_KB804_s": round(four_eyes, 3),
        "git_log_follow_only_s": round(git_only, 3),
        "ratio_kb_vs_git_floor": round(four_eyes / git_only, 2) if git_only else None,
        "ms_per_doc": round(1000 * four_eyes / docs, 2),
        "findings": len(result.diagnostics),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--commits", type=int, default=5, help="edit rounds (each followed by an approval commit)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.docs, args.commits), indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    sys.exit(main())
