"""The mark the kbops plugin leaves on every page it built, and the check that no built page lacks it.

The staging step runs before any generator, but banners, sanitising and the audience's metadata also
rely on the plugin's page events. A generator that ignores plugins (MkDocs 2.0, Zensical today) would
build the staged tree without them; this check turns that into a failed build instead of a quiet one.
"""

from __future__ import annotations

import re
from pathlib import Path

from kbops import __version__

MARKER_NAME = "kbops"
_MARKER = re.compile(r'<meta name="kbops" content="[^"]*">')
_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)
HEAD_BYTES = 8192  # the marker sits right after <head>


def marker(audience: str) -> str:
    return f'<meta name="{MARKER_NAME}" content="kbops {__version__}; audience={audience}">'


def insert_marker(html: str, audience: str) -> str:
    found = _HEAD.search(html)
    if found is None:
        return html
    return html[: found.end()] + marker(audience) + html[found.end() :]


def pages_without_marker(site_dir: Path, pages: list[str], audience: str) -> list[str]:
    """Built page files (relative to `site_dir`) that are missing or lack this audience's marker."""
    expected = marker(audience).encode("utf-8")
    missing = []
    for relpath in pages:
        try:
            with open(site_dir / relpath, "rb") as handle:
                head = handle.read(HEAD_BYTES)
        except OSError:
            missing.append(relpath)
            continue
        if expected not in head:
            missing.append(relpath)
    return missing
