"""Run the registered rules over the knowledge base: parse each file once, then the corpus rules.

Files are read and hashed in this process; cached results are reused (see `lint.cache`), the rest are
parsed and checked by document rules in a pool of worker processes (serially for small inputs, where
pool start-up would dominate). Corpus rules then run here over compact copies of every document.
When only some files are targets (PATH arguments or `--changed`), the corpus rules still see the
whole knowledge base and only the findings that involve a target are reported (see `lint.affected`).
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kbops.config import Settings
from kbops.errors import ConfigError, UsageError
from kbops.lint import filecheck
from kbops.lint.affected import involved_filter
from kbops.lint.cache import LintCache, fingerprint
from kbops.lint.context import LintContext, build_context
from kbops.lint.diagnostics import Diagnostic, Severity
from kbops.lint.filecheck import CRASH_CODE, FileOutcome, FileTask, Structure, TrackedIds, guarded
from kbops.lint.registry import Rule, all_rules
from kbops.lint.suppression import apply_suppressions
from kbops.model.files import Refused
from kbops.model.loader import Corpus, markdown_files, read_file

log = logging.getLogger(__name__)

__all__ = ["CRASH_CODE", "LintResult", "effective_rules", "lint"]

PARALLEL_MIN_FILES = 200  # below this, starting worker processes costs more than it saves


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0  # files reported on (the targets)
    corpus_files: int = 0  # files the corpus rules saw
    cached: int = 0  # files whose parse and document-rule results came from the cache
    workers: int = 1
    rules: tuple[str, ...] = ()

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.error)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.warning)

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def summary(self) -> str:
        extra = f" (of {self.corpus_files} in the knowledge base)" if self.corpus_files > self.files else ""
        return f"{self.files} files checked{extra}: {self.errors} errors, {self.warnings} warnings"


def _matches(code: str, selectors: Iterable[str]) -> bool:
    return any(code.startswith(s) for s in selectors)


def _selectors(values: Iterable[str] | None, flag: str, rules: dict[str, Rule]) -> list[str] | None:
    if values is None:
        return None
    selectors = [v.strip().upper() for value in values for v in str(value).split(",") if v.strip()]
    unknown = [s for s in selectors if not any(code.startswith(s) for code in rules)]
    if unknown:
        raise UsageError(f"{flag}: unknown rule code or prefix {', '.join(unknown)}; `kb rule --list` shows every code")
    return selectors


def effective_rules(
    ctx: LintContext, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None
) -> dict[str, tuple[Rule, Severity]]:
    """Rules to run with their configured severity (`[tool.kbops.lint] severity`), minus those turned off.

    `select` / `ignore` take codes or prefixes (`KB3` = every links rule).
    """
    rules = all_rules()
    unknown = [code for code in ctx.lint.severity if code not in rules]
    bad = [f"{c}={v}" for c, v in ctx.lint.severity.items() if v not in Severity.__members__]
    if unknown or bad:
        raise ConfigError(
            [f"[tool.kbops.lint] severity: unknown rule {c}" for c in unknown]
            + [f"[tool.kbops.lint] severity: {b}: expected error|warning|info|off" for b in bad]
        )
    selected = _selectors(select, "--select", rules)
    ignored = _selectors(ignore, "--ignore", rules) or []
    chosen: dict[str, tuple[Rule, Severity]] = {}
    for code, rule_ in rules.items():
        if selected is not None and not _matches(code, selected):
            continue
        if _matches(code, ignored):
            continue
        severity = Severity(ctx.lint.severity.get(code, rule_.severity.value))
        if severity is not Severity.off:
            chosen[code] = (rule_, severity)
    return chosen


def _after_suppression(rule_: Rule) -> bool:
    return bool(getattr(rule_.check, "after_suppression", False))


@dataclass
class _Plan:
    """What this run checks: the rules by kind and the files (corpus and targets)."""

    ctx: LintContext
    rules: dict[str, tuple[Rule, Severity]]
    files: dict[str, str]  # relpath -> absolute path
    targets: set[str] | None  # relpaths to report on; None = all
    whole_kb: bool = True  # the files are exactly the knowledge base (no PATH outside it)

    @property
    def document_plan(self) -> list[tuple[str, str]]:
        return [
            (code, severity.value)
            for code, (rule_, severity) in self.rules.items()
            if rule_.kind == "document" and not _after_suppression(rule_)
        ]

    @property
    def corpus_rules(self) -> list[tuple[Rule, Severity]]:
        return [(r, s) for r, s in self.rules.values() if r.kind == "corpus"]


def lint(
    settings: Settings,
    paths: Iterable[Path] | None = None,
    select: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    ignore: Iterable[str] | None = None,
    targets: Iterable[str] | None = None,
    deleted: Iterable[str] = (),
    linked_before: Iterable[str] = (),
    use_cache: bool = True,
    jobs: int | None = None,
    parallel_min_files: int = PARALLEL_MIN_FILES,
    structures: dict[str, Structure] | None = None,
) -> LintResult:
    """Lint the knowledge base and return every diagnostic.

    `paths` limits the report to those files and folders; `targets` (relpaths, e.g. from `--changed`)
    limits it further. Corpus rules always see the whole knowledge base, plus the given paths.
    `deleted` names relpaths that no longer exist, so links into them count as involving a target;
    `linked_before` what the targets linked to before the change (see `lint.affected`).
    `structures` (relpath -> Structure) is read and filled: a file parsed now whose body a run given the same
    dict parsed before is not parsed again (only its front-matter changed), and every file parsed now adds its
    body's structure (see `filecheck.Structure`).
    """
    # The cyclic GC would rescan the ~100 objects per cached document many times while they are built
    # (3x the load time on 10k docs); they hold no cycles worth collecting during one run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint(
            settings,
            paths,
            select,
            progress,
            ignore,
            targets,
            deleted,
            linked_before,
            use_cache,
            jobs,
            parallel_min_files,
            structures,
        )
    finally:
        if collecting:
            gc.enable()


def _lint(
    settings: Settings,
    paths: Iterable[Path] | None,
    select: Iterable[str] | None,
    progress: Callable[[int, int], None] | None,
    ignore: Iterable[str] | None,
    targets: Iterable[str] | None,
    deleted: Iterable[str],
    linked_before: Iterable[str],
    use_cache: bool,
    jobs: int | None,
    parallel_min_files: int,
    structures: dict[str, Structure] | None,
) -> LintResult:
    ctx = build_context(settings)
    rules = effective_rules(ctx, select, ignore)
    corpus_files = markdown_files(settings)
    wanted: set[str] | None = None
    if paths:
        given = markdown_files(settings, paths)
        if not given:
            raise UsageError(f"no Markdown files under {', '.join(str(p) for p in paths)}")
        wanted = set(given)
        corpus_files = dict(sorted({**corpus_files, **given}.items()))
    if targets is not None:
        wanted = set(targets) if wanted is None else wanted & set(targets)
    plan = _Plan(ctx, rules, corpus_files, wanted, whole_kb=not paths)
    outcomes, cached, workers = _check_files(plan, settings, use_cache, jobs, parallel_min_files, progress, structures)
    diagnostics = _corpus_and_suppressions(plan, settings, outcomes, set(deleted), set(linked_before))
    files = len(outcomes) if wanted is None else len(wanted & set(outcomes))
    return LintResult(sorted(diagnostics), files, len(outcomes), cached, workers, tuple(rules))


def _check_files(
    plan: _Plan,
    settings: Settings,
    use_cache: bool,
    jobs: int | None,
    parallel_min_files: int,
    progress: Callable[[int, int], None] | None,
    structures: dict[str, Structure] | None = None,
) -> tuple[dict[str, FileOutcome], int, int]:
    """Every file's outcome, from the cache where it is still valid, else parsed and checked now."""
    document_plan = plan.document_plan
    cache = LintCache(settings.state_dir / "cache", fingerprint(plan.ctx, document_plan)).load() if use_cache else None
    tasks: list[FileTask] = []
    candidates: dict[str, FileOutcome] = {}
    known_ids: dict[str, str] = {}
    for relpath, path in plan.files.items():
        entry = cache.get(relpath) if cache is not None else None
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if entry is not None and st is not None and entry.stat is not None and entry.stat == filecheck.stat_key(st):
            declared, digest = entry.declared_id, entry.digest  # unchanged since it was read: skip reading it
        else:
            try:
                data = read_file(settings, path)
            except (OSError, Refused):
                data = b""  # the file's check reports why (FIFO, link out of the KB, unreadable)
            declared, digest = filecheck.declared_id(data), filecheck.digest_of(data)
            if cache is not None and entry is not None and entry.digest == digest and st is not None:
                identity = filecheck.stat_key(st)
                if identity != entry.stat:
                    entry = dataclasses.replace(entry, stat=identity)
                    cache.put(entry)
        if declared and declared not in known_ids:
            known_ids[declared] = relpath
        task = FileTask(relpath, path, digest)
        tasks.append(task)
        if entry is not None and entry.digest == digest:
            candidates[relpath] = entry
    plan.ctx.known_ids = known_ids
    whole = filecheck.ids_digest(known_ids)
    outcomes: dict[str, FileOutcome] = {}
    todo: list[FileTask] = []
    for task in tasks:
        hit = candidates.get(task.relpath)
        if hit is not None and filecheck.deps_hold(hit.id_deps, known_ids, whole):
            outcomes[task.relpath] = hit
        else:
            todo.append(task)
    cached = len(outcomes)
    total = len(tasks)
    if progress and cached:
        progress(cached, total)
    workers = _workers(jobs, len(todo), parallel_min_files)
    earlier = {t.relpath: structures[t.relpath] for t in todo if t.relpath in structures} if structures else {}
    keep = structures is not None
    run = _run_tasks(todo, plan.ctx, document_plan, whole, workers, earlier, keep)
    for number, (outcome, structure) in enumerate(run, cached + 1):
        outcomes[outcome.relpath] = outcome
        if structures is not None and structure is not None:
            structures[outcome.relpath] = structure
        if cache is not None:
            cache.put(outcome)
        if progress:
            progress(number, total)
    if cache is not None:
        if plan.whole_kb:
            cache.keep_only(set(outcomes))
        cache.save()
    return dict(sorted(outcomes.items())), cached, workers


