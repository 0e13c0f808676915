"""Rule families; importing this package registers every rule."""

from __future__ import annotations

from kbops.lint.rules import (  # noqa: F401
    freshness,
    governance,
    html,
    identity,
    links,
    locales,
    parsing,
    privacy,
    schema,
    structure,
    style,
    suppression,
    templates,
    vocabulary,
)
