"""KB8xx: governance: approvals bound to content and signed by their reviewer, four-eyes, owners, translation drift and language, deprecation, CODEOWNERS."""
from __future__ import annotations

from kbops.lint.rules.governance import approvals, git_history, lifecycle, ownership, signatures  # noqa: F401
from kbops.lint.rules.governance import translation_language  # noqa: F401
