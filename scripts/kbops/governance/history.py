"""Git history of documents (GitPython): one `git log --follow` per file, cached for the run, renames followed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kbops.model.document import Document
from kbops.model.loader import parse_document

if TYPE_CHECKING:
    import git

log = logging.getLogger(__name__)

_RECORD, _FIELD = "\x1e", "\x1f"
_FORMAT = f"{_RECORD}%H{_FIELD}%an{_FIELD}%ae{_FIELD}%aI{_FIELD}%s"
_NULL_SHA = "0" * 40


@dataclass(frozen=True)
class Version:
    """One commit that touched a document, newest first in a history."""

    commit: str
    author_name: str
    author_email: str
    date: str  # ISO 8601 author date
    subject: str
    path: str  # KB-root-relative path of the document in this commit
    change: str  # A (added), M (modified), R (renamed), C (copied), D (deleted), T (type change)
    blob: str  # blob SHA of the document in this commit ("" when deleted)
    old_path: str | None = None  # for renames: the path before

    @property
    def short(self) -> str:
        return self.commit[:7]

    @property
    def day(self) -> str:
        return self.date[:10]


class GitHistory:
    """Read-only access to the knowledge base's git history. `available` is False outside a repository."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.reason = ""
        self._repo: git.Repo | None = None
        self._prefix = ""
        self._histories: dict[str, tuple[Version, ...]] = {}
        self._docs: dict[tuple[str, str], Document] = {}
        try:
            import git

            self._git = git
            repo = git.Repo(self.root, search_parent_directories=True)
            if repo.working_tree_dir is None:  # no checked-out files whose history could be followed
                self.reason = "the knowledge base is inside a bare git repository"
                return
            toplevel = Path(repo.working_tree_dir).resolve()
            self._prefix = self.root.relative_to(toplevel).as_posix()
            self._prefix = "" if self._prefix == "." else self._prefix + "/"
            repo.head.commit  # noqa: B018 - raises ValueError when the repository has no commit yet
            self._repo = repo
        except ImportError:  # pragma: no cover - GitPython is a dependency
            self.reason = "GitPython is not installed"
        except Exception as exc:
            name = type(exc).__name__
            self.reason = {
                "InvalidGitRepositoryError": "the knowledge base is not a git repository",
                "NoSuchPathError": "the knowledge base folder does not exist",
                "GitCommandNotFound": "git is not installed",
                "ValueError": "the git repository has no commits yet",
            }.get(name, f"git history unavailable ({name}: {exc})")

    @property
    def available(self) -> bool:
        return self._repo is not None

    @property
    def _checked_repo(self) -> git.Repo:
        assert self._repo is not None  # callers check `available` first
        return self._repo

    @cached_property
    def shallow_commits(self) -> frozenset[str]:
        """Boundary commits of a shallow clone: their diff against "nothing" is not a real creation."""
        if not self._repo:
            return frozenset()
        shallow = Path(self._repo.git_dir, "shallow")
        return frozenset(shallow.read_text().split()) if shallow.is_file() else frozenset()

    def touched_since(self, roots: tuple[str, ...], since: str) -> set[str]:
        """KB-relative paths (as named after each commit) changed by commits since a date: one `git log`."""
        if not self.available:
            return set()
        try:
            output = self._checked_repo.git.log(
                f"--since={since}",
                "-M",
                "--name-only",
                "--no-color",
                "--format=",
                "--",
                *[self._to_repo(r) for r in roots],
            )
        except self._git.GitCommandError as exc:
            log.warning("git log --since failed: %s", exc)
            return set()
        return {self._from_repo(_unquote(line)) for line in output.splitlines() if line.strip()}

    def renames(self, roots: tuple[str, ...]) -> list[tuple[str, str]]:
        """Every (old path, new path) rename under the roots, oldest first: one `git log` for the whole KB."""
        if not self.available:
            return []
        pathspecs = [self._to_repo(r) for r in roots]
        try:
            output = self._checked_repo.git.log(
                "-M", "--diff-filter=R", "--name-status", "--no-color", "--reverse", "--format=", "--", *pathspecs
            )
        except self._git.GitCommandError as exc:
            log.warning("git log of renames failed: %s", exc)
            return []
        pairs = []
        for line in output.splitlines():
            fields = line.split("\t")
            if len(fields) == 3 and fields[0].startswith("R"):
                pairs.append((self._from_repo(_unquote(fields[1])), self._from_repo(_unquote(fields[2]))))
        return pairs

    def _to_repo(self, relpath: str) -> str:
        return self._prefix + relpath

    def _from_repo(self, path: str) -> str:
        return path[len(self._prefix) :] if path.startswith(self._prefix) else path

    def versions(self, relpath: str) -> tuple[Version, ...]:
        """Commits that touched the document, newest first, following renames (cached)."""
        if not self.available:
            return ()
        if relpath not in self._histories:
            self._histories[relpath] = self._log(relpath)
        return self._histories[relpath]

    def prefetch(self, relpaths: list[str], workers: int = 4) -> None:
        """Run the per-file `git log`s concurrently (they are separate processes); blob reads stay serial."""
        wanted = [r for r in dict.fromkeys(relpaths) if r not in self._histories]
        if not self.available or len(wanted) < 8:
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for relpath, versions in zip(wanted, pool.map(self._log, wanted)):
                self._histories[relpath] = versions

    def _log(self, relpath: str) -> tuple[Version, ...]:
        try:
            output = self._checked_repo.git.log(
                "--follow",
                "-M",
                "--no-abbrev",
                "--raw",
                "--no-color",
                f"--format={_FORMAT}",
                "--",
                self._to_repo(relpath),
            )
        except self._git.GitCommandError as exc:
            log.warning("git log failed for %s: %s", relpath, exc)
            return ()
        versions = []
        for record in output.split(_RECORD)[1:]:
            header, _, raw = record.partition("\n")
            commit, name, email, date, subject = (header.split(_FIELD) + [""] * 5)[:5]
            change = self._parse_raw(raw)
            if change is None:
                continue  # a merge commit without its own diff for this file
            status, blob, path, old = change
            versions.append(Version(commit, name, email, date, subject, path, status, blob, old))
        return tuple(versions)

    def _parse_raw(self, raw: str) -> tuple[str, str, str, str | None] | None:
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, paths = line.partition("\t")
            fields = meta.split()
            if len(fields) < 5:
                continue
            status = fields[4][0]
            names = paths.split("\t")
            blob = "" if fields[3] == _NULL_SHA else fields[3]
            if status in "RC" and len(names) == 2:
                return status, blob, self._from_repo(_unquote(names[1])), self._from_repo(_unquote(names[0]))
            return status, blob, self._from_repo(_unquote(names[0])), None
        return None

    def document_at(self, version: Version) -> Document | None:
        """The document as it was in `version` (parsed once per blob)."""
        if not version.blob or not self.available:
            return None
        key = (version.blob, version.path)
        if key not in self._docs:
            try:
                data = self._checked_repo.odb.stream(bytes.fromhex(version.blob)).read()
            except Exception as exc:
                log.warning("cannot read blob %s of %s: %s", version.blob, version.path, exc)
                return None
            self._docs[key] = parse_document(version.path, data)
        return self._docs[key]

    def content_hash_at(self, version: Version) -> str | None:
        doc = self.document_at(version)
        return doc.content_hash if doc is not None and doc.parsed else None


def _unquote(path: str) -> str:
    """Undo git's C-style quoting of unusual paths."""
    if len(path) >= 2 and path[0] == path[-1] == '"':
        return (
            path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode("utf-8")
        )
    return path
