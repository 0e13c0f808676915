"""Per-file lint work: read, parse once, run the document rules. Runs inline or in worker processes.

A worker returns a `FileOutcome`: the diagnostics of the document rules (before suppression), the
file's suppression comments, and a compact copy of the Document for the corpus rules (its `text`,
`body` and `blocks` are dropped: corpus rules look at front-matter, headings and links, and the
copy travels between processes and into the cache). It also records which document ids the rules
looked up in `ctx.known_ids`, so a cached result is reused only while those ids still resolve the same.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbops.lint.context import LintContext
from kbops.lint.diagnostics import Diagnostic, Severity
from kbops.lint.registry import Rule, all_rules
from kbops.lint.suppression import Suppression, parse_suppressions
from kbops.model.document import Block, Document, Heading, Link
from kbops.model.files import Refused
from kbops.model.loader import load_document, parse_document, read_file

log = logging.getLogger(__name__)

CRASH_CODE = "KB000"
CRASH_SLUG = "rule-crashed"
_ID_LINE = re.compile(rb"^id:[ \t]*['\"]?([^'\"\r\n#]*?)['\"]?[ \t]*(?:#.*)?\r?$", re.MULTILINE)

# ("all", digest of the whole id map) or ("some", ((id, relpath-or-None), ...))
IdDeps = tuple[str, Any]


@dataclass(frozen=True)
class FileTask:
    relpath: str
    path: str
    digest: str  # sha256 of the bytes the parent read; recomputed if the file changed since


@dataclass(frozen=True)
class FileOutcome:
    relpath: str
    digest: str
    doc: Document
    diagnostics: tuple[Diagnostic, ...]
    suppressions: tuple[Suppression, ...]
    id_deps: IdDeps = ("some", ())
    declared_id: str | None = None  # see declared_id(); feeds ctx.known_ids without reading the file
    stat: tuple[int, int, int] | None = None  # (mtime_ns, size, inode) when the bytes were read, if trustworthy


@dataclass(frozen=True)
class Structure:
    """A body's Markdown structure as one run parsed it. A later run of the same process given it does not parse
    the body again while it is unchanged: `kb import` lints, holds docs back by editing their front-matter
    only, and lints again."""

    body_line: int
    body_digest: str
    headings: tuple[Heading, ...]
    links: tuple[Link, ...]
    blocks: tuple[Block, ...]


def body_digest(body: str) -> str:
    return hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class TrackedIds(dict):
    """`ctx.known_ids` for document rules: remembers which ids a rule consulted (for the cache)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reset()

    def reset(self) -> None:
        self.looked_up: dict[str, str | None] = {}
        self.whole = False

    def __getitem__(self, key: str) -> str:
        self.looked_up[key] = dict.get(self, key)
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        self.looked_up[key] = dict.get(self, key)
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.looked_up[key] = dict.get(self, key)
        return dict.__contains__(self, key)

    def _everything(self) -> None:
        self.whole = True

    def __iter__(self):
        self._everything()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._everything()
        return dict.__len__(self)

    def keys(self):
        self._everything()
        return dict.keys(self)

    def values(self):
        self._everything()
        return dict.values(self)

    def items(self):
        self._everything()
        return dict.items(self)

    def deps(self, whole_digest: str) -> IdDeps:
        if self.whole:
            return ("all", whole_digest)
        return ("some", tuple(sorted(self.looked_up.items(), key=lambda kv: kv[0])))


def ids_digest(known_ids: dict[str, str]) -> str:
    return hashlib.sha256(repr(sorted(known_ids.items())).encode()).hexdigest()


def deps_hold(deps: IdDeps, known_ids: dict[str, str], whole_digest: str) -> bool:
    kind, value = deps
    if kind == "all":
        return value == whole_digest
    return all(known_ids.get(key) == seen for key, seen in value)


def declared_id(data: bytes) -> str | None:
    """The `id:` value of the front-matter as written, without parsing YAML (ids are plain slugs)."""
    if not data.startswith((b"---", b"\xef\xbb\xbf---")):
        return None
    end = data.find(b"\n---", 3)
    match = _ID_LINE.search(data, 0, end if end > 0 else min(len(data), 8192))
    if not match:
        return None
    try:
        return match.group(1).decode("utf-8").strip() or None
    except UnicodeDecodeError:
        return None


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stat_key(st: os.stat_result) -> tuple[int, int, int] | None:
    """A file's identity for the cache, or None when it was modified too recently to be trusted.

    Like git's "racy" rule: a file written within the last two seconds could change again within the
    same timestamp tick, so its bytes are re-read and re-hashed next time.
    """
    if st.st_mtime_ns > time.time_ns() - 2_000_000_000:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def compact(doc: Document) -> Document:
    """The Document as corpus rules and the cache see it: without its text, body and blocks."""
    return dataclasses.replace(doc, text="", body="", blocks=())


