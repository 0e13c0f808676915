"""The reference page generator runs as documented; the shared secret detector keeps finding every family."""

from __future__ import annotations

import subprocess
import sys

from kbops.lint.reference import render
from kbops.pii import find_personal_data, scrub
from tests.conftest import REPO


def test_reference_module_prints_the_page():
    done = subprocess.run(
        [sys.executable, "-m", "kbops.lint.reference"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == render()
    assert "## Links (KB3xx)" in done.stdout


def test_secret_detector_finds_every_family():
    samples = [
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "AKIAABCDEFGHIJKLMNOP",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB",
        "xoxb-1234567890ab",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "-----BEGIN RSA PRIVATE KEY-----",
        "API_KEY=abcdefghijklmnop1234",
        "Token: abcdefghijklmnopqrst",
        "password = 'hunter2hunter2hunter2'",
    ]
    for sample in samples:
        text = f"before {sample} after"
        assert [f.kind for f in find_personal_data(text)] == ["secret"], sample
        assert scrub(text).startswith("before [secret]"), sample
    assert list(find_personal_data("Tokens expire; the password policy is strict.")) == []
