"""Bring an existing help center in: `kb import zendesk` (export folder or API) and `kb import markdown`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from kbops.config import Settings
from kbops.importers.apply import ImportReport, apply_plan, load_manifest
from kbops.importers.mapping import default_owner, load_mapping
from kbops.model.governance import load_governance


def import_zendesk(
    settings: Settings,
    folder: Path,
    *,
    mapping_path: Path | None = None,
    check: bool = True,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import a Zendesk Guide export folder (see `kbops.importers.zendesk_export`) into the knowledge base."""
    import time

    from kbops.importers.zendesk import plan_zendesk
    from kbops.importers.zendesk_export import read_export

    started = time.perf_counter()
    governance = load_governance(settings.governance_path)
    mapping = load_mapping(mapping_path)
    mapping.check_owners(governance)
    previous = load_manifest(settings, "zendesk")
    export = read_export(folder)
    read = time.perf_counter()
    plan = plan_zendesk(
        export,
        mapping,
        locales=settings.locales,
        default_owner=default_owner(mapping, governance),
        previous=previous,
        source=str(folder),
        jobs=jobs or min(2, os.cpu_count() or 1),
    )
    converted = time.perf_counter()
    report = apply_plan(settings, plan, check=check, jobs=jobs, progress=progress)
    report.seconds = {
        "read": read - started,
        "convert": converted - read,
        **report.seconds,
        "total": time.perf_counter() - started,
    }
    return report


def import_markdown(
    settings: Settings,
    folder: Path,
    *,
    mapping_path: Path | None = None,
    audience: str = "public",
    into: str | None = None,
    check: bool = True,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import a folder of Markdown (see `kbops.importers.markdown_source`) under `kb/<into>/`."""
    from kbops.errors import UsageError
    from kbops.importers.markdown_source import plan_markdown
    from kbops.importers.plan import slug
    from kbops.publishing import require_audience

    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    governance = load_governance(settings.governance_path)
    mapping = load_mapping(mapping_path)
    mapping.check_owners(governance)
    into = slug(into or folder.resolve().name, 40) or "imported"
    plan = plan_markdown(
        folder,
        mapping,
        locales=settings.locales,
        default_locale=settings.default_locale,
        default_owner=default_owner(mapping, governance),
        audience=require_audience(audience),
        into=into,
        previous=load_manifest(settings, "markdown"),
    )
    return apply_plan(settings, plan, check=check, jobs=jobs, progress=progress)
