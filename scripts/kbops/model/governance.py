"""governance.yml: teams, people, reviewer groups, review intervals and approval policies."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from kbops.errors import ConfigError
from kbops.model.safe_yaml import config_yaml_problem, load_config_yaml
from kbops.model.schema import DURATION_PATTERN, duration_days

if TYPE_CHECKING:
    from kbops.model.schema import FrontMatter


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SigningKey(_Strict):
    """A person's public SSH key for signing approvals (as git's allowed_signers lists keys for commits)."""

    key: str = Field(description="OpenSSH public key line: 'ssh-ed25519 AAAA... comment'")
    valid_after: dt.date | None = Field(default=None, description="approvals dated before this day do not verify")
    valid_before: dt.date | None = Field(
        default=None, description="rotation: approvals dated on or after this day do not verify; older ones still do"
    )
    revoked: dt.date | None = Field(
        default=None, description="compromised: verifies no approval at all, whatever its date"
    )
    _source: str = PrivateAttr(default="governance.yml")

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.key)

    @property
    def source(self) -> str:
        """Where the key is declared, for messages: `governance.yml people.X.keys[0]` or `keys/allowed_signers:3`."""
        return self._source


class Person(_Strict):
    name: str
    emails: list[str] = Field(min_length=1, description="git author e-mails; the first is the primary one")
    team: str | None = None
    active: bool = True
    keys: list[SigningKey] = Field(
        default_factory=list, description="public SSH keys that sign this person's approvals"
    )


class Team(_Strict):
    name: str
    email: str | None = None
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
    require_signed: bool = Field(
        default=False, description="only approvals signed with the reviewer's enrolled SSH key count (lint KB813)"
    )


class Signing(_Strict):
    """Where approval-signing keys live besides `people.*.keys`, and which keys are revoked."""

    allowed_signers: str | None = Field(
        default=None,
        description="a file in git's allowed_signers format, relative to governance.yml (principals = e-mails)",
    )
    revoked_keys: list[str] = Field(
        default_factory=list, description="SHA256 fingerprints of keys that verify nothing, e.g. lost laptops"
    )


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
    signing: Signing = Field(default_factory=Signing)

    # -- lookups --
    def is_owner(self, key: str) -> bool:
        return key in self.teams or key in self.people

    def person_by_email(self, email: str) -> tuple[str, Person] | None:
        wanted = email.strip().lower()
        for key, person in self.people.items():
            if wanted in (e.lower() for e in person.emails):
                return key, person
        return None

    def keys_of(self, person: str) -> list[SigningKey]:
        found = self.people.get(person)
        return list(found.keys) if found else []

    def key_owners(self) -> dict[str, list[tuple[str, SigningKey]]]:
        """fingerprint -> [(person, key entry)], for telling whose key signed something."""
        owners: dict[str, list[tuple[str, SigningKey]]] = {}
        for person_key, person in self.people.items():
            for entry in person.keys:
                owners.setdefault(entry.fingerprint, []).append((person_key, entry))
        return owners

    def review_interval_days(self, doc_type: str, risk: str) -> int:
        for scope in (doc_type, "default"):
            intervals = self.review_intervals.get(scope, {})
            if risk in intervals:
                return duration_days(intervals[risk])
        return 365

    def review_interval_for(self, fm: FrontMatter) -> int:
        """A doc's review interval in days: its `review_every`, else the default for its type and risk."""
        if fm.review_every:
            return duration_days(fm.review_every)
        return self.review_interval_days(str(fm.type), str(fm.risk))

    def review_due_date(self, fm: FrontMatter) -> dt.date | None:
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
        problems += [
            f"{path.name}: teams.{name}.members: unknown person {m!r}"
            for m in team.members
            if m not in governance.people
        ]
    for name, group in governance.reviewer_groups.items():
        problems += [
            f"{path.name}: reviewer_groups.{name}.members: unknown person {m!r}"
            for m in group.members
            if m not in governance.people
        ]
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
    for key, person in governance.people.items():
        for number, entry in enumerate(person.keys):
            entry._source = f"{path.name} people.{key}.keys[{number}]"
            problem = key_problem(entry.key)
            if problem:
                problems.append(f"{entry.source}: {problem}")
    if governance.signing.allowed_signers:
        problems += _load_allowed_signers(governance, path.parent, governance.signing.allowed_signers, path.name)
    for value in governance.signing.revoked_keys:
        if not FINGERPRINT.match(value):
            problems.append(
                f"{path.name}: signing.revoked_keys: {value[:60]!r} is not a key fingerprint (SHA256:..., "
                "as `ssh-keygen -lf KEY` prints it)"
            )
    if problems:
        raise ConfigError(problems)
    return governance


FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")
KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)


def _key_blob(line: str) -> bytes:
    parts = line.split()
    if len(parts) < 2:
        raise ValueError("expected 'TYPE BASE64 [comment]', as in a .pub file")
    if parts[0] not in KEY_TYPES:
        raise ValueError(f"key type {parts[0][:40]!r} is not an SSH signing key type ({', '.join(sorted(KEY_TYPES))})")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the key is not valid base64") from None
    if len(blob) < 4 or blob[4 : 4 + int.from_bytes(blob[:4], "big")] != parts[0].encode():
        raise ValueError(f"the key's data is not a {parts[0]} key")
    return blob


def key_problem(line: str) -> str | None:
    """Why an OpenSSH public key line is unusable, or None."""
    try:
        _key_blob(line)
    except ValueError as exc:
        return str(exc)
    return None


@functools.lru_cache(maxsize=1 << 12)  # asked for every approval lint evaluates
def key_fingerprint(line: str) -> str:
    """`SHA256:...` as `ssh-keygen -lf` prints it; "" for a key line that does not parse."""
    try:
        blob = _key_blob(line)
    except ValueError:
        return ""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _option_date(value: str | None) -> dt.date | None:
    """allowed_signers' valid-after/valid-before: YYYYMMDD[HHMM[SS]][Z]; kbops approvals are dated by day."""
    if value is None:
        return None
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(?:\d{4}(?:\d{2})?)?Z?", value)
    if not match:
        raise ValueError(f"{value!r}: expected YYYYMMDD[HHMM[SS]]")
    return dt.date(*map(int, match.groups()))


def _load_allowed_signers(governance: Governance, base: Path, name: str, gov_name: str) -> list[str]:
    """Add the keys of a git allowed_signers file to their people; problems as `file:line: what`."""
    from sshsig.allowed_signers import AllowedSigner

    path = (base / name).resolve()
    if not path.is_relative_to(base.resolve()) or not path.is_file():
        return [f"{gov_name}: signing.allowed_signers: {name!r} is not a file inside the knowledge base"]
    problems: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{name}:{number}"
        try:
            signer = AllowedSigner.parse(line)
            options = signer.options or {}
            if "cert-authority" in options:
                raise ValueError("cert-authority keys are not supported; list each person's own key")
            namespaces = [n.strip() for n in options.get("namespaces", "kbops-approval").split(",")]
            entry = SigningKey(
                key=f"{signer.key_type} {signer.base64_key}",
                valid_after=_option_date(options.get("valid-after")),
                valid_before=_option_date(options.get("valid-before")),
            )
        except (ValueError, NotImplementedError, IndexError, pydantic.ValidationError) as exc:
            problems.append(f"{where}: {str(exc).splitlines()[0]}")
            continue
        problem = key_problem(entry.key)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        if "kbops-approval" not in namespaces:
            continue  # a key allowed for other namespaces only (e.g. git) signs no approval
        entry._source = where
        for principal in signer.principals.split(","):
            if any(c in principal for c in "*?!"):
                problems.append(f"{where}: principal {principal!r}: kbops needs each person's e-mail, not a pattern")
                continue
            found = governance.person_by_email(principal)
            if found is None:
                problems.append(f"{where}: principal {principal!r} is not an e-mail of governance.yml people")
                continue
            found[1].keys.append(entry)
    return problems
