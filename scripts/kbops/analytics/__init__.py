"""Deflection analytics: search/click/view/feedback/contact events and ticket exports -> support metrics.

`compute_deflection(options)` runs the SQL in `sql/` in DuckDB and returns a `DeflectionReport`;
`render` turns it into terminal tables, Markdown or HTML with charts; `publish` writes files.
"""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use (PEP 562): reading `[tool.kbops.analytics]` (kbops.analytics.options) at start-up
# must not load DuckDB.
_EXPORTS = {
    "compute_deflection": "kbops.analytics.engine",
    "AnalyticsConfig": "kbops.analytics.options",
    "DeflectionOptions": "kbops.analytics.options",
    "DeflectionReport": "kbops.analytics.report",
    "Metrics": "kbops.analytics.report",
}
__all__ = ["AnalyticsConfig", "DeflectionOptions", "DeflectionReport", "Metrics", "compute_deflection"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
