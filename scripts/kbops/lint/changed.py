"""`kb lint --changed`: the Markdown files changed against a git ref, plus uncommitted and untracked ones.

The default base is the merge-base of HEAD with `main` (or `origin/main`), else HEAD itself, so on a
feature branch it is "everything this branch changed", and on main "what is not committed yet".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import git

from kbops.config import Settings
from kbops.errors import UsageError
from kbops.lint.affected import link_targets
from kbops.model.loader import parse_document

log = logging.getLogger(__name__)

DEFAULT_BASES = ("main", "origin/main")


@dataclass(frozen=True)
class ChangeSet:
    base: str  # the commit compared against (hex), or "" when the repository has no commit yet
    changed: frozenset[str]  # existing Markdown files (relpaths to the KB root) added, modified or untracked
    deleted: frozenset[str]  # Markdown files that existed at the base and are gone now
    linked_before: frozenset[str] = frozenset()  # what modified and deleted files linked to at the base


def _open_repo(root: Path) -> git.Repo:
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UsageError(f"--changed needs a git repository, and {root} is not inside one") from None
    if repo.working_tree_dir is None:
        raise UsageError(f"--changed needs a git working tree, and {root} is inside a bare repository")
    return repo


def _resolve_base(repo: git.Repo, base: str | None) -> str:
    if base is not None:
        try:
            return repo.commit(base).hexsha
        except (git.BadName, ValueError, git.GitCommandError):
            raise UsageError(f"--base: unknown git ref {base!r}") from None
    try:
        head = repo.head.commit
    except ValueError:  # no commit yet: everything is new
        return ""
    for name in DEFAULT_BASES:
        try:
            other = repo.commit(name)
        except (git.BadName, ValueError, git.GitCommandError):
            continue
        merge_bases = repo.merge_base(head, other)
        if merge_bases:
            return merge_bases[0].hexsha
    return head.hexsha


def _relative_to_root(repo: git.Repo, root: Path, path: str, roots: tuple[str, ...]) -> str | None:
    assert repo.working_tree_dir is not None  # _open_repo refuses bare repositories
    absolute = Path(repo.working_tree_dir) / path
    try:
        relpath = absolute.relative_to(root).as_posix()
    except ValueError:
        return None
    if not relpath.endswith(".md") or relpath.split("/", 1)[0] not in roots:
        return None
    return relpath


def changed_files(settings: Settings, base: str | None = None) -> ChangeSet:
    """Markdown files under the KB roots that differ from `base` (see module docstring)."""
    root = settings.root.resolve()
    repo = _open_repo(root)
    base_sha = _resolve_base(repo, base)
    changed: set[str] = set()
    deleted: set[str] = set()
    previous: dict[str, str] = {}  # relpath -> repository path at the base, for modified and deleted files
    if base_sha:
        # base tree vs working tree: committed since base, staged and unstaged changes alike
        output = repo.git.diff("--name-status", "--no-renames", "-z", base_sha, "--")
        fields = output.split("\0")
        for status, path in zip(fields[0::2], fields[1::2]):
            relpath = _relative_to_root(repo, root, path, settings.roots)
            if relpath is None:
                continue
            (deleted if status.startswith("D") else changed).add(relpath)
            if status[:1] in ("M", "D", "T"):
                previous[relpath] = path
    else:
        for path in repo.git.ls_files("-z").split("\0"):
            relpath = _relative_to_root(repo, root, path, settings.roots) if path else None
            if relpath:
                changed.add(relpath)
    for path in repo.untracked_files:
        relpath = _relative_to_root(repo, root, path, settings.roots)
        if relpath:
            changed.add(relpath)
    changed = {p for p in changed if (root / p).is_file()}
    linked_before = _links_at(repo, base_sha, previous) if base_sha else set()
    log.info("--changed: %d changed, %d deleted against %s", len(changed), len(deleted), base_sha or "(no commit)")
    return ChangeSet(base_sha, frozenset(changed), frozenset(deleted), frozenset(linked_before))


def _links_at(repo: git.Repo, base_sha: str, previous: dict[str, str]) -> set[str]:
    """Link targets of the base versions of modified and deleted files (so removing a link counts)."""
    tree = repo.commit(base_sha).tree
    found: set[str] = set()
    for relpath, repo_path in previous.items():
        try:
            data = (tree / repo_path).data_stream.read()
        except (KeyError, ValueError, OSError):
            continue
        found |= link_targets(parse_document(relpath, data))
    return found
