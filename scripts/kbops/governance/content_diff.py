"""`kb diff`: what changed in a doc's content since its last approved version, as a word diff (like `git diff --word-diff`)."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, replace

from kbops.errors import UsageError
from kbops.governance.history import GitHistory, Version
from kbops.governance.policy import evaluate
from kbops.model.document import Document
from kbops.model.governance import Governance
from kbops.model.hashing import governed_fields, normalize_body

# words keep their inner punctuation (10,000 · 2026-11-22 · e-mail · don't), so a changed amount reads as one change
_WORD = r"\w+(?:[.,:/'’-]\w+)*"
_TOKEN = re.compile(rf"{_WORD}|[^\w\s]|\s+")
_WORDS = re.compile(_WORD)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None  # None: the field was added
    after: str | None  # None: the field was removed
    rendered: str  # `title: Card [-declined-]{+refused+}`


@dataclass(frozen=True)
class ContentDiff:
    """The governed content change between a base version (the last approved one) and the doc now."""

    id: str
    path: str
    base: str  # "approved version 1a2b3c4 (2026-09-02)", "the working copy (approved)", "nothing (never approved)"
    base_commit: str  # "" when the base is not a commit (never approved, or the working copy itself)
    base_hash: str  # "" when never approved
    current_hash: str
    approved_by: tuple[str, ...]  # reviewers whose approvals named the base content
    fields: tuple[FieldChange, ...]
    body: tuple[str, ...]  # word-diff lines with `@@ -a,b +c,d @@` hunk headers (file line numbers)
    words_added: int
    words_removed: int
    lines_changed: int

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.body)

    def summary(self) -> str:
        """One line for the review queue: which fields and how much of the body changed."""
        if not self.base_hash:
            return "never approved: all content is new"
        if not self.changed:
            return f"content unchanged since {self.base}"
        parts = []
        if self.fields:
            parts.append(", ".join(f.field for f in self.fields))
        if self.lines_changed:
            plural = "line" if self.lines_changed == 1 else "lines"
            parts.append(f"body: {self.lines_changed} {plural} (+{self.words_added} -{self.words_removed} words)")
        return f"changed since {self.base}: {'; '.join(parts)}"

    def as_dict(self) -> dict:
        return {
            **vars(self),
            "approved_by": list(self.approved_by),
            "fields": [vars(f) for f in self.fields],
            "body": list(self.body),
            "summary": self.summary(),
        }


def _value_text(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def _chunks(before: str, after: str) -> list[tuple[str, str, str]]:
    """(tag, old text, new text) runs of a token diff; whitespace between two changes joins them."""
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    runs: list[list[str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = "".join(old[i1:i2]), "".join(new[j1:j2])
        if tag == "equal":
            runs.append(["equal", a, b])
        elif runs and runs[-1][0] == "change":
            runs[-1][1] += a
            runs[-1][2] += b
        elif (
            len(runs) >= 2
            and runs[-1][0] == "equal"
            and not runs[-1][1].strip()
            and "\n" not in runs[-1][1]
            and runs[-2][0] == "change"
        ):
            space = runs.pop()[1]
            runs[-1][1] += space + a
            runs[-1][2] += space + b
        else:
            runs.append(["change", a, b])
    for index, run in enumerate(runs):
        # a pure insertion or deletion "word " between "... " and "next" reads better rotated to
        # "..." + " word" + " next" (same texts on both sides), then shown as `... {+word+} next`
        text = run[1] or run[2]
        prev = runs[index - 1] if index else None
        nxt = runs[index + 1] if index + 1 < len(runs) else None
        if run[0] != "change" or (run[1] and run[2]) or not prev or not nxt or prev[0] != "equal" or nxt[0] != "equal":
            continue
        trailing = re.search(r"\s+$", text)
        if trailing and prev[1].endswith(trailing.group()) and not text.isspace():
            prev[1] = prev[2] = prev[1][: -len(trailing.group())]
            nxt[1] = nxt[2] = trailing.group() + nxt[1]
            run[1 if run[1] else 2] = trailing.group() + text[: trailing.start()]
    return [tuple(r) for r in runs]  # type: ignore[misc]


def _outside(text: str) -> tuple[str, str, str]:
    """(leading whitespace, core, trailing whitespace): markers go around the words, as in git."""
    core = text.strip()
    if not core:
        return "", text, ""
    start = text.index(core)
    return text[:start], core, text[start + len(core) :]


def _mark(text: str, opener: str, closer: str) -> str:
    """Wrap every line's text in markers (markers never span a newline, as in git's word diff)."""
    return "\n".join(f"{opener}{piece}{closer}" if piece.strip() else piece for piece in text.split("\n"))


def word_diff(before: str, after: str) -> tuple[str, int, int]:
    """`before` → `after` as one text with `[-removed-]` and `{+added+}` marks; words added and removed."""
    out, added, removed = [], 0, 0
    for tag, a, b in _chunks(before, after):
        if tag == "equal":
            out.append(a)
            continue
        # whitespace both sides share (or the only side has) stays outside the markers
        lead_a, _, trail_a = _outside(a)
        lead_b, _, trail_b = _outside(b)
        lead = lead_b if not a else lead_a if not b or lead_a == lead_b else ""
        trail = trail_b if not a else trail_a if not b or trail_a == trail_b else ""
        out.append(lead)
        if a:
            out.append(_mark(a[len(lead) : len(a) - len(trail)], "[-", "-]"))
            removed += len(_WORDS.findall(a))
        if b:
            out.append(_mark(b[len(lead) : len(b) - len(trail)], "{+", "+}"))
            added += len(_WORDS.findall(b))
        out.append(trail)
    return "".join(out), added, removed


def field_changes(before: Document | None, after: Document) -> tuple[FieldChange, ...]:
    """Changed governed front-matter fields (approvals and source_hash left out), in the doc's key order."""
    old = governed_fields(before.meta) if before is not None else {}
    new = governed_fields(after.meta)
    changes = []
    for key in list(new) + [k for k in old if k not in new]:
        if key in old and key in new and old[key] == new[key]:
            continue
        a = _value_text(old[key]) if key in old else None
        b = _value_text(new[key]) if key in new else None
        if a is None:
            rendered = f"{{+{key}: {b}+}}"
        elif b is None:
            rendered = f"[-{key}: {a}-]"
        else:
            rendered = f"{key}: {word_diff(a, b)[0]}"
        changes.append(FieldChange(key, a, b, rendered))
    return tuple(changes)


