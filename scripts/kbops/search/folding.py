"""Accent folding shared by every search backend: one character table, kept in kbops (no backend import).

The table (`accent_map.json`) is Whoosh's `whoosh.support.charset.accent_map` (two-clause BSD licence,
Matt Chaput), exported once so that folding stays exactly what the default backend indexes with:
"Contraseña" and "contrasena" compare equal, "Æ" is not split. A test keeps the two identical.
"""

from __future__ import annotations

import json
from importlib import resources

# code point -> replacement (one character each); str.translate takes it as it is
accent_map: dict[int, str] = {
    ord(char): value
    for char, value in json.loads(
        (resources.files("kbops.search") / "accent_map.json").read_text(encoding="utf-8")
    ).items()
}
