"""KB8xx: governance: approvals bound to content and signed by their reviewer, four-eyes, owners, translation drift, deprecation, CODEOWNERS."""
from __future__ import annotations

from kbops.lint.rules.governance import approvals, git_history, lifecycle, ownership, signatures  # noqa: F401