def _workers(jobs: int | None, todo: int, parallel_min_files: int) -> int:
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1 (got {jobs})")
    wanted = jobs or os.cpu_count() or 1
    if wanted == 1 or todo < parallel_min_files:
        return 1
    return min(wanted, todo)


def _run_tasks(
    todo: Sequence[FileTask],
    ctx: LintContext,
    document_plan: list[tuple[str, str]],
    whole: str,
    workers: int,
    earlier: dict[str, Structure],
    keep: bool,
) -> Iterable[tuple[FileOutcome, Structure | None]]:
    if not todo:
        return
    if workers == 1:
        rules = filecheck.document_rules(document_plan)
        known = ctx.known_ids
        ctx.known_ids = TrackedIds(known)
        try:
            for task in todo:
                yield filecheck.check_document(task, ctx, rules, whole, earlier.get(task.relpath), keep)
        finally:
            ctx.known_ids = known
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    chunksize = max(1, min(64, len(todo) // (workers * 8)))
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=filecheck.init_worker,
        initargs=(ctx, document_plan, whole, earlier, keep),  # with fork, inherited rather than pickled
    ) as pool:
        yield from pool.map(filecheck.check_in_worker, todo, chunksize=chunksize)


def _corpus_and_suppressions(
    plan: _Plan, settings: Settings, outcomes: dict[str, FileOutcome], deleted: set[str], linked_before: set[str]
) -> list[Diagnostic]:
    """Corpus rules over every document, then suppressions and KB009, limited to the targets."""
    ctx = plan.ctx
    corpus = Corpus(settings, [o.doc for o in outcomes.values()])
    ctx.known_ids = {doc.id: doc.relpath for doc in corpus.docs if doc.id}
    corpus_diagnostics: list[Diagnostic] = []
    for rule_, severity in plan.corpus_rules:
        corpus_diagnostics.extend(guarded(rule_, severity, "", lambda: rule_.check(corpus, ctx)))
    targets = plan.targets
    if targets is not None:
        involves = involved_filter(corpus, targets | deleted, linked_before)
        corpus_diagnostics = [d for d in corpus_diagnostics if involves(d)]
    by_path: dict[str, list[Diagnostic]] = {}
    for relpath, checked in outcomes.items():
        if targets is None or relpath in targets:
            by_path[relpath] = list(checked.diagnostics)
    for diagnostic in corpus_diagnostics:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)
    enabled = set(plan.rules)
    post = [(r, s) for r, s in plan.rules.values() if _after_suppression(r)]
    kept: list[Diagnostic] = []
    for relpath, diagnostics in by_path.items():
        outcome = outcomes.get(relpath)
        if outcome is None or not outcome.suppressions:
            kept.extend(diagnostics)
            continue
        remaining, used = apply_suppressions(diagnostics, outcome.suppressions)
        kept.extend(remaining)
        for rule_, severity in post:
            kept.extend(
                guarded(
                    rule_,
                    severity,
                    relpath,
                    lambda: rule_.check(
                        outcome.doc, ctx, used=used, enabled=enabled, suppressions=outcome.suppressions
                    ),
                )
            )
    return kept
