"""`--changed`: files changed against a git ref (real repositories in tmp_path) and the findings they involve."""

from __future__ import annotations

from kbops.config import load_settings
from kbops.lint.changed import changed_files
from kbops.lint.registry import Finding
from kbops.lint.runner import lint
from tests.conftest import git, run_kb
from tests.lint.lintcore_kb import FILES, doc, temporary_rule, write_kb
from tests.lint.test_runner import forbidden_word, missing_link_target

AUTHOR = ("Ana García", "ana.garcia@acme-cards.test")


def _repo(tmp_path, files=None):
    root = write_kb(tmp_path / "kb", files)
    (root / ".gitignore").write_text(".kb/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial knowledge base", author=AUTHOR)
    return root


def test_changed_files_against_merge_base(tmp_path):
    files = dict(FILES)
    files["kb/old.md"] = doc("old", "Old doc", "Old.\n")
    root = _repo(tmp_path, files)
    git(root, "checkout", "-q", "-b", "feature")
    (root / "kb" / "card-arrival.md").write_text(FILES["kb/card-arrival.md"] + "\nCommitted on the branch.\n")
    git(root, "commit", "-q", "-am", "edit arrival", author=AUTHOR)
    git(root, "checkout", "-q", "main")
    (root / "README.md").write_text("main moved on\n")
    git(root, "add", "README.md")
    git(root, "commit", "-q", "-m", "main moves", author=AUTHOR)
    git(root, "checkout", "-q", "feature")
    (root / "sops" / "manual-load.md").write_text(FILES["sops/manual-load.md"] + "\nUnstaged.\n")
    (root / "kb" / "new.md").write_text(doc("new", "New doc", "Untracked.\n"))
    git(root, "rm", "-q", "kb/old.md")
    (root / "notes.md").write_text("not under a KB root\n")
    change = changed_files(load_settings(root))
    assert change.changed == {"kb/card-arrival.md", "sops/manual-load.md", "kb/new.md"}
    assert change.deleted == {"kb/old.md"}
    assert change.base == git(root, "merge-base", "HEAD", "main").strip()
    # an explicit base: only what differs from HEAD (the working tree)
    assert changed_files(load_settings(root), "HEAD").changed == {"sops/manual-load.md", "kb/new.md"}


def test_on_main_only_uncommitted_changes_count(tmp_path):
    root = _repo(tmp_path)
    assert changed_files(load_settings(root)).changed == set()
    (root / "kb" / "card-declined.md").write_text(FILES["kb/card-declined.md"] + "\nedit\n")
    assert changed_files(load_settings(root)).changed == {"kb/card-declined.md"}


def test_lint_changed_reports_changed_files_and_links_into_them(tmp_path):
    files = dict(FILES)
    files["kb/unrelated.md"] = doc("unrelated", "Unrelated", "FORBIDDEN\n\n[dead](dead.md)\n")
    root = _repo(tmp_path, files)
    (root / "kb" / "card-arrival.md").unlink()  # card-declined links to it: that finding is involved
    (root / "sops" / "manual-load.md").write_text(FILES["sops/manual-load.md"] + "\nFORBIDDEN\n")
    settings = load_settings(root)
    change = changed_files(settings)
    with (
        temporary_rule("KB098", "forbidden-word", forbidden_word),
        temporary_rule("KB097", "missing-link-target", missing_link_target, kind="corpus"),
    ):
        full = lint(settings, select=["KB097", "KB098"])
        result = lint(settings, select=["KB097", "KB098"], targets=change.changed, deleted=change.deleted)
    found = {(d.path, d.code) for d in result.diagnostics}
    assert found == {("sops/manual-load.md", "KB098"), ("kb/card-declined.md", "KB097")}
    assert {("kb/unrelated.md", "KB097"), ("kb/unrelated.md", "KB098")} <= {(d.path, d.code) for d in full.diagnostics}
    assert result.files == 1 and result.cached == 3  # the full run above warmed the cache


def test_cli_changed(tmp_path):
    root = _repo(tmp_path)
    clean = run_kb("--root", str(root), "lint", "--changed", "--select", "KB1")
    assert clean.returncode == 0 and "0 files checked" in clean.stderr
    (root / "kb" / "card-arrival.md").write_text(FILES["kb/card-arrival.md"].replace("owner:", "ownr:"))
    dirty = run_kb("--root", str(root), "lint", "--changed", "--format", "github", "--select", "KB1")
    assert dirty.returncode == 1
    assert all(line.startswith("::error file=kb/card-arrival.md,") for line in dirty.stdout.splitlines())
    assert run_kb("--root", str(root), "lint", "--changed", "--base", "HEAD", "--select", "KB1").returncode == 1


def test_cli_changed_errors_exit_2(tmp_path):
    root = _repo(tmp_path)
    unknown = run_kb("--root", str(root), "lint", "--changed", "--base", "no-such-branch")
    assert unknown.returncode == 2 and "unknown git ref 'no-such-branch'" in unknown.stderr
    outside = write_kb(tmp_path / "plain")
    done = run_kb("--root", str(outside), "lint", "--changed", env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert done.returncode == 2 and "needs a git repository" in done.stderr
    assert "Traceback" not in unknown.stderr + done.stderr


def test_annotations_are_relative_to_the_repository_root(tmp_path):
    """A knowledge base in a sub-folder of a larger repository: GitHub needs repository paths."""
    repo = tmp_path / "monorepo"
    root = write_kb(
        repo / "support-kb", {**FILES, "kb/card-arrival.md": FILES["kb/card-arrival.md"].replace("owner:", "ownr:")}
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "kb in a folder", author=AUTHOR)
    github = run_kb("--root", str(root), "lint", "--format", "github", "--select", "KB1")
    assert github.stdout.startswith("::error file=support-kb/kb/card-arrival.md,line=")
    sarif = run_kb("--root", str(root), "lint", "--format", "sarif", "--select", "KB1")
    uri = __import__("json").loads(sarif.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]["uri"]
    assert uri == "support-kb/kb/card-arrival.md"
    text = run_kb("--root", str(root), "lint", "--select", "KB1")
    assert text.stdout.startswith("kb/card-arrival.md:")


def test_removing_a_link_reports_the_orphan_it_creates(tmp_path):
    """A finding about a whole doc (in its front-matter) counts when a changed file linked to it before."""

    def orphan(corpus, ctx):
        """Docs no other doc links to, reported on their status line (a stand-in for KB310)."""
        from kbops.lint.affected import link_targets

        linked = set().union(*(link_targets(d) for d in corpus.docs))
        for d in corpus.docs:
            if d.relpath not in linked:
                yield Finding(d.line_of("status"), "orphan", path=d.relpath)

    root = _repo(tmp_path)
    (root / "kb" / "card-declined.md").write_text(
        FILES["kb/card-declined.md"].replace("[card arrival](card-arrival.md)", "card arrival")
    )
    settings = load_settings(root)
    change = changed_files(settings)
    assert "kb/card-arrival.md" in change.linked_before
    with temporary_rule("KB092", "orphan", orphan, kind="corpus"):
        result = lint(
            settings,
            select=["KB092"],
            targets=change.changed,
            deleted=change.deleted,
            linked_before=change.linked_before,
        )
        without = lint(settings, select=["KB092"], targets=change.changed, deleted=change.deleted)
    assert [(d.path, d.code) for d in result.diagnostics] == [("kb/card-arrival.md", "KB092")]
    assert without.diagnostics == []
