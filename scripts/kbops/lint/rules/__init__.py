"""Rule families; importing this package registers every rule."""
from __future__ import annotations

from kbops.lint.rules import parsing, schema  # noqa: F401
from kbops.lint.rules import governance  # noqa: F401
