"""KB8xx: governance: approvals bound to content, four-eyes, owners, translation drift, deprecation, CODEOWNERS."""
from __future__ import annotations

from kbops.lint.rules.governance import approvals, git_history, lifecycle, ownership  # noqa: F401
