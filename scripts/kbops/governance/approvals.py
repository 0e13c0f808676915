"""`kb approve`: record a reviewer's approval of a doc's exact content hash, touching only the approval lines."""
from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError as RuamelYAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kbops.config import Settings
from kbops.errors import UsageError
from kbops.governance.policy import evaluate, may_approve
from kbops.model.governance import Governance
from kbops.model.files import Refused as FileRefused
from kbops.model.loader import markdown_files, parse_document, read_file, relative

log = logging.getLogger(__name__)

_BOUNDARY = re.compile(r"^-{3,}\s*$")
_APPROVALS_KEY = re.compile(r"^approvals\s*:")
_SEQ_ITEM = re.compile(r"^( *)- ")


@dataclass(frozen=True)
class Approved:
    path: str
    doc_id: str | None
    reviewer: str
    hash: str
    action: str  # "added" | "replaced" | "unchanged" | "skipped" (only_needed: the reviewer's approval is not needed)


@dataclass(frozen=True)
class Refused:
    path: str
    reason: str
    line: int | None = None  # where the problem is, when the file was read


@dataclass
class ApprovalReport:
    reviewer: str
    approved: list[Approved] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


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


def approve(
    settings: Settings,
    governance: Governance,
    paths: Iterable[Path],
    reviewer_email: str | None = None,
    today: dt.date | None = None,
    only_needed: bool = False,
) -> ApprovalReport:
    """Approve each doc's current content hash as the reviewer. Files that cannot be approved are refused, not touched.

    With `only_needed`, docs are skipped unless the reviewer can meet a requirement that current approvals
    do not meet yet (convenient for stamping whole folders, one reviewer at a time).
    """
    person, email = resolve_reviewer(reviewer_email, settings, governance)
    today = today or settings.today_date()
    report = ApprovalReport(email)
    for path in _expand(settings, paths):
        relpath = relative(settings, path)
        try:
            report.approved.append(_approve_file(settings, path, relpath, person, email, governance, today, only_needed))
        except _Refusal as exc:
            report.refused.append(Refused(relpath, str(exc), exc.line))
    return report


class _Refusal(Exception):
    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.line = line


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
    settings: Settings, path: Path, relpath: str, person: str, email: str, governance: Governance, today: dt.date,
    only_needed: bool = False,
) -> Approved:
    if not os.path.lexists(path):
        raise _Refusal("no such file")
    try:
        data = read_file(settings, path)
    except FileRefused as refused:  # a FIFO, a link out of the KB, an unreadable file: never read, never written
        raise _Refusal(f"{refused.code} {refused.message}", 1) from None
    doc = parse_document(relpath, data)
    if not doc.parsed:
        problem = doc.problems[0]
        raise _Refusal(f"{problem.code} cannot be parsed: {problem.message}; fix it first", problem.line)
    if doc.schema_problems:
        problem = doc.schema_problems[0]
        raise _Refusal(f"front-matter is invalid ({problem.message}); run `kb lint` and fix it first", problem.line)
    if only_needed and not any(person in r.eligible for r in evaluate(doc, governance).missing):
        return Approved(relpath, doc.id, email, doc.content_hash, "skipped")
    if not may_approve(person, doc, governance):
        owner = doc.get("owner")
        raise _Refusal(
            f"{email} belongs to no reviewer group and is not in the owner {owner!r}; "
            f"reviewer groups: {', '.join(governance.reviewer_groups) or 'none declared'}"
        )
    same_person = {e.lower() for e in governance.people[person].emails}
    text = data.decode("utf-8-sig")
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    new_text, action = set_approval(text, same_person, email, today, doc.content_hash)
    if action != "unchanged":
        check = parse_document(relpath, (bom + new_text).encode("utf-8"))
        stored = [a for a in (check.get("approvals") or []) if str(a.get("reviewer", "")).lower() == email.lower()]
        rest_before = {k: v for k, v in doc.meta.items() if k != "approvals"}
        rest_after = {k: v for k, v in check.meta.items() if k != "approvals"}
        if check.content_hash != doc.content_hash or rest_before != rest_after or [str(a.get("hash")) for a in stored] != [doc.content_hash]:
            raise _Refusal("the approval could not be written without changing other content; file left untouched")
        _write_atomically(path, (bom + new_text).encode("utf-8"))
        log.info("%s: %s approval of %s by %s", relpath, action, doc.content_hash[:12], email)
    return Approved(relpath, doc.id, email, doc.content_hash, action)


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


def set_approval(text: str, reviewer_emails: set[str], email: str, date: dt.date, content_hash: str) -> tuple[str, str]:
    """Return the text with the reviewer's approval set, and "added" | "replaced" | "unchanged".

    Only the `approvals` block of the front-matter is re-emitted (by a ruamel.yaml round trip, so its
    comments and style survive); every other byte of the file stays as it was.
    """
    newline = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    lines = text.splitlines(keepends=True)
    if not lines or not _BOUNDARY.match(lines[0].rstrip("\r\n")):
        raise _Refusal("no front-matter")
    close = next((i for i in range(1, len(lines)) if _BOUNDARY.match(lines[i].rstrip("\r\n"))), None)
    if close is None:
        raise _Refusal("front-matter is not closed")
    start = next((i for i in range(1, close) if _APPROVALS_KEY.match(lines[i])), None)
    if start is None:
        end = start = close
        block_text = "approvals:\n"
    else:
        end = start + 1
        while end < close and (lines[end][:1] in (" ", "\t", "-") or not lines[end].strip()):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        block_text = "".join(lines[start:end]).replace("\r\n", "\n")
    yaml = _round_trip_yaml(_sequence_indent(block_text.splitlines() + lines[1:close]))
    try:
        data = yaml.load(block_text)
    except (RuamelYAMLError, ValueError, RecursionError) as exc:  # e.g. an alias to an anchor outside the block
        raise _Refusal(f"the approvals block cannot be rewritten safely: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise _Refusal("the approvals block is not a mapping")
    entries = data.get("approvals")
    if not isinstance(entries, list):
        entries = CommentedSeq()
        entries.fa.set_block_style()
        data["approvals"] = entries
    elif not entries:
        entries.fa.set_block_style()
    action = "added"
    for entry in entries:
        if isinstance(entry, dict) and str(entry.get("reviewer", "")).lower() in reviewer_emails:
            if str(entry.get("hash")) == content_hash and str(entry.get("reviewer")) == email:
                return text, "unchanged"
            entry["reviewer"], entry["date"], entry["hash"] = email, date, content_hash
            action = "replaced"
            break
    else:
        entry = CommentedMap()
        entry["reviewer"], entry["date"], entry["hash"] = email, date, content_hash
        entries.append(entry)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    block = buffer.getvalue().replace("\n", newline)
    if start == close and lines[close - 1][-1:] != "\n":
        block = newline + block
    return "".join(lines[:start]) + block + "".join(lines[end:]), action


def _sequence_indent(fm_lines: list[str]) -> int:
    """How far this file indents block-sequence dashes under their key (0 or 2, usually)."""
    for line in fm_lines:
        found = _SEQ_ITEM.match(line)
        if found:
            return len(found.group(1))
    return 2


def _round_trip_yaml(dash_indent: int) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=dash_indent + 2, offset=dash_indent)
    return yaml

