"""`kb history ID`: a doc's audit trail from git: versions, authors, messages, approvals and status changes."""

from __future__ import annotations

from dataclasses import dataclass

from kbops.errors import NotFoundError, UsageError
from kbops.governance.history import GitHistory, Version
from kbops.governance.policy import approval_records
from kbops.governance.signatures import describe_signer
from kbops.model.document import Document
from kbops.model.governance import Governance
from kbops.model.loader import Corpus


@dataclass(frozen=True)
class HistoryEntry:
    commit: str  # "" for uncommitted changes in the working copy
    date: str
    author: str
    email: str
    message: str
    path: str
    change: str  # added | edited | renamed from OLD | approvals only | metadata only | deleted
    content_hash: str
    status: str | None
    status_change: str | None  # "draft -> published"
    approvals_added: tuple[str, ...]  # "reviewer (date, hash prefix)"
    approvals_removed: tuple[str, ...]
    diff: tuple[str, ...] = ()  # with `kb history --diff`: the content change against the older version
    # per added approval: reviewer, hash, signature state (verified | unsigned | invalid), key fingerprint, reason
    signatures: tuple[dict, ...] = ()


@dataclass(frozen=True)
class DocHistory:
    id: str
    path: str
    entries: tuple[HistoryEntry, ...]  # newest first

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "path": self.path,
            "entries": [
                {
                    **vars(e),
                    "approvals_added": list(e.approvals_added),
                    "approvals_removed": list(e.approvals_removed),
                    "diff": list(e.diff),
                    "signatures": list(e.signatures),
                }
                for e in self.entries
            ],
        }


def find_doc(corpus: Corpus, key: str, locale: str | None = None) -> Document:
    """A doc by id or path; with `locale`, that doc's translation in the locale (or the doc, when in that locale)."""
    found = corpus.by_path.get(key)
    candidates = [found] if found is not None else corpus.by_id.get(key, [])
    if not candidates:
        raise NotFoundError(f"no doc with id or path {key!r}{corpus.did_you_mean(key)}")
    sources = [d for d in candidates if not d.get("translation_of")]
    doc = (sources or candidates)[0]
    if not locale or doc.locale == locale:
        return doc
    same_id = [d for d in candidates if d.locale == locale]
    source_id = str(doc.get("translation_of") or doc.id or "")
    family = [d for d in corpus.by_id.get(source_id, []) + corpus.translations_of(source_id) if d.locale == locale]
    if same_id or family:
        return (same_id or family)[0]
    have = sorted({d.locale for d in corpus.by_id.get(source_id, []) + corpus.translations_of(source_id)})
    raise NotFoundError(f"{key!r} has no translation in locale {locale} (translations: {', '.join(have) or 'none'})")


def _approvals(
    doc: Document | None, governance: Governance | None = None
) -> dict[tuple[str, str, str], tuple[str, dict]]:
    """(reviewer, hash, signature) -> (description, signature check as a dict); signatures checked with today's keys."""
    found = {}
    checks = {}
    if doc is not None and governance is not None:
        checks = {(r.reviewer, r.hash, r.date): r.signature for r in approval_records(doc, governance)}
    for entry in (doc.get("approvals") or []) if doc is not None else []:
        if isinstance(entry, dict):
            key = (
                str(entry.get("reviewer", "")).strip(),
                str(entry.get("hash", "")),
                str(entry.get("signature") or ""),
            )
            check = checks.get((key[0], key[1], str(entry.get("date", ""))))
            signer = f", {describe_signer(check)}" if check is not None else ""
            info = {
                "reviewer": key[0],
                "hash": key[1],
                "state": check.state if check else "",
                "fingerprint": check.fingerprint if check else "",
                "reason": check.reason if check else "",
            }
            found[key] = (f"{key[0]} ({entry.get('date', '')}, {key[1][:12]}{signer})", info)
    return found


