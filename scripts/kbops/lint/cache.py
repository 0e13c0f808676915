"""The lint cache under `.kb/cache/`: parsed documents and document-rule diagnostics per file.

An entry is reused only when the file's bytes hash is the same and the ids its rules looked up still
resolve the same; a cache file as a whole belongs to one fingerprint: kbops version and source code,
the rules run and their severities, `[tool.kbops]`, governance.yml, taxonomy.yml and today's date
(freshness rules depend on it). Writes are atomic (temporary file + rename). A missing, corrupt or
foreign cache is ignored and rebuilt, never fatal.

The payload is a pickle, authenticated with an HMAC key kept in the user's cache folder
(`$XDG_CACHE_HOME/kbops/cache.key`), so a cache file committed to a repository or planted in a
checkout is never unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import pickle
import secrets
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import kbops
from kbops.lint.context import LintContext
from kbops.lint.filecheck import FileOutcome

log = logging.getLogger(__name__)

MAGIC = b"KBLINT2\n"
KEEP_FILES = 4  # fingerprints kept side by side (e.g. a --select run next to the full run)
SHARDS = 32


def _package_source_digest() -> str:
    digest = hashlib.sha256()
    package = Path(kbops.__file__).parent
    # the code, and the language data rules read (section names per language: kbops/locales/*/language.yml)
    for path in sorted([*package.rglob("*.py"), *(package / "locales").rglob("*.yml")]):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(ctx: LintContext, plan: Iterable[tuple[str, str]]) -> str:
    """Everything besides a file's own bytes that document-rule results may depend on."""
    settings = ctx.settings
    parts = {
        "kbops": kbops.__version__,
        "python": sys.version_info[:2],
        "source": _package_source_digest(),
        "rules": sorted(plan),
        "lint": ctx.lint.model_dump(mode="json"),
        "sections": settings.sections,
        "roots": settings.roots,
        "locales": [settings.default_locale, *settings.locales],
        "today": ctx.today.isoformat(),
    }
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    for path in (settings.governance_path, settings.taxonomy_path):
        digest.update(path.read_bytes() if path.is_file() else b"")
    # approval signatures verify against keys that may live in a file governance.yml names (KB813)
    digest.update(ctx.governance.model_dump_json(include={"people", "signing"}).encode())
    return digest.hexdigest()


def _key() -> bytes | None:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kbops"
    path = base / "cache.key"
    try:
        if path.is_file():
            key = path.read_bytes()
            if len(key) >= 32:
                return key
        base.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd, tmp = tempfile.mkstemp(dir=base, prefix=".key-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return path.read_bytes()
    except OSError as exc:
        log.warning("lint cache disabled: cannot keep a key in %s: %s", base, exc)
        return None


class LintCache:
    """One fingerprint's entries (relpath -> FileOutcome), kept in shards so an edit rewrites few bytes."""

    def __init__(self, folder: Path, fingerprint_: str):
        self.folder = folder
        self.path = folder / f"lint-{fingerprint_[:24]}"
        self.shards: list[dict[str, FileOutcome]] = [{} for _ in range(SHARDS)]
        self.dirty: set[int] = set()
        self._key = _key()

    @property
    def enabled(self) -> bool:
        return self._key is not None

    @staticmethod
    def shard_of(relpath: str) -> int:
        return zlib.crc32(relpath.encode("utf-8")) % SHARDS

    def load(self) -> LintCache:
        key = self._key
        if key is None or not self.path.is_dir():  # not self.enabled
            return self
        for number in range(SHARDS):
            shard = self.path / f"shard-{number:02d}.pickle"
            if not shard.is_file():
                continue
            try:
                blob = shard.read_bytes()
                if not blob.startswith(MAGIC):
                    raise ValueError("not a kbops lint cache")
                signature, payload = blob[len(MAGIC) : len(MAGIC) + 32], blob[len(MAGIC) + 32 :]
                if not hmac.compare_digest(signature, hmac.new(key, payload, hashlib.sha256).digest()):
                    raise ValueError("signature mismatch (written by another user or machine, or tampered with)")
                entries = pickle.loads(payload)
                if not isinstance(entries, dict):
                    raise ValueError("unexpected content")
                self.shards[number] = entries
            except Exception as exc:
                log.warning("ignoring lint cache %s: %s", shard, exc)
                self.shards[number] = {}
                self.dirty.add(number)
        return self

    def get(self, relpath: str) -> FileOutcome | None:
        return self.shards[self.shard_of(relpath)].get(relpath)

    def put(self, outcome: FileOutcome) -> None:
        number = self.shard_of(outcome.relpath)
        self.shards[number][outcome.relpath] = outcome
        self.dirty.add(number)

    def keep_only(self, relpaths: set[str]) -> None:
        """Forget files that no longer exist (after a full run)."""
        for number, shard in enumerate(self.shards):
            stale = set(shard) - relpaths
            for relpath in stale:
                del shard[relpath]
            if stale:
                self.dirty.add(number)

    def save(self) -> None:
        key = self._key
        if key is None or not self.dirty:  # not self.enabled
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            for number in sorted(self.dirty):
                payload = pickle.dumps(self.shards[number], protocol=pickle.HIGHEST_PROTOCOL)
                signature = hmac.new(key, payload, hashlib.sha256).digest()
                _atomic_write(self.path / f"shard-{number:02d}.pickle", MAGIC + signature + payload)
            self.dirty.clear()
            os.utime(self.path)
            self._prune()
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            log.warning("could not write lint cache %s: %s", self.path, exc)

    def _prune(self) -> None:
        others = sorted(self.folder.glob("lint-*"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in others[KEEP_FILES:]:
            shutil.rmtree(old, ignore_errors=True)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
