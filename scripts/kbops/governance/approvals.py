"""`kb approve`: record a reviewer's approval of a doc's exact content hash, touching only the approval lines."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelYAMLError

from kbops.config import Settings
from kbops.errors import UsageError
from kbops.governance.approval_check import could_approve, describe_missing, objection, still_needed
from kbops.governance.history import GitHistory
from kbops.governance.policy import approval_records, evaluate, matching_policies, signatures_required, signed_policy
from kbops.governance.signatures import UNSIGNED, key_accepts, statement
from kbops.governance.signing import SigningIdentity, find_signing_identity, sign
from kbops.model.files import Refused as FileRefused
from kbops.model.governance import Governance
from kbops.model.key_block import KeyBlockError, key_block
from kbops.model.loader import markdown_files, parse_document, read_file, relative

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Approved:
    path: str
    doc_id: str | None
    reviewer: str
    hash: str
    action: str  # "added" | "replaced" | "unchanged" | "skipped" (only_needed: the reviewer's approval is not needed)
    # what the doc still needs after this approval, per policy: "1 from compliance (regulated-content)"
    still_needs: tuple[str, ...] = ()
    governed: bool = True
    signed_with: str = ""  # fingerprint of the key that signed it; "" when unsigned


@dataclass(frozen=True)
class Refused:
    path: str
    reason: str
    # "policy": the approval would not count (exit 1); "file": the file cannot be approved as it is (exit 2)
    kind: str = "file"
    could_approve: tuple[str, ...] = ()
    suggestion: str | None = None  # an eligible reviewer's e-mail for the `--as` form
    line: int | None = None  # where the problem is, when the file was read


@dataclass
class ApprovalReport:
    reviewer: str
    approved: list[Approved] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """2 when a file could not be approved as it is, 1 when an approval would not count, else 0."""
        kinds = {r.kind for r in self.refused}
        return 2 if "file" in kinds else 1 if kinds else 0


def git_user_email(root: Path) -> str | None:
    """`git config user.email` as seen from the KB root (repository, global or system config)."""
    import git

    try:
        value = git.Git(str(root)).config("user.email")
    except (git.GitCommandError, git.GitCommandNotFound, OSError):
        return None
    return value.strip() or None


def resolve_reviewer(email: str | None, settings: Settings, governance: Governance) -> tuple[str, str]:
    """(person key, primary e-mail) of the reviewer; UsageError when unknown, inactive or no reviewer."""
    email = email or git_user_email(settings.root)
    if not email:
        raise UsageError("no reviewer: pass --as EMAIL or set `git config user.email`")
    found = governance.person_by_email(email)
    if found is None:
        raise UsageError(f"{email} is not declared in governance.yml people; only declared reviewers may approve")
    key, person = found
    if not person.active:
        raise UsageError(f"{email} ({key}) is marked inactive in governance.yml and may not approve")
    return key, person.emails[0]


def who_could_approve_hint(settings: Settings, governance: Governance, paths: list[Path], limit: int = 5) -> str:
    """Lines naming, per doc, the reviewers whose approval would count, and the `kb approve --as` form."""
    lines, example = [], None
    for path in paths[:limit]:
        relpath = relative(settings, path)
        if not path.is_file():
            continue
        doc = parse_document(relpath, path.read_bytes())
        if not doc.parsed:
            continue
        found, first = could_approve(doc, governance)
        if found:
            lines.append(f"who could approve {relpath}: {'; '.join(found)}")
            example = example or (first, relpath)
    if len(paths) > limit:
        lines.append(f"(and {len(paths) - limit} more docs)")
    if example and example[0]:
        lines.append(f"approve as one of them: kb approve --as {example[0]} {example[1]}")
    else:
        lines.append("approve as a declared reviewer: kb approve --as EMAIL PATH")
    return "\n".join(lines)


def signing_identity(
    settings: Settings, governance: Governance, person: str, email: str, today: dt.date, key_file: Path | None
) -> SigningIdentity | None:
    """The key `kb approve` signs with; UsageError when it is not one of the reviewer's enrolled keys (no `--as` forgery).

    None when no key is available at all: approvals are then written unsigned, and refused where a policy
    requires signatures.
    """
    in_use = any(p.keys for p in governance.people.values()) or any(
        p.require_signed for p in governance.approval_policies
    )
    if not in_use and key_file is None:
        return None  # this knowledge base does not sign approvals (yet): a git signing key is not a reason to refuse
    enrolled = {k.fingerprint: k for k in governance.keys_of(person)}
    usable = {fp for fp, k in enrolled.items() if k.revoked is None and not key_accepts(k, today)}
    usable -= set(governance.signing.revoked_keys)
    identity = find_signing_identity(settings.root, key_file, usable)
    if identity is None or identity.fingerprint in usable:
        return identity
    fp = identity.fingerprint
    if fp in enrolled:
        key = enrolled[fp]
        why = (
            f"revoked ({key.revoked})"
            if key.revoked or fp in governance.signing.revoked_keys
            else key_accepts(key, today)
        )
        raise UsageError(
            f"{identity.origin} holds {email}'s key {fp}, which cannot sign approvals today: {why}; "
            "enrol the new key in governance.yml"
        )
    owners = sorted({governance.people[p].emails[0] for p, _ in governance.key_owners().get(fp, []) if p != person})
    whose = f" (it is {', '.join(owners)}'s key)" if owners else ""
    raise UsageError(
        f"{identity.origin} holds key {fp}{whose}, which is not enrolled for {email}; an approval as {email} "
        f"must be signed with {email}'s own key, so `--as` works only for the holder of that key.\n"
        f"if you are {email}: add your public key to governance.yml people.{person}.keys (a governed change) "
        "or pass your key with --key FILE"
    )


def approve(
    settings: Settings,
    governance: Governance,
    paths: Iterable[Path],
    reviewer_email: str | None = None,
    today: dt.date | None = None,
    only_needed: bool = False,
    key_file: Path | None = None,
) -> ApprovalReport:
    """Approve each doc's current content hash as the reviewer, signed with their key. Refused files are not touched.

    With `only_needed`, docs are skipped unless the reviewer can meet a requirement that current approvals
    do not meet yet (convenient for stamping whole folders, one reviewer at a time).
    """
    files = _expand(settings, paths)
    try:
        person, email = resolve_reviewer(reviewer_email, settings, governance)
    except UsageError as exc:
        raise UsageError(f"{exc}\n{who_could_approve_hint(settings, governance, files)}") from None
    today = today or settings.today_date()
    identity = signing_identity(settings, governance, person, email, today, key_file)
    history = GitHistory(settings.root)
    writer = git_user_email(settings.root) if history.available else None
    report = ApprovalReport(email)
    for path in files:
        relpath = relative(settings, path)
        try:
            report.approved.append(
                _approve_file(
                    settings, path, relpath, person, email, governance, today, only_needed, history, writer, identity
                )
            )
        except _Refusal as exc:
            report.refused.append(Refused(relpath, str(exc), exc.kind, exc.could_approve, exc.suggestion, exc.line))
    return report


class _Refusal(Exception):
    def __init__(
        self,
        reason: str,
        kind: str = "file",
        could_approve: tuple[str, ...] = (),
        suggestion: str | None = None,
        line: int | None = None,
    ):
        super().__init__(reason)
        self.kind, self.could_approve, self.suggestion, self.line = kind, could_approve, suggestion, line


def _expand(settings: Settings, paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders replaced by the knowledge-base files under them (the set lint checks)."""
    result: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            result.extend(Path(p) for p in markdown_files(settings, [path]).values())
        else:
            result.append(path)
    return result


