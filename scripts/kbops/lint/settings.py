"""`[tool.kbops.lint]`: severities, allowed example values, term lists and thresholds."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TermList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # discouraged term -> preferred term (a warning suggesting the preferred wording)
    preferred: dict[str, str] = Field(default_factory=dict)
    # terms that must never appear (legal, brand or tone reasons)
    forbidden: list[str] = Field(default_factory=list)


class LintSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: dict[str, str] = Field(default_factory=dict, description="rule code -> error|warning|info|off")
    # Documented example values that the personal-data rules accept (e.g. "jane.doe@example.com").
    allow_examples: list[str] = Field(
        default_factory=lambda: [
            "@example.com",
            "@example.org",
            "@example.net",
            "4111 1111 1111 1111",
            "4242 4242 4242 4242",
        ]
    )
    terms: dict[str, TermList] = Field(default_factory=dict, description="locale -> term list")
    max_sentence_words: int = Field(default=40, ge=10)
    due_soon_days: int | None = Field(default=None, ge=1, description="overrides governance.yml due_soon")
