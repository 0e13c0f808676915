"""Run the registered rules over the knowledge base: parse each file once, then corpus rules."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from kbops.config import Settings
from kbops.lint.context import LintContext, build_context
from kbops.lint.diagnostics import Diagnostic, Severity
from kbops.lint.registry import Rule, all_rules
from kbops.model.loader import Corpus, load_corpus

log = logging.getLogger(__name__)

CRASH_CODE = "KB000"


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.error)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.warning)

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def effective_rules(ctx: LintContext, select: Iterable[str] | None = None) -> dict[str, tuple[Rule, Severity]]:
    """Rules to run with their configured severity (`[tool.kbops.lint] severity`), minus those turned off."""
    from kbops.errors import ConfigError

    rules = all_rules()
    unknown = [code for code in ctx.lint.severity if code not in rules]
    bad = [f"{c}={v}" for c, v in ctx.lint.severity.items() if v not in Severity.__members__]
    if unknown or bad:
        raise ConfigError(
            [f"[tool.kbops.lint] severity: unknown rule {c}" for c in unknown]
            + [f"[tool.kbops.lint] severity: {b}: expected error|warning|info|off" for b in bad]
        )
    chosen = {}
    for code, rule_ in rules.items():
        if select is not None and code not in select:
            continue
        severity = Severity(ctx.lint.severity.get(code, rule_.severity.value))
        if severity is not Severity.off:
            chosen[code] = (rule_, severity)
    return chosen


def run_rules(corpus: Corpus, ctx: LintContext, rules: dict[str, tuple[Rule, Severity]]) -> list[Diagnostic]:
    ctx.known_ids = {doc.id: doc.relpath for doc in corpus.docs if doc.id}
    diagnostics: list[Diagnostic] = []
    for code, (rule_, severity) in rules.items():
        if rule_.kind == "document":
            for doc in corpus.docs:
                diagnostics.extend(_guarded(rule_, severity, doc.relpath, lambda: rule_.check(doc, ctx)))
        else:
            diagnostics.extend(_guarded(rule_, severity, "", lambda: rule_.check(corpus, ctx)))
    return sorted(diagnostics)


def _guarded(rule_: Rule, severity: Severity, relpath: str, call: Callable) -> list[Diagnostic]:
    """A crashing rule is reported as KB000 naming the rule and file; the run goes on."""
    try:
        return [
            Diagnostic(f.path or relpath, f.line, f.col, rule_.code, f.message, severity, rule_.slug)
            for f in call() or ()
        ]
    except Exception as exc:  # noqa: BLE001 - a rule bug must not stop the run
        log.exception("rule %s crashed on %s", rule_.code, relpath or "the corpus")
        return [Diagnostic(relpath or ".", 1, 1, CRASH_CODE, f"rule {rule_.code} ({rule_.slug}) crashed: {type(exc).__name__}: {exc}", Severity.error, "rule-crashed")]


def lint(
    settings: Settings,
    paths: Iterable[Path] | None = None,
    select: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LintResult:
    """Lint the knowledge base (or only `paths`) and return every diagnostic."""
    ctx = build_context(settings)
    rules = effective_rules(ctx, set(select) if select else None)
    corpus = load_corpus(settings, paths, progress=progress)
    return LintResult(run_rules(corpus, ctx, rules), files=len(corpus.docs))
