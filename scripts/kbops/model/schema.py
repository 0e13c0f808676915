"""The front-matter schema: one typed model, also exported as JSON Schema by `kb schema`."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kbops.locale import DEFAULT_LOCALE, LOCALE_PATTERN
from kbops.publishing import AUDIENCES

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DURATION_PATTERN = r"^[1-9][0-9]*[dwmy]$"
HASH_PATTERN = r"^[0-9a-f]{64}$"
SIGNATURE_PATTERN = r"^[A-Za-z0-9+/]+={0,2}$"

# Fields written by tools, not people: they never enter the content hash.
TOOL_WRITTEN_FIELDS = frozenset({"approvals", "source_hash", "upstream"})


class DocType(str, Enum):
    article = "article"
    sop = "sop"
    troubleshooting = "troubleshooting"
    playbook = "playbook"
    template = "template"


class DocStatus(str, Enum):
    draft = "draft"
    review = "review"
    published = "published"
    deprecated = "deprecated"
    archived = "archived"


# Who may read a doc: the audiences of kbops.publishing, the one authority (each sees its own level and below).
Audience = Enum("Audience", {name: name for name in AUDIENCES}, type=str, module=__name__)  # type: ignore[misc]  # members from AUDIENCES, unknown to mypy
Audience.__doc__ = "Who may read a doc. Each audience sees its own level and those below it."


class Classification(str, Enum):
    public = "public"
    internal = "internal"
    confidential = "confidential"
    restricted = "restricted"


class Risk(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"


# Limits generous enough for real help centers (the longest of 5,466 real articles: id 104, title 129
# characters) yet bounded: an id becomes a file and URL segment (most file systems allow 255 bytes).
MAX_ID_LENGTH = 200
MAX_TITLE_LENGTH = 300
Slug = Annotated[str, Field(pattern=ID_PATTERN, max_length=MAX_ID_LENGTH)]


class Approval(BaseModel):
    """One reviewer's approval of one exact content hash (written by `kb approve`)."""

    model_config = ConfigDict(extra="forbid")

    reviewer: str = Field(description="Reviewer e-mail, as declared in governance.yml people")
    date: dt.date
    hash: str = Field(pattern=HASH_PATTERN, description="SHA-256 content hash that was approved")
    policy: str | None = Field(default=None, max_length=300, description="Policies the approval was given for (signed)")
    signature: str | None = Field(
        default=None,
        pattern=SIGNATURE_PATTERN,
        max_length=8000,
        description="SSH signature (base64 SSHSIG, namespace kbops-approval) over doc id, hash, reviewer, date and policy",
    )


class Upstream(BaseModel):
    """Where an imported doc came from (written by `kb import`; a re-import compares `updated_at`)."""

    model_config = ConfigDict(extra="forbid")

    system: str = Field(description="zendesk | markdown")
    id: str = Field(description="The doc's id upstream (a Zendesk article id, a source path)")
    url: str | None = Field(default=None, description="Its address upstream (old URLs redirect here)")
    updated_at: str | None = None
    segment_ids: list[int] = Field(default_factory=list, description="Zendesk user segments that could see it")
    permission_group_id: int | None = None
    author_id: int | None = None
    vote_sum: int | None = None
    vote_count: int | None = None


class FrontMatter(BaseModel):
    """Governance metadata at the top of every knowledge-base document."""

    model_config = ConfigDict(
        extra="forbid", title="kbops document front-matter", use_enum_values=True, validate_default=True
    )

    id: Slug = Field(description="Stable slug, unique across the repository; survives renames")
    title: str = Field(min_length=3, max_length=MAX_TITLE_LENGTH)
    description: str = Field(min_length=10, max_length=300, description="One or two sentences shown in results")
    type: DocType
    status: DocStatus
    audience: Audience
    owner: str = Field(description="A team or person key declared in governance.yml")
    product: str | None = Field(default=None, description="A product key from taxonomy.yml")
    tags: list[str] = Field(default_factory=list, description="Tag keys from taxonomy.yml")
    intents: list[str] = Field(default_factory=list, description="Intent keys from taxonomy.yml")
    locale: str = Field(
        default=DEFAULT_LOCALE,
        pattern=LOCALE_PATTERN,
        description="BCP-47 language code; unset means [tool.kbops] default_locale",
    )
    translation_of: Slug | None = Field(default=None, description="id of the source doc of a translation")
    source_hash: str | None = Field(
        default=None, pattern=HASH_PATTERN, description="Content hash of the source this translation was made from"
    )
    last_reviewed: dt.date | None = Field(default=None, description="Date content was last attested as correct")
    review_every: str | None = Field(
        default=None, pattern=DURATION_PATTERN, description="Review interval such as 90d, 12w, 6m, 1y"
    )
    risk: Risk = Field(default=Risk.medium, description="Risk class; selects the default review interval")
    classification: Classification = Field(default=Classification.internal)
    compliance: list[str] = Field(default_factory=list, description="Regulatory tags declared in governance.yml")
    sample_queries: list[str] = Field(default_factory=list, description="What a reader would type to find this doc")
    superseded_by: Slug | None = None
    redirect_from: list[str] = Field(default_factory=list, description="Old paths or ids that redirect here")
    approvals: list[Approval] = Field(default_factory=list)
    upstream: Upstream | None = Field(default=None, description="Written by `kb import`: the doc's origin")

    @field_validator("review_every")
    @classmethod
    def _bounded_interval(cls, value: str | None) -> str | None:
        if value is not None:
            duration_days(value)  # ValueError names the limit
        return value

    @field_validator("tags", "intents", "compliance", "sample_queries", "redirect_from")
    @classmethod
    def _no_blank_items(cls, value: list[str]) -> list[str]:
        if any(not str(item).strip() for item in value):
            raise ValueError("list items must not be blank")
        return value


FIELD_NAMES = tuple(FrontMatter.model_fields)
REQUIRED_FIELDS = tuple(name for name, f in FrontMatter.model_fields.items() if f.is_required())


def json_schema() -> dict:
    """JSON Schema of the front-matter, for editors' YAML validation."""
    schema = FrontMatter.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://kbops.dev/schema/frontmatter.json"
    return schema


_DURATION_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


MAX_DURATION_DAYS = 10 * 365  # a review interval over ten years is a typo, and dates past 9999 overflow


def duration_days(value: str) -> int:
    """'90d' -> 90, '6m' -> 180, '1y' -> 365 (months are 30 days: review dates need no calendar precision)."""
    match = re.fullmatch(r"([1-9][0-9]{0,5})([dwmy])", value.strip())
    if not match:
        raise ValueError(f"invalid duration {value[:40]!r}; expected e.g. 90d, 12w, 6m, 1y (at most 10y)")
    days = int(match.group(1)) * _DURATION_DAYS[match.group(2)]
    if days > MAX_DURATION_DAYS:
        raise ValueError(
            f"duration {value!r} is {days:,} days; the longest review interval is 10y ({MAX_DURATION_DAYS:,} days)"
        )
    return days