def body_diff(before: Document | None, after: Document, context: int = 3) -> tuple[tuple[str, ...], int, int, int]:
    """Word-diff hunks of the normalized bodies: (lines, words added, words removed, changed lines)."""
    old = normalize_body(before.body).split("\n") if before is not None and before.body.strip() else []
    new = normalize_body(after.body).split("\n") if after.body.strip() else []
    old_first = before.body_line + _leading_blank(before.body) if before is not None else 1
    new_first = after.body_line + _leading_blank(after.body)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    lines: list[str] = []
    added = removed = changed = 0
    for group in matcher.get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        lines.append(f"@@ -{old_first + i1},{i2 - i1} +{new_first + j1},{j2 - j1} @@")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                lines.extend(old[a1:a2])
                continue
            text, plus, minus = word_diff("\n".join(old[a1:a2]), "\n".join(new[b1:b2]))
            lines.extend(text.split("\n"))
            added, removed, changed = added + plus, removed + minus, changed + max(a2 - a1, b2 - b1)
    return tuple(lines), added, removed, changed


def _leading_blank(body: str) -> int:
    """Blank lines before the body's first text (normalize_body drops them; file line numbers must not)."""
    count = 0
    for line in body.replace("\r\n", "\n").split("\n"):
        if line.strip():
            return count
        count += 1
    return 0


def _approval_entries(doc: Document | None) -> dict[str, list[dict]]:
    """content hash -> the approval entries naming it."""
    found: dict[str, list[dict]] = {}
    entries = doc.get("approvals") if doc is not None else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("hash"):
            found.setdefault(str(entry["hash"]), []).append(entry)
    return found


def _authors(
    index: int,
    versions: list[Version],
    documents: list[Document | None],
    approved: set[str],
    content: str,
    governance: Governance,
) -> set[str]:
    """Who wrote the content of versions[index]: authors of content changes back to the previous approved content."""
    authors: set[str] = set()
    for j in range(index, len(versions)):
        newer, older = documents[j], documents[j + 1] if j + 1 < len(documents) else None
        if newer is None or not newer.parsed:
            continue
        before = older.content_hash if older is not None and older.parsed else None
        if older is not None and before == newer.content_hash:
            continue  # approvals or other stamps only
        found = governance.person_by_email(versions[j].author_email)
        authors.add(found[0] if found else versions[j].author_email.lower())
        if older is None or (before in approved and before != content):
            break
    return authors


