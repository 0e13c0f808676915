"""Write an import plan into the knowledge base: idempotent, never overwriting a local edit, honest about the rest.

The manifest `imports/<system>.json` (commit it) remembers, per upstream key, the path, the doc id, the upstream
`updated_at` and the SHA-256 of the file as the import wrote it. A re-import writes a doc only when upstream
changed; when the file also changed here since, it is a conflict: the upstream version goes to
`.kb/import/conflicts/<path>` and the local file is left alone. Keys the source no longer has are listed as
deleted upstream (the docs stay until someone decides). After writing, `kb lint` runs; a published doc with
findings at error level that block publishing becomes `status: review`, the codes to fix in a comment.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kbops.config import Settings
from kbops.importers.plan import ImportPlan, PlannedDoc, render
from kbops.importers.taxonomy_update import add_terms
from kbops.model.loader import parse_document

log = logging.getLogger(__name__)

MANIFEST_DIR = "imports"
CONFLICTS_DIR = Path("import") / "conflicts"


@dataclass(frozen=True)
class Conflict:
    path: str
    reason: str
    upstream_copy: str | None  # where the upstream version was written for a merge, relative to the KB root


@dataclass
class ImportReport:
    system: str
    source: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    deleted_upstream: list[str] = field(default_factory=list)
    assets: int = 0
    publishable: list[str] = field(default_factory=list)  # imported docs published as they are
    drafts: list[str] = field(default_factory=list)  # drafts upstream
    blocked: dict[str, list[str]] = field(default_factory=dict)  # lint code -> docs it holds back (review/draft)
    lint: dict[str, dict] = field(default_factory=dict)  # code -> {severity, count, paths}: what `kb lint` reports
    notes: dict[str, list[str]] = field(default_factory=dict)
    taxonomy_added: dict[str, list[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 1 if self.conflicts else 0


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_path(settings: Settings, system: str) -> Path:
    return settings.root / MANIFEST_DIR / f"{system}.json"


def load_manifest(settings: Settings, system: str) -> dict[str, dict]:
    path = manifest_path(settings, system)
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("docs", {})
    except (OSError, ValueError, AttributeError):
        log.warning("%s is not readable; every doc counts as new", path)
        return {}


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.kbimport")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _text(doc: PlannedDoc, source_hashes: dict[str, str]) -> bytes:
    meta = dict(doc.meta)
    if doc.stamp and doc.source_key in source_hashes:
        items = list(meta.items())
        at = next((n for n, (k, _) in enumerate(items) if k == "translation_of"), len(items) - 1) + 1
        items.insert(at, ("source_hash", source_hashes[doc.source_key]))
        meta = dict(items)
    return render(meta, doc.body).encode("utf-8")


def _demote(data: bytes, codes: list[str]) -> bytes:
    text = data.decode("utf-8")
    comment = f"status: review  # kb import: fix {' '.join(codes)}, then publish (kb rule CODE explains each)\n"
    return text.replace("\nstatus: published\n", "\n" + comment, 1).encode("utf-8")


def apply_plan(
    settings: Settings,
    plan: ImportPlan,
    *,
    check: bool = True,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Write what changed upstream, report the rest; see the module docstring."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    report = ImportReport(system=plan.system, source=plan.source, notes=dict(plan.notes))
    manifest = load_manifest(settings, plan.system)
    root = settings.root
    ordered = sorted(plan.docs, key=lambda d: d.source_key is not None)  # sources first: translations stamp their hash
    source_hashes: dict[str, str] = {}
    written: dict[str, tuple[PlannedDoc, bytes]] = {}
    for doc in ordered:
        data = _text(doc, source_hashes)
        if doc.source_key is None:
            source_hashes[doc.key] = parse_document(doc.relpath, data, structure=False).content_hash
        entry = manifest.get(doc.key)
        target = root / doc.relpath
        if entry and entry.get("updated_at") == doc.updated_at:
            report.unchanged += 1
            continue
        current = target.read_bytes() if target.is_file() else None
        if entry and current is None:
            report.conflicts.append(Conflict(doc.relpath, "deleted here since the last import; not re-created", None))
            continue
        if current is not None and (entry is None or _sha(current) != entry.get("sha256")):
            reason = (
                "edited here since the last import; upstream changed too"
                if entry
                else "a file not written by this import is already there"
            )
            copy = CONFLICTS_DIR / doc.relpath
            _write(settings.state_dir / copy, data)
            report.conflicts.append(Conflict(doc.relpath, reason, (Path(".kb") / copy).as_posix()))
            continue
        _write(target, data)
        for relpath, source in doc.assets.items():
            _copy_asset(source, root / relpath)
            report.assets += 1
        (report.updated if entry else report.created).append(doc.relpath)
        written[doc.relpath] = (doc, data)
        manifest[doc.key] = {
            "path": doc.relpath,
            "id": doc.meta["id"],
            "updated_at": doc.updated_at,
            "sha256": _sha(data),
        }
    report.seconds["write"] = time.perf_counter() - started
    planned = {d.key for d in plan.docs}
    if plan.complete:
        for key, entry in sorted(manifest.items()):
            if key not in planned and (root / entry["path"]).is_file():
                report.deleted_upstream.append(entry["path"])
    report.taxonomy_added = add_terms(settings.taxonomy_path, plan.products, plan.tags)
    if written:
        _sync_codeowners(settings)
    say(f"wrote {len(written)} docs ({report.unchanged} unchanged, {len(report.conflicts)} conflicts)")
    if check:
        lint_started = time.perf_counter()
        _check(settings, plan, report, written, manifest, jobs, say)
        report.seconds["lint"] = time.perf_counter() - lint_started
    _save_manifest(settings, plan, manifest)
    _classify(settings, plan, report)
    report.seconds["total"] = time.perf_counter() - started
    return report


def _sync_codeowners(settings: Settings) -> None:
    """New docs have owners: .github/CODEOWNERS stays in sync (KB809). Owners need front-matter only, so the
    corpus is read without the Markdown tree (a full parse of 14,000 docs costs as much as a lint pass)."""
    from kbops.governance.codeowners import CODEOWNERS_PATH, sync_codeowners
    from kbops.model.governance import load_governance
    from kbops.model.loader import load_corpus

    if (settings.root / CODEOWNERS_PATH).is_file():
        sync_codeowners(
            settings.root, load_corpus(settings, structure=False), load_governance(settings.governance_path)
        )


def _copy_asset(source: Path, target: Path) -> None:
    if (
        target.is_file()
        and target.stat().st_size == source.stat().st_size
        and target.read_bytes() == source.read_bytes()
    ):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _check(settings, plan, report, written, manifest, jobs, say) -> None:
    """Lint the KB; hold back written published docs whose errors block publishing; lint again for the summary."""
    from kbops.lint.runner import lint

    allowed = set(plan.publish_despite)
    say("checking with kb lint…")
    structures: dict = {}  # holding a doc back edits its front-matter only: the second run reuses the parse
    result = lint(settings, jobs=jobs, structures=structures)
    codes: dict[str, set[str]] = {}
    for diag in result.diagnostics:
        if diag.severity.value == "error" and diag.path in written and diag.code not in allowed:
            codes.setdefault(diag.path, set()).add(diag.code)
    demoted = 0
    for relpath, found in codes.items():
        doc, data = written[relpath]
        if doc.meta.get("status") != "published":
            continue
        new = _demote(data, sorted(found))
        _write(settings.root / relpath, new)
        manifest[doc.key]["sha256"] = _sha(new)
        demoted += 1
    if demoted:
        _restamp(settings, plan, written, manifest)
        say(f"{demoted} docs held back as review; checking again…")
        result = lint(settings, jobs=jobs, structures=structures)
    for diag in result.diagnostics:
        entry = report.lint.setdefault(diag.code, {"severity": diag.severity.value, "count": 0, "paths": []})
        entry["count"] += 1
        if diag.path not in entry["paths"]:
            entry["paths"].append(diag.path)


def _restamp(settings: Settings, plan: ImportPlan, written: dict, manifest: dict[str, dict]) -> None:
    """A source held back changed its status, so its hash: translations written now record the final one."""
    by_key = {d.key: d for d in plan.docs}
    hashes: dict[str, str] = {}
    for relpath, (doc, _) in written.items():
        source = by_key.get(doc.source_key or "")
        if not doc.stamp or source is None or not (settings.root / source.relpath).is_file():
            continue
        if source.key not in hashes:
            data = (settings.root / source.relpath).read_bytes()
            hashes[source.key] = parse_document(source.relpath, data, structure=False).content_hash
        path = settings.root / relpath
        text = path.read_text(encoding="utf-8")
        new = re.sub(r"(?m)^source_hash: *[0-9a-f]{64}$", f"source_hash: {hashes[source.key]}", text, count=1)
        if new != text:
            data = new.encode("utf-8")
            _write(path, data)
            manifest[doc.key]["sha256"] = _sha(data)


def _classify(settings: Settings, plan: ImportPlan, report: ImportReport) -> None:
    """Publishable now vs held back (by the codes in each doc's status comment) vs drafts."""
    for doc in plan.docs:
        path = settings.root / doc.relpath
        if not path.is_file():
            continue
        head = path.read_text(encoding="utf-8", errors="replace").split("\n---", 1)[0]
        status = re.search(r"^status: *(\w+)(?:.*# kb import: fix ([A-Z0-9 ]+),)?", head, re.MULTILINE)
        if status is None:
            continue
        if status.group(1) == "published":
            report.publishable.append(doc.relpath)
        elif status.group(1) == "draft":
            report.drafts.append(doc.relpath)
        for code in (status.group(2) or "").split():
            report.blocked.setdefault(code, []).append(doc.relpath)


def _save_manifest(settings: Settings, plan: ImportPlan, manifest: dict[str, dict]) -> None:
    data = {"system": plan.system, "source": plan.source, "docs": dict(sorted(manifest.items()))}
    _write(
        manifest_path(settings, plan.system), (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    )
