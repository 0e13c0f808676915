"""Approval policy: which policies govern a doc, who may satisfy them, and whether current approvals suffice."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from kbops.model.document import Document
from kbops.model.governance import ApprovalPolicy, Governance, Requirement

OWNER_GROUP = "owner"


@dataclass(frozen=True)
class ApprovalRecord:
    """One entry of a doc's `approvals`, resolved against governance.yml."""

    reviewer: str  # e-mail as written
    date: str
    hash: str
    person: str | None  # person key in governance.yml, None when the e-mail is not declared
    current: bool  # the approved hash equals the doc's content hash now
    line: int  # front-matter line of the `approvals` key (approximate location for diagnostics)

    @property
    def who(self) -> str:
        """The identity used to compare reviewers: the person key, else the lower-cased e-mail."""
        return self.person or self.reviewer.lower()


@dataclass(frozen=True)
class RequirementStatus:
    """One `require` entry of one matching policy, evaluated against the doc's current approvals."""

    policy: str
    group: str  # a reviewer group key, or "owner"
    label: str  # for messages: "compliance", "owner (cards-support)"
    count: int
    eligible: frozenset[str]  # person keys who may satisfy it
    approvers: tuple[str, ...]  # eligible people with a current approval that counts

    @property
    def satisfied(self) -> bool:
        return len(self.approvers) >= self.count

    def describe(self) -> str:
        return f"{self.count} from {self.label}"


@dataclass(frozen=True)
class ApprovalStatus:
    """Everything lint, the review queue and the reports need to know about one doc's approvals."""

    policies: tuple[str, ...]
    requirements: tuple[RequirementStatus, ...]
    approvals: tuple[ApprovalRecord, ...]

    @property
    def governed(self) -> bool:
        return bool(self.policies)

    @property
    def current(self) -> tuple[ApprovalRecord, ...]:
        return tuple(a for a in self.approvals if a.current)

    @property
    def stale(self) -> tuple[ApprovalRecord, ...]:
        return tuple(a for a in self.approvals if not a.current)

    @property
    def sufficient(self) -> bool:
        return all(r.satisfied for r in self.requirements)

    @property
    def missing(self) -> tuple[RequirementStatus, ...]:
        return tuple(r for r in self.requirements if not r.satisfied)

    def counting_for_nothing(self) -> tuple[ApprovalRecord, ...]:
        """Current approvals whose reviewer is eligible for no requirement of this doc."""
        eligible = set().union(*(r.eligible for r in self.requirements)) if self.requirements else set()
        return tuple(a for a in self.current if a.person not in eligible)


def _listify(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def policy_matches(policy: ApprovalPolicy, doc: Document) -> bool:
    """Every given criterion must match; a list criterion matches when the doc has any of its values."""
    match = policy.match
    checks = (
        (match.type, _listify(doc.get("type"))),
        (match.audience, _listify(doc.get("audience"))),
        (match.compliance, _listify(doc.get("compliance"))),
        (match.classification, _listify(doc.get("classification") or "internal")),
    )
    return all(not wanted or set(wanted) & set(actual) for wanted, actual in checks)


def matching_policies(doc: Document, governance: Governance) -> list[ApprovalPolicy]:
    return [p for p in governance.approval_policies if policy_matches(p, doc)]


def is_governed(doc: Document, governance: Governance) -> bool:
    return any(policy_matches(p, doc) for p in governance.approval_policies)


def owner_people(owner: str | None, governance: Governance) -> frozenset[str]:
    """Active people who answer for a doc: the owner team's members, or the owner person."""
    if not owner:
        return frozenset()
    if owner in governance.teams:
        keys = set(governance.teams[owner].members)
        keys |= {k for k, p in governance.people.items() if p.team == owner}
    elif owner in governance.people:
        keys = {owner}
    else:
        keys = set()
    return frozenset(k for k in keys if k in governance.people and governance.people[k].active)


def eligible_people(requirement: Requirement, doc: Document, governance: Governance) -> frozenset[str]:
    if requirement.group == OWNER_GROUP:
        return owner_people(doc.get("owner"), governance)
    group = governance.reviewer_groups.get(requirement.group)
    if group is None:
        return frozenset()
    return frozenset(m for m in group.members if m in governance.people and governance.people[m].active)


def requirement_label(requirement: Requirement, doc: Document) -> str:
    if requirement.group == OWNER_GROUP:
        return f"owner ({doc.get('owner')})"
    return requirement.group


def approval_records(doc: Document, governance: Governance) -> tuple[ApprovalRecord, ...]:
    """The doc's approvals as written, tolerant of malformed entries (the schema rules report those)."""
    raw = doc.get("approvals") or []
    if not isinstance(raw, list):
        return ()
    line = doc.line_of("approvals")
    records = []
    for entry in raw:
        if not isinstance(entry, dict) or not entry.get("reviewer") or not entry.get("hash"):
            continue
        email = str(entry["reviewer"]).strip()
        found = governance.person_by_email(email)
        records.append(
            ApprovalRecord(email, str(entry.get("date", "")), str(entry["hash"]), found[0] if found else None,
                           str(entry["hash"]) == doc.content_hash, line)
        )
    return tuple(records)


def evaluate(doc: Document, governance: Governance, discounted: Iterable[str] = ()) -> ApprovalStatus:
    """Evaluate the doc's policies. `discounted` names people whose approvals must not count (four-eyes)."""
    discounted = set(discounted)
    policies = matching_policies(doc, governance)
    records = approval_records(doc, governance)
    approvers = {r.person for r in records if r.current and r.person and r.person not in discounted}
    requirements = []
    for policy in policies:
        for requirement in policy.require:
            eligible = eligible_people(requirement, doc, governance)
            requirements.append(
                RequirementStatus(
                    policy.name, requirement.group, requirement_label(requirement, doc), requirement.count,
                    eligible, tuple(sorted(approvers & eligible)),
                )
            )
    return ApprovalStatus(tuple(p.name for p in policies), tuple(requirements), records)


def reviewer_groups_of(person: str, governance: Governance) -> list[str]:
    return [name for name, group in governance.reviewer_groups.items() if person in group.members]


def may_approve(person: str, doc: Document, governance: Governance) -> bool:
    """A reviewer belongs to some reviewer group, or answers for the doc as its owner."""
    return bool(reviewer_groups_of(person, governance)) or person in owner_people(doc.get("owner"), governance)
