"""Deflection analytics: search/click/view/feedback/contact events and ticket exports -> support metrics.

`compute_deflection(options)` runs the SQL in `sql/` in DuckDB and returns a `DeflectionReport`;
`render` turns it into terminal tables, Markdown or HTML with charts; `publish` writes files.
"""
from __future__ import annotations

from kbops.analytics.engine import compute_deflection
from kbops.analytics.options import AnalyticsConfig, DeflectionOptions
from kbops.analytics.report import DeflectionReport, Metrics

__all__ = ["AnalyticsConfig", "DeflectionOptions", "DeflectionReport", "Metrics", "compute_deflection"]
