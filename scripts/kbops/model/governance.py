"""governance.yml: teams, people, reviewer groups, review intervals and approval policies."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Optional

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field

from kbops.errors import ConfigError
from kbops.model.safe_yaml import config_yaml_problem, load_config_yaml
from kbops.model.schema import DURATION_PATTERN, duration_days

if TYPE_CHECKING:
    from kbops.model.schema import FrontMatter


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Person(_Strict):
    name: str
    emails: list[str] = Field(min_length=1, description="git author e-mails; the first is the primary one")
    team: Optional[str] = None
    active: bool = True


class Team(_Strict):
    name: str
    email: Optional[str] = None
    members: list[str] = Field(default_factory=list, description="person keys")
    codeowners: list[str] = Field(default_factory=list, description="forge handles, e.g. @acme/support-ops")


class ReviewerGroup(_Strict):
    description: str = ""
    members: list[str] = Field(default_factory=list, description="person keys")
    codeowners: list[str] = Field(
        default_factory=list, description="forge handles added to CODEOWNERS for docs whose policy requires this group"
    )


class PolicyMatch(_Strict):
    """A doc matches when every given criterion matches (any of the listed values)."""

    type: list[str] = Field(default_factory=list)
    audience: list[str] = Field(default_factory=list)
    compliance: list[str] = Field(default_factory=list)
    classification: list[str] = Field(default_factory=list)


class Requirement(_Strict):
    group: str = Field(description="a reviewer group, or 'owner' for members of the doc's owner team")
    count: int = Field(default=1, ge=1)


class ApprovalPolicy(_Strict):
    name: str
    match: PolicyMatch
    require: list[Requirement] = Field(min_length=1)


class Governance(_Strict):
    teams: dict[str, Team] = Field(default_factory=dict)
    people: dict[str, Person] = Field(default_factory=dict)
    reviewer_groups: dict[str, ReviewerGroup] = Field(default_factory=dict)
    # review_intervals[type][risk] = duration, e.g. {"sop": {"high": "90d"}}; "default" applies to all types.
    review_intervals: dict[str, dict[str, str]] = Field(default_factory=dict)
    due_soon: str = Field(default="14d", pattern=DURATION_PATTERN)
    compliance_tags: dict[str, str] = Field(default_factory=dict, description="tag -> description")
    approval_policies: list[ApprovalPolicy] = Field(default_factory=list)
    retired_ids: list[str] = Field(default_factory=list, description="ids of deleted docs; never to be reused")

    # -- lookups --
    def is_owner(self, key: str) -> bool:
        return key in self.teams or key in self.people

    def person_by_email(self, email: str) -> tuple[str, Person] | None:
        wanted = email.strip().lower()
        for key, person in self.people.items():
            if wanted in (e.lower() for e in person.emails):
                return key, person
        return None

    def review_interval_days(self, doc_type: str, risk: str) -> int:
        for scope in (doc_type, "default"):
            intervals = self.review_intervals.get(scope, {})
            if risk in intervals:
                return duration_days(intervals[risk])
        return 365

    def review_interval_for(self, fm: "FrontMatter") -> int:
        """A doc's review interval in days: its `review_every`, else the default for its type and risk."""
        if fm.review_every:
            return duration_days(fm.review_every)
        return self.review_interval_days(str(fm.type), str(fm.risk))

    def review_due_date(self, fm: "FrontMatter") -> "dt.date | None":
        """When a doc must be attested again (last_reviewed + interval); None if never reviewed.

        The one definition used by lint (KB401/KB402), `kb stale` and the site's overdue banner.
        """
        if fm.last_reviewed is None:
            return None
        try:
            return fm.last_reviewed + dt.timedelta(days=self.review_interval_for(fm))
        except OverflowError:  # last_reviewed near 9999-12-31: due "never" rather than a crash
            return dt.date.max

    def due_soon_days(self) -> int:
        return duration_days(self.due_soon)


def load_governance(path: Path) -> Governance:
    """Load and validate governance.yml; every problem is reported at once as a ConfigError."""
    if not path.is_file():
        raise ConfigError(f"{path}: not found; every knowledge base needs a governance.yml")
    try:
        data = load_config_yaml(path) or {}
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise ConfigError(config_yaml_problem(path, exc)) from None
    try:
        governance = Governance.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ConfigError([f"{path.name}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from None
    problems = []
    for name, team in governance.teams.items():
        problems += [f"{path.name}: teams.{name}.members: unknown person {m!r}" for m in team.members if m not in governance.people]
    for name, group in governance.reviewer_groups.items():
        problems += [f"{path.name}: reviewer_groups.{name}.members: unknown person {m!r}" for m in group.members if m not in governance.people]
    for key, person in governance.people.items():
        if person.team and person.team not in governance.teams:
            problems.append(f"{path.name}: people.{key}.team: unknown team {person.team!r}")
    for policy in governance.approval_policies:
        for req in policy.require:
            if req.group != "owner" and req.group not in governance.reviewer_groups:
                problems.append(f"{path.name}: approval_policies[{policy.name}]: unknown reviewer group {req.group!r}")
    for scope, intervals in governance.review_intervals.items():
        for risk, value in intervals.items():
            try:
                duration_days(value)
            except ValueError as exc:
                problems.append(f"{path.name}: review_intervals.{scope}.{risk}: {exc}")
    if problems:
        raise ConfigError(problems)
    return governance