def _milder(configured: Severity, wanted: str | None) -> Severity:
    """The finding's own severity when it is milder than the rule's configured one."""
    if wanted is None:
        return configured
    return min(configured, Severity(wanted), key=lambda s: s.rank)


def guarded(rule_: Rule, severity: Severity, relpath: str, call: Callable[[], Iterable]) -> list[Diagnostic]:
    """Run one rule; a crashing rule is reported as KB000 naming the rule and file, and the run goes on."""
    try:
        return [
            Diagnostic(
                f.path or relpath, f.line, f.col, rule_.code, f.message, _milder(severity, f.severity), rule_.slug
            )
            for f in call() or ()
        ]
    except Exception as exc:
        log.warning(
            "rule %s crashed on %s: %r",
            rule_.code,
            relpath or "the corpus",
            exc,
            exc_info=log.isEnabledFor(logging.DEBUG),
        )
        return [
            Diagnostic(
                relpath or ".",
                1,
                1,
                CRASH_CODE,
                f"rule {rule_.code} ({rule_.slug}) crashed: {type(exc).__name__}: {exc}",
                Severity.error,
                CRASH_SLUG,
            )
        ]


def document_rules(plan: Iterable[tuple[str, str]]) -> list[tuple[Rule, Severity]]:
    """Rule objects for (code, severity) pairs: what a worker process rebuilds from the plan it receives."""
    rules = all_rules()
    return [(rules[code], Severity(severity)) for code, severity in plan]


def run_document_rules(doc: Document, ctx: LintContext, rules: Iterable[tuple[Rule, Severity]]) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    for rule_, severity in rules:
        diagnostics.extend(guarded(rule_, severity, doc.relpath, lambda: rule_.check(doc, ctx)))
    return diagnostics


def _parse(relpath: str, data: bytes, default_locale: str, earlier: Structure | None) -> Document:
    """Parse one file; the Markdown structure comes from `earlier` when the body is the same as then."""
    if earlier is None:
        return parse_document(relpath, data, default_locale=default_locale)
    doc = parse_document(relpath, data, default_locale=default_locale, structure=False)
    if doc.problems:  # unreadable or without front-matter: no structure either way
        return doc
    if doc.body_line != earlier.body_line or body_digest(doc.body) != earlier.body_digest:
        return parse_document(relpath, data, default_locale=default_locale)
    return dataclasses.replace(doc, headings=earlier.headings, links=earlier.links, blocks=earlier.blocks)


def check_document(
    task: FileTask,
    ctx: LintContext,
    rules: list[tuple[Rule, Severity]],
    whole_digest: str,
    earlier: Structure | None = None,
    keep: bool = False,
) -> tuple[FileOutcome, Structure | None]:
    """Read and parse one file, run the document rules; never raises for a user mistake.

    With `keep`, also the body's structure for a later run (see Structure)."""
    digest, declared, identity = task.digest, None, None
    try:
        st = os.stat(task.path)
        data = read_file(ctx.settings, task.path)
        digest, declared, identity = digest_of(data), declared_id(data), stat_key(st)
        doc = _parse(task.relpath, data, ctx.settings.default_locale, earlier)
    except (OSError, Refused):
        # a FIFO, a link out of the KB, unreadable or too large: the loader says which (KB010 / KB003 / KB006)
        doc = dataclasses.replace(load_document(ctx.settings, Path(task.path)), relpath=task.relpath)
    known = ctx.known_ids
    if isinstance(known, TrackedIds):
        known.reset()
    diagnostics = run_document_rules(doc, ctx, rules)
    deps = known.deps(whole_digest) if isinstance(known, TrackedIds) else ("all", whole_digest)
    outcome = FileOutcome(
        task.relpath, digest, compact(doc), tuple(diagnostics), parse_suppressions(doc), deps, declared, identity
    )
    kept = None
    if keep and not doc.problems:
        kept = Structure(doc.body_line, body_digest(doc.body), doc.headings, doc.links, doc.blocks)
    return outcome, kept


# -- worker processes --------------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def init_worker(
    ctx: LintContext,
    plan: list[tuple[str, str]],
    whole_digest: str,
    earlier: dict[str, Structure] | None = None,
    keep: bool = False,
) -> None:
    gc.enable()  # the parent pauses the cyclic GC while it loads the cache; a worker parses many files
    ctx.known_ids = TrackedIds(ctx.known_ids)
    _WORKER.update(ctx=ctx, rules=document_rules(plan), whole_digest=whole_digest, earlier=earlier or {}, keep=keep)


def check_in_worker(task: FileTask) -> tuple[FileOutcome, Structure | None]:
    return check_document(
        task,
        _WORKER["ctx"],
        _WORKER["rules"],
        _WORKER["whole_digest"],
        _WORKER["earlier"].get(task.relpath),
        _WORKER["keep"],
    )