def _approve_file(
    settings: Settings,
    path: Path,
    relpath: str,
    person: str,
    email: str,
    governance: Governance,
    today: dt.date,
    only_needed: bool = False,
    history: GitHistory | None = None,
    writer: str | None = None,
    identity: SigningIdentity | None = None,
) -> Approved:
    if not os.path.lexists(path):
        raise _Refusal("no such file")
    try:
        data = read_file(settings, path)
    except FileRefused as refused:  # a FIFO, a link out of the KB, an unreadable file: never read, never written
        raise _Refusal(f"{refused.code} {refused.message}", line=1) from None
    doc = parse_document(relpath, data)
    if not doc.parsed:
        problem = doc.problems[0]
        raise _Refusal(f"{problem.code} cannot be parsed: {problem.message}; fix it first", line=problem.line)
    if doc.schema_problems:
        invalid = doc.schema_problems[0]
        raise _Refusal(
            f"front-matter is invalid ({invalid.message}); run `kb lint` and fix it first", line=invalid.line
        )
    if only_needed and not any(person in r.eligible for r in evaluate(doc, governance).missing):
        return Approved(relpath, doc.id, email, doc.content_hash, "skipped")
    objected = objection(person, doc, governance, history, writer)
    if objected is not None:  # the same eligibility and four-eyes rules as lint (KB803, KB804): nothing is written
        raise _Refusal(objected.reason, "policy", objected.could_approve, objected.suggestion)
    if identity is None and signatures_required(doc, governance):
        required = ", ".join(p.name for p in matching_policies(doc, governance) if p.require_signed)
        raise _Refusal(
            f"policy {required} requires a signed approval and no signing key was found; pass --key FILE, "
            "set `git config user.signingkey`, or load your key into ssh-agent",
            "policy",
        )
    same_person = {e.lower() for e in governance.people[person].emails}
    text = data.decode("utf-8-sig")
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    policy = signed_policy(person, doc, governance)
    mine = [r for r in approval_records(doc, governance) if r.person == person and r.current and r.reviewer == email]
    if mine and (mine[0].signature.verified or (identity is None and mine[0].signature.state == UNSIGNED)):
        new_text, action = text, "unchanged"  # a valid approval of this content is there: nothing to sign again
    else:
        signature = None
        if identity is not None:
            signature = sign(
                settings.root, identity, statement(doc.id or "", doc.content_hash, email, today.isoformat(), policy)
            )
        new_text, action = set_approval(text, same_person, email, today, doc.content_hash, policy, signature)
    if action != "unchanged":
        check = parse_document(relpath, (bom + new_text).encode("utf-8"))
        stored = [a for a in (check.get("approvals") or []) if str(a.get("reviewer", "")).lower() == email.lower()]
        rest_before = {k: v for k, v in doc.meta.items() if k != "approvals"}
        rest_after = {k: v for k, v in check.meta.items() if k != "approvals"}
        if (
            check.content_hash != doc.content_hash
            or rest_before != rest_after
            or [str(a.get("hash")) for a in stored] != [doc.content_hash]
        ):
            raise _Refusal("the approval could not be written without changing other content; file left untouched")
        written = [r for r in approval_records(check, governance) if r.person == person]
        if identity is not None and not (written and written[0].signature.verified):
            reason = written[0].signature.reason if written else "entry not found"
            raise _Refusal(f"the signed approval does not verify ({reason}); file left untouched")
        _write_atomically(path, (bom + new_text).encode("utf-8"))
        log.info("%s: %s approval of %s by %s", relpath, action, doc.content_hash[:12], email)
        doc = check
    missing = describe_missing(still_needed(doc, governance, history, writer))
    mine = [r for r in approval_records(doc, governance) if r.person == person and r.current]
    signed_with = mine[0].signature.fingerprint if mine and mine[0].signature.verified else ""
    return Approved(
        relpath,
        doc.id,
        email,
        doc.content_hash,
        action,
        tuple(missing),
        evaluate(doc, governance).governed,
        signed_with,
    )


