"""KB8xx: governance: approvals bound to content and signed by their reviewer, four-eyes, owners, translation drift and language, deprecation, CODEOWNERS."""

from __future__ import annotations

from kbops.lint.rules.governance import (  # noqa: F401
    approvals,
    git_history,
    lifecycle,
    ownership,
    signatures,
    translation_language,
)