def compare(
    before: Document | None,
    after: Document,
    base: str = "",
    base_commit: str = "",
    base_hash: str = "",
    approved_by: tuple[str, ...] = (),
    context: int = 3,
) -> ContentDiff:
    body, added, removed, changed = body_diff(before, after, context)
    return ContentDiff(
        after.id or "",
        after.relpath,
        base,
        base_commit,
        base_hash,
        after.content_hash,
        approved_by,
        field_changes(before, after),
        body,
        added,
        removed,
        changed,
    )


def diff_since_approval(
    doc: Document, history: GitHistory | None, governance: Governance | None = None, context: int = 3
) -> ContentDiff:
    """The doc now against its last approved version: the newest version (the working copy, then each commit)
    whose content hash approvals name, in the doc now or anywhere in its history.

    With `governance`, that version's approvals must have met its policies; a content approved only in
    part (one reviewer of two) is passed over, so the next reviewer sees the whole change since the last
    complete approval. When no version was ever fully approved, the newest approved in part serves.
    """
    if not doc.parsed:
        problem = doc.problems[0]
        raise UsageError(
            f"{doc.relpath}:{problem.line}: cannot be parsed ({problem.code}: {problem.message}); "
            f"fix it first (`kb lint {doc.relpath}`)"
        )
    versions = [v for v in history.versions(doc.relpath) if v.blob] if history is not None and history.available else []
    documents = [history.document_at(v) for v in versions] if history is not None else []
    approved: dict[str, list[dict]] = {}
    for source in [doc, *documents]:
        for content, entries in _approval_entries(source).items():
            known = {str(e.get("reviewer", "")).lower() for e in approved.get(content, [])}
            approved.setdefault(content, []).extend(
                e for e in entries if str(e.get("reviewer", "")).lower() not in known
            )
    candidates = [
        (v, d)
        for v, d in [(None, doc), *zip(versions, documents)]
        if d is not None and d.parsed and d.content_hash in approved
    ]

    def complete(version: Version | None, candidate: Document) -> bool:
        """Its approvals met its policies: only approvals that verify count, and not those of its own authors."""
        if governance is None:
            return True
        probe = replace(candidate, meta={**candidate.meta, "approvals": approved[candidate.content_hash]})
        index = versions.index(version) if version is not None else 0
        authors = _authors(index, versions, documents, set(approved), candidate.content_hash, governance)
        status = evaluate(probe, governance, discounted=authors)
        return not status.governed or status.sufficient

    chosen = next((c for c in candidates if complete(*c)), None)
    partly = chosen is None
    if partly:
        chosen = next((c for c in candidates if c[1].content_hash != doc.content_hash), None)
    if chosen is None:
        return compare(None, doc, "nothing (never approved)", context=context)
    version, base = chosen
    reviewers = tuple(str(e.get("reviewer", "")) for e in approved[base.content_hash])
    what = "partly approved version" if partly else "approved version"
    if version is None:
        return compare(base, doc, "its approval (the current content)", "", base.content_hash, reviewers, context)
    return compare(
        base, doc, f"{what} {version.short} ({version.day})", version.commit, base.content_hash, reviewers, context
    )


def render_diff(diff: ContentDiff) -> str:
    if diff.base_hash == diff.current_hash and not diff.base_commit:
        lines = [f"{diff.path} ({diff.id}): the current content is approved"]
    else:
        lines = [f"{diff.path} ({diff.id}): content change since {diff.base}"]
    if diff.approved_by:
        lines.append(
            f"approved by {', '.join(diff.approved_by)}; content {diff.base_hash[:12]} -> {diff.current_hash[:12]}"
        )
    if not diff.changed:
        lines.append("no change")
        return "\n".join(lines)
    if diff.fields:
        lines.append("front-matter:")
        lines += [f"  {f.rendered}" for f in diff.fields]
    if diff.body:
        lines.append("body:")
        lines += list(diff.body)
    return "\n".join(lines)