def _write_atomically(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def set_approval(
    text: str,
    reviewer_emails: set[str],
    email: str,
    date: dt.date,
    content_hash: str,
    policy: str = "",
    signature: str | None = None,
) -> tuple[str, str]:
    """Return the text with the reviewer's approval set, and "added" | "replaced" | "unchanged".

    Only the `approvals` block of the front-matter is re-emitted (by a ruamel.yaml round trip, so its
    comments and style survive); every other byte of the file stays as it was.
    """
    try:
        block = key_block(text, "approvals")
    except KeyBlockError as exc:
        raise _Refusal(str(exc)) from None
    try:
        data = block.yaml.load(block.text)
    except (RuamelYAMLError, ValueError, RecursionError) as exc:  # e.g. an alias to an anchor outside the block
        raise _Refusal(f"the approvals block cannot be rewritten safely: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise _Refusal("the approvals block is not a mapping")
    entries = data.get("approvals")
    if not isinstance(entries, list):
        entries = CommentedSeq()
        entries.fa.set_block_style()
        data["approvals"] = entries
    elif not entries and isinstance(entries, CommentedSeq):  # round-trip YAML: always
        entries.fa.set_block_style()
    action = "added"
    for entry in entries:
        if isinstance(entry, dict) and str(entry.get("reviewer", "")).lower() in reviewer_emails:
            if (
                str(entry.get("hash")) == content_hash
                and str(entry.get("reviewer")) == email
                and signature is None
                and not entry.get("signature")
            ):
                return text, "unchanged"
            entry["reviewer"], entry["date"], entry["hash"] = email, date, content_hash
            action = "replaced"
            break
    else:
        entry = CommentedMap()
        entry["reviewer"], entry["date"], entry["hash"] = email, date, content_hash
        entries.append(entry)
    for key, value in (
        ("policy", policy if signature else ""),
        ("signature", signature),
    ):  # policy: part of what is signed
        if value:
            entry[key] = value
        elif key in entry:
            del entry[key]  # an old signature would not verify against the new date and hash
    return block.replace(data), action
