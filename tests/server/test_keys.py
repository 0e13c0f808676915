"""`kb api-key`: keys are shown once, stored only as SHA-256, listed without secrets, revocable."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.search.conftest import copy_fixture_kb


def test_api_key_lifecycle(kb, tmp_path: Path):
    root = copy_fixture_kb(tmp_path / "kb")
    created = kb("api-key", "create", "--audience", "partner", "--label", "acme-bpo", cwd=root)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("kb_") and len(key) > 30 and "shown once" in created.stderr
    stored = (root / ".kb" / "api-keys.json").read_text()
    assert key not in stored and hashlib.sha256(key.encode()).hexdigest() in stored
    assert (root / ".kb" / "api-keys.json").stat().st_mode & 0o077 == 0  # readable by the owner only
    listed = json.loads(kb("api-key", "list", "--format", "json", cwd=root).stdout)
    assert [(k["label"], k["audience"]) for k in listed] == [("acme-bpo", "partner")] and key not in json.dumps(listed)
    duplicate = kb("api-key", "create", "--audience", "internal", "--label", "acme-bpo", cwd=root)
    assert duplicate.returncode == 2 and "exists" in duplicate.stderr
    bad = kb("api-key", "create", "--audience", "everyone", "--label", "x", cwd=root)
    assert bad.returncode == 2 and "unknown audience" in bad.stderr
    assert kb("api-key", "revoke", "acme-bpo", cwd=root).returncode == 0
    assert json.loads(kb("api-key", "list", "--format", "json", cwd=root).stdout) == []
    assert kb("api-key", "revoke", "acme-bpo", cwd=root).returncode == 2


def test_key_file_with_an_unknown_audience_is_refused_on_load(kb, tmp_path: Path):
    """A hand-edited key file must not unlock an audience that does not exist (or silently lose the key)."""
    from kbops.errors import ConfigError
    from kbops.server.keys import ApiKeyStore, digest

    root = copy_fixture_kb(tmp_path / "kb")
    path = root / ".kb" / "api-keys.json"
    path.parent.mkdir()
    entries = [
        {"sha256": digest("kb_good"), "audience": "partner", "label": "fine", "created": "2026-11-01T00:00:00+00:00"},
        {
            "sha256": digest("kb_bad"),
            "audience": "superuser",
            "label": "edited",
            "created": "2026-11-01T00:00:00+00:00",
        },
    ]
    path.write_text(json.dumps({"keys": entries}), encoding="utf-8")
    listed = kb("api-key", "list", cwd=root)
    assert listed.returncode == 2 and "Traceback" not in listed.stderr
    assert "key 2 ('edited'): unknown audience 'superuser'; expected one of public, partner, internal" in listed.stderr
    served = kb("serve", "--no-build", "--port", "0", cwd=root, timeout=60)
    assert (
        served.returncode == 2 and "unknown audience 'superuser'" in served.stderr and "Traceback" not in served.stderr
    )
    store = ApiKeyStore(path)
    try:
        store.audience_for("kb_good")
    except ConfigError as exc:
        assert "superuser" in str(exc)
    else:
        raise AssertionError("the store loaded a key for an unknown audience")
