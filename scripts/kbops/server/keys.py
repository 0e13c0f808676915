"""API keys: random secrets shown once, stored only as SHA-256 with the audience they unlock."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from kbops.config import Settings
from kbops.errors import ConfigError, UsageError
from kbops.publishing import require_audience

KEY_PREFIX = "kb_"


@dataclass(frozen=True)
class ApiKey:
    sha256: str
    audience: str
    label: str
    created: str


def keys_path(settings: Settings) -> Path:
    return settings.state_dir / "api-keys.json"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeyStore:
    """`.kb/api-keys.json`; re-read when the file changes, so new keys work without a restart."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._by_hash: dict[str, ApiKey] = {}
        self._by_id: dict[str, ApiKey] = {}

    def keys(self) -> list[ApiKey]:
        self._refresh()
        return sorted(self._by_hash.values(), key=lambda k: (k.created, k.label))

    def audience_for(self, key: str) -> str | None:
        """The audience a presented key unlocks, or None for an unknown key."""
        self._refresh()
        found = self._by_hash.get(digest(key))
        return found.audience if found else None

    def audience_for_key_id(self, key_id: str) -> str | None:
        """The audience of the key whose SHA-256 starts with `key_id` (a sign-in session's binding), or None."""
        self._refresh()
        found = self._by_id.get(key_id)
        return found.audience if found else None

    def create(self, audience: str, label: str) -> str:
        require_audience(audience)
        label = label.strip()
        if not label:
            raise UsageError("a key needs a --label (who or what uses it)")
        if any(k.label == label for k in self.keys()):
            raise UsageError(f"a key labelled {label!r} exists; revoke it first or choose another label")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        entry = ApiKey(digest(key), audience, label, dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat())
        self._save([*self.keys(), entry])
        return key

    def revoke(self, label: str) -> ApiKey:
        keys = self.keys()
        found = [k for k in keys if k.label == label]
        if not found:
            raise UsageError(f"no key labelled {label!r}; `kb api-key list` shows them")
        self._save([k for k in keys if k.label != label])
        return found[0]

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            with self._lock:
                self._stamp, self._by_hash, self._by_id = None, {}, {}
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp == self._stamp:
                return
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                entries = [ApiKey(**item) for item in data.get("keys", [])]
            except (ValueError, TypeError, AttributeError) as exc:
                raise ConfigError(f"{self.path}: unreadable API key file: {exc}") from None
            # A hand-edited or corrupted entry must not unlock an audience that does not exist.
            problems = []
            for number, entry in enumerate(entries, 1):
                try:
                    require_audience(entry.audience)
                except UsageError as exc:
                    problems.append(f"{self.path}: key {number} ({entry.label!r}): {exc}")
            if problems:
                raise ConfigError(problems)
            self._by_hash = {k.sha256: k for k in entries}
            self._by_id = {k.sha256[:32]: k for k in entries}
            self._stamp = stamp

    def _save(self, keys: list[ApiKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"keys": [k.__dict__ for k in keys]}, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, self.path)
        self._stamp = None
