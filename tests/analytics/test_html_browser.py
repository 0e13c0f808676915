"""The HTML report renders in real headless Chromium, self-contained (no network needed)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from kbops.analytics import render
from tests.analytics.conftest import deflection

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.browser
def test_html_report_renders_in_headless_chromium(small_log, tmp_path):
    if not shutil.which(CHROMIUM):
        pytest.skip("chromium not installed")
    page = tmp_path / "deflection.html"
    page.write_text(render.html(deflection(small_log)), encoding="utf-8")
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--screenshot={shot}",
            "--window-size=1280,1600",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.is_file() and shot.stat().st_size > 20_000, result.stderr[-2000:]
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert dom.count("<svg") == 2 and "Deflection rate" in dom and "50.0%" in dom
    # The first screen answers "what do I fix first?": the fix-first tables come before any chart. No doc of
    # the small log has more contacts than its peers or unhelpful votes, so the docs table says so; the "refund" gap is listed.
    assert dom.index("Fix first: docs") < dom.index("Fix first: content gaps") < dom.index("<svg")
    assert "No doc is followed by more contacts than its peers, or voted unhelpful." in dom and "refund" in dom
