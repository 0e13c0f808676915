"""Index generations under `.kb/index`: built beside the live one, swapped atomically, one writer at a time.

Layout::

    .kb/index/LOCK             flock held by the one writer
    .kb/index/current          symlink -> gen-<n>  (replaced with rename(2): readers see old or new, never half)
    .kb/index/gen-<n>/         a complete index + manifest.json
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kbops.errors import LockedError, NotFoundError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


@dataclass
class Manifest:
    """What one generation holds: per source file its stat, content hash and whether it is indexed."""

    signature: str
    files: dict[str, dict] = field(default_factory=dict)  # relpath -> {"mtime_ns", "size", "hash", "indexed", "id"}
    backend: str = "whoosh"
    built_at: float = 0.0
    schema: int = 0  # the indexer's SCHEMA_VERSION; generations written before it was recorded read as 0

    def to_json(self) -> str:
        return json.dumps(
            {
                "signature": self.signature,
                "backend": self.backend,
                "built_at": self.built_at,
                "schema": self.schema,
                "files": self.files,
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def read(cls, generation: Path) -> Manifest | None:
        try:
            data = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
            return cls(
                data["signature"],
                data["files"],
                data.get("backend", "whoosh"),
                data.get("built_at", 0.0),
                int(data.get("schema", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @property
    def indexed_count(self) -> int:
        return sum(1 for entry in self.files.values() if entry.get("indexed"))


class IndexStore:
    def __init__(self, root: Path):
        self.root = root

    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def current(self) -> Path | None:
        """The live generation directory, or None when no index was built yet."""
        try:
            name = os.readlink(self.current_link)
        except OSError:
            return None
        path = self.root / name
        return path if path.is_dir() else None

    def require_current(self) -> Path:
        found = self.current()
        if found is None:
            raise NotFoundError(f"no search index at {self.root}; run `kb index` first")
        return found

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Exclusive writer lock; a second writer is refused at once with a clear message."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                    raise
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
                raise LockedError(
                    f"the search index {self.root} is being written by {holder}; "
                    "wait for it to finish (the lock is released when that process exits) and run again"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def new_generation_dir(self) -> Path:
        return self.root / f"gen-{time.time_ns():020d}-{os.getpid()}"

    def publish(self, generation: Path, keep: int) -> None:
        """Point `current` at `generation` atomically, then prune generations older than the `keep` previous ones."""
        tmp = self.root / f".current-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(generation.name, tmp)
        os.replace(tmp, self.current_link)
        self._fsync_dir()
        generations = sorted(p for p in self.root.glob("gen-*") if p.is_dir())
        previous = [p for p in generations if p != generation]
        for old in previous[: max(0, len(previous) - keep)]:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self, generation: Path) -> None:
        shutil.rmtree(generation, ignore_errors=True)

    def _fsync_dir(self) -> None:
        try:
            fd = os.open(self.root, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