def _entry(
    version: Version | None, doc: Document, older: Document | None, governance: Governance | None = None
) -> HistoryEntry:
    status, before = doc.get("status"), older.get("status") if older is not None else None
    now, then = _approvals(doc, governance), _approvals(older)
    added = tuple(v[0] for k, v in now.items() if k not in then)
    removed = tuple(v[0] for k, v in then.items() if k not in now)
    if older is None:
        change = "added"
    elif version is not None and version.change == "R" and version.old_path:
        change = f"renamed from {version.old_path}"
    elif older.content_hash != doc.content_hash:
        change = "edited"
    elif added or removed:
        change = "approvals only"
    else:
        change = "metadata only"
    return HistoryEntry(
        version.commit if version else "",
        version.date if version else "",
        version.author_name if version else "",
        version.author_email if version else "",
        version.subject if version else "(uncommitted changes)",
        version.path if version else doc.relpath,
        change,
        doc.content_hash,
        status,
        f"{before} -> {status}" if older is not None and before != status else None,
        added,
        removed,
        signatures=tuple(v[1] for k, v in now.items() if k not in then and governance is not None),
    )


def doc_history(
    corpus: Corpus,
    history: GitHistory,
    key: str,
    locale: str | None = None,
    diffs: bool = False,
    governance: Governance | None = None,
) -> DocHistory:
    """Every committed version of the doc (renames followed), plus uncommitted changes of the working copy.

    With `governance`, each added approval says who signed it with which key, or that it does not verify now.
    """
    if not history.available:
        raise UsageError(f"kb history needs git: {history.reason}")
    doc = find_doc(corpus, key, locale)
    versions = [v for v in history.versions(doc.relpath) if v.blob]
    docs = [history.document_at(v) for v in versions]
    entries = []
    if versions and docs[0] is not None and docs[0].text != doc.text:
        entries.append(_entry(None, doc, docs[0], governance))
    elif not versions:
        entries.append(_entry(None, doc, None, governance))
    for index, (version, version_doc) in enumerate(zip(versions, docs)):
        if version_doc is None:
            continue
        older = docs[index + 1] if index + 1 < len(docs) else None
        if older is None and version.commit in history.shallow_commits:
            version = Version(
                **{**vars(version), "subject": version.subject + " (shallow clone: earlier history not fetched)"}
            )
        entries.append(_entry(version, version_doc, older, governance))
    if diffs:
        entries = _with_diffs(entries, doc, versions, docs)
    return DocHistory(doc.id or "", doc.relpath, tuple(entries))


def _with_diffs(
    entries: list[HistoryEntry], working: Document, versions: list[Version], docs: list[Document | None]
) -> list[HistoryEntry]:
    """Each entry whose content changed gets the word diff against the version before it."""
    from dataclasses import replace

    from kbops.governance.content_diff import compare

    by_commit = {v.commit: i for i, v in enumerate(versions)}
    result = []
    for entry in entries:
        if entry.change in ("added", "approvals only", "metadata only"):
            result.append(entry)
            continue
        index = by_commit.get(entry.commit, -1)  # -1: the working copy, compared with the newest commit
        older = docs[index + 1] if index + 1 < len(docs) else None
        newer = docs[index] if index >= 0 else working
        if newer is None or (older is not None and older.content_hash == newer.content_hash):
            result.append(entry)
            continue
        change = compare(older, newer)
        lines = [f"front-matter: {f.rendered}" for f in change.fields] + list(change.body)
        result.append(replace(entry, diff=tuple(lines)))
    return result


def render_history(result: DocHistory) -> str:
    lines = [f"History of {result.id} ({result.path}), newest first:"]
    for e in result.entries:
        when = e.date[:10] if e.date else "working copy"
        lines.append(f"{e.commit[:7] or '-------'}  {when}  {e.author or '-'}  {e.message}")
        details = [e.change if e.path == result.path or e.change.startswith("renamed") else f"{e.change} as {e.path}"]
        details.append(f"content {e.content_hash[:12]}")
        if e.status_change:
            details.append(f"status {e.status_change}")
        lines.append("    " + ", ".join(details))
        lines += [f"    + approval {a}" for a in e.approvals_added]
        lines += [f"    - approval {a}" for a in e.approvals_removed]
        lines += [f"    {line}" if line else "" for line in e.diff]
    return "\n".join(lines)
