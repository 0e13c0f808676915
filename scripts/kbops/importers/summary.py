"""The import summary: what was written, what is publishable now, what holds the rest back, grouped."""

from __future__ import annotations

from dataclasses import asdict

from kbops.importers.apply import ImportReport

SHOWN = 5  # paths listed per group in text output (JSON lists them all)


def summary_dict(report: ImportReport) -> dict:
    return {
        "system": report.system,
        "source": report.source,
        "created": len(report.created),
        "updated": len(report.updated),
        "unchanged": report.unchanged,
        "assets": report.assets,
        "publishable": len(report.publishable),
        "held_back": sorted({p for paths in report.blocked.values() for p in paths}),
        "drafts": report.drafts,
        "blocked_by": {code: sorted(set(paths)) for code, paths in sorted(report.blocked.items())},
        "lint": dict(sorted(report.lint.items())),
        "conflicts": [asdict(c) for c in report.conflicts],
        "deleted_upstream": report.deleted_upstream,
        "notes": report.notes,
        "taxonomy_added": report.taxonomy_added,
        "updated_paths": report.updated,
        "created_paths": report.created,
        "seconds": {k: round(v, 2) for k, v in report.seconds.items()},
    }


def _paths(paths: list[str]) -> str:
    more = f" (+{len(paths) - SHOWN} more)" if len(paths) > SHOWN else ""
    return ", ".join(paths[:SHOWN]) + more


def summary_text(report: ImportReport) -> str:
    held = sorted({p for paths in report.blocked.values() for p in paths})
    lines = [
        f"kb import {report.system} {report.source}",
        f"  written: {len(report.created)} new, {len(report.updated)} updated, {report.unchanged} unchanged upstream, "
        f"{report.assets} files copied",
        f"  publishable now: {len(report.publishable)}; held back for review: {len(held)}; drafts upstream: {len(report.drafts)}",
    ]
    if report.blocked:
        lines.append("  held back by (fix, then set status: published):")
        for code, paths in sorted(report.blocked.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            lines.append(f"    {code} ({len(set(paths))} docs): {_paths(sorted(set(paths)))}")
    if report.lint:
        lines.append("  kb lint now reports:")
        for code, entry in sorted(report.lint.items(), key=lambda kv: (-kv[1]["count"], kv[0])):
            lines.append(f"    {code} {entry['severity']} x{entry['count']}: {_paths(entry['paths'])}")
    if report.conflicts:
        lines.append(f"  conflicts ({len(report.conflicts)}), left as they are here:")
        lines += [
            f"    {c.path}: {c.reason}" + (f"; upstream version in {c.upstream_copy}" if c.upstream_copy else "")
            for c in report.conflicts
        ]
    if report.deleted_upstream:
        lines.append(
            f"  deleted upstream ({len(report.deleted_upstream)}), still here: {_paths(report.deleted_upstream)}"
        )
    for group, items in sorted(report.notes.items()):
        lines.append(f"  {group} ({len(items)}): {_paths(items)}")
    for section, keys in report.taxonomy_added.items():
        lines.append(f"  taxonomy.yml {section} added: {_paths(keys)}")
    return "\n".join(lines)
