"""Approval policy: which policies govern a doc, who may satisfy them, and whether current approvals suffice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kbops.governance.signatures import INVALID, UNSIGNED, SignatureCheck, check_approval
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
    line: int  # front-matter line of the entry (its `- reviewer:` line when known, else the `approvals` key)
    signature: SignatureCheck = SignatureCheck(UNSIGNED)
    policy: str = ""  # the policies it was given for, as signed

    @property
    def who(self) -> str:
        """The identity used to compare reviewers: the person key, else the lower-cased e-mail."""
        return self.person or self.reviewer.lower()

    def counts_for(self, policy: ApprovalPolicy) -> bool:
        """A forged or broken signature never counts; an unsigned approval counts only where signatures are optional."""
        if self.signature.state == INVALID:
            return False
        return self.signature.verified or not policy.require_signed


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
    lines = _entry_lines(doc, line, len(raw))
    records = []
    for number, entry in enumerate(raw):
        if not isinstance(entry, dict) or not entry.get("reviewer") or not entry.get("hash"):
            continue
        email = str(entry["reviewer"]).strip()
        found = governance.person_by_email(email)
        person = found[0] if found else None
        date, approved, policy = str(entry.get("date", "")), str(entry["hash"]), str(entry.get("policy") or "")
        signature = entry.get("signature")
        check = check_approval(
            doc.id or "", email, date, approved, policy, str(signature) if signature else None, person, governance
        )
        records.append(
            ApprovalRecord(email, date, approved, person, approved == doc.content_hash, lines[number], check, policy)
        )
    return tuple(records)


def _entry_lines(doc: Document, first: int, count: int) -> list[int]:
    """Line of each `- ` item of the approvals block (the key's line when the block is written inline)."""
    found: list[int] = []
    text_lines = doc.text.split("\n") if doc.text else []
    for index in range(first, min(len(text_lines), first + 400)):  # text_lines[first] is the line after the key
        line = text_lines[index]
        if line.strip() in ("---", "...") or (line and not line[0].isspace() and not line.startswith("-")):
            break
        if line.lstrip().startswith("- "):
            found.append(index + 1)
    return found + [first] * (count - len(found)) if len(found) <= count else found[:count]


# Lint's rules ask about the same doc several times in a row (KB801, KB802, KB803, KB813, four-eyes); the answer
# depends only on the two objects, so recent answers are kept, keyed by identity (holding the objects keeps their
# ids from being reused). Documents are not edited in place: tools re-parse after writing.
_RECENT: dict[tuple[int, int, frozenset[str]], tuple[Document, Governance, ApprovalStatus]] = {}
_RECENT_MAX = 512


def evaluate(doc: Document, governance: Governance, discounted: Iterable[str] = ()) -> ApprovalStatus:
    """Evaluate the doc's policies. `discounted` names people whose approvals must not count (four-eyes)."""
    discounted = frozenset(discounted)
    key = (id(doc), id(governance), discounted)
    hit = _RECENT.get(key)
    if hit is not None and hit[0] is doc and hit[1] is governance:
        return hit[2]
    status = _evaluate(doc, governance, discounted)
    if len(_RECENT) >= _RECENT_MAX:
        _RECENT.clear()
    _RECENT[key] = (doc, governance, status)
    return status


def _evaluate(doc: Document, governance: Governance, discounted: frozenset[str]) -> ApprovalStatus:
    policies = matching_policies(doc, governance)
    records = approval_records(doc, governance)
    requirements = []
    for policy in policies:
        approvers = {
            r.person for r in records if r.current and r.person and r.person not in discounted and r.counts_for(policy)
        }
        for requirement in policy.require:
            eligible = eligible_people(requirement, doc, governance)
            requirements.append(
                RequirementStatus(
                    policy.name,
                    requirement.group,
                    requirement_label(requirement, doc),
                    requirement.count,
                    eligible,
                    tuple(sorted(approvers & eligible)),
                )
            )
    return ApprovalStatus(tuple(p.name for p in policies), tuple(requirements), records)


def signed_policy(person: str, doc: Document, governance: Governance) -> str:
    """What `kb approve` signs as the policy: the matching policies this person may satisfy, comma-separated."""
    names = [
        p.name
        for p in matching_policies(doc, governance)
        if any(person in eligible_people(r, doc, governance) for r in p.require)
    ]
    return ", ".join(names)


def signatures_required(doc: Document, governance: Governance) -> bool:
    return any(p.require_signed for p in matching_policies(doc, governance))


def reviewer_groups_of(person: str, governance: Governance) -> list[str]:
    return [name for name, group in governance.reviewer_groups.items() if person in group.members]


def may_approve(person: str, doc: Document, governance: Governance) -> bool:
    """A reviewer belongs to some reviewer group, or answers for the doc as its owner."""
    return bool(reviewer_groups_of(person, governance)) or person in owner_people(doc.get("owner"), governance)
