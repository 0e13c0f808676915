"""Stage an audience's docs tree: only what `kbops.publishing` lets it see, bannered, ready for MkDocs.

The generator never sees a file above the audience: it is pointed at this tree instead of `kb/`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from kbops.config import Settings
from kbops.model.document import Document
from kbops.model.files import UNSAFE_CODE, Refused, display_name, read_source
from kbops.model.governance import load_governance
from kbops.model.loader import load_corpus
from kbops.model.taxonomy import load_taxonomy
from kbops.site.edition import Edition
from kbops.site.i18n import header_words, home_path, login_pages, site_locales, site_names, ui_files
from kbops.site.links import LinkReport
from kbops.site.pages import (
    IDS_FILE,
    generated_home,
    id_map,
    landing_section,
    navigation,
    output_files,
    redirect_pages,
    tag_pages,
)
from kbops.site.render import render_doc
from kbops.site.sanitize import unsafe_html
from kbops.site.urls import SiteLayout, resolve_relative, site_layout

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageResult:
    """A staged docs tree for one audience."""

    audience: str
    docs_dir: Path
    docs: int  # published documents staged
    pages: int  # Markdown pages staged (documents + landing + tag pages)
    redirects: int
    nav: list
    problems: tuple[str, ...]  # e.g. links to unknown ids: the plugin reports them as MkDocs warnings
    written: int  # files whose content changed (0 on a no-op re-stage: `mkdocs serve` does not loop)
    locales: tuple[str, ...] = ("en",)  # site sections, the default locale first
    site_names: dict = field(default_factory=dict)  # locale -> the header's site name
    header: dict = field(default_factory=dict)  # locale -> sign-in words and URLs for the header
    page_files: tuple[str, ...] = ()  # the HTML file each staged page builds to (the marker check reads them)
    digest: str = ""  # SHA-256 of the staged tree: equal digests build equal sites (`kb serve` skips the build)


def stage_dir(settings: Settings, audience: str) -> Path:
    return settings.state_dir / "stage" / audience / "docs"


def stage_site(
    settings: Settings,
    audience: str,
    dest: Path | None = None,
    *,
    include_drafts: bool = False,
    use_directory_urls: bool = True,
    site_name: str = "Help Center",
) -> StageResult:
    """Select, render and write the audience's docs tree to `dest` (default `.kb/stage/<audience>/docs`)."""
    dest = dest or stage_dir(settings, audience)
    corpus = load_corpus(settings, structure=False)  # staging needs meta and body, not the Markdown tree
    layout = site_layout(settings, use_directory_urls=use_directory_urls)
    edition = Edition(
        audience=audience,
        corpus=corpus,
        governance=load_governance(settings.governance_path),
        taxonomy=load_taxonomy(settings.taxonomy_path),
        today=settings.today_date(),
        layout=layout,
        include_drafts=include_drafts,
    )
    report = LinkReport()
    # Files that cannot be read or parsed are never published, and never silently: a strict build fails.
    report.problems += [f"{problem}; not published" for problem in corpus.refused()]
    files: dict[str, bytes] = {}
    locales = site_locales(edition)
    home_of = {home_path(edition, loc): loc for loc in locales}
    homes: dict[str, Document] = {}
    for doc in edition.docs:
        path = edition.path_of(doc)
        if path in files:
            report.problems.append(f"{doc.relpath}: lands on the same page ({path}) as another document; skipped")
            continue
        for found in unsafe_html(doc):  # the same rules as lint; the plugin removes them with nh3 in any case
            report.problems.append(f"{doc.relpath}:{found.line}: {found.code} {found.message}; removed from the page")
        text = render_doc(doc, edition, report)
        if path in home_of:
            homes[home_of[path]] = doc
            text = text.rstrip("\n") + "\n\n" + "\n".join(landing_section(edition, home_of[path])) + "\n"
        files[path] = text.encode("utf-8")
    names = site_names(edition, site_name, homes)
    for path, loc in home_of.items():
        if loc not in homes:
            files[path] = generated_home(edition, loc, names[loc]).encode("utf-8")
    tags = tag_pages(edition)
    files.update({path: text.encode("utf-8") for path, text in tags.items()})
    files.update({path: text.encode("utf-8") for path, text in login_pages(edition).items()})
    pages = [p for p in files if p.endswith(".md")]
    redirects = redirect_pages(edition, output_files(pages, layout))
    files.update({path: text.encode("utf-8") for path, text in redirects.items()})
    files[IDS_FILE] = id_map(edition).encode("utf-8")
    files.update({path: text.encode("utf-8") for path, text in ui_files(edition).items()})
    withheld = withheld_assets(corpus.docs, {doc.relpath for doc in edition.docs}) - report.assets
    files.update(_assets(settings, layout, report.assets, set(files), report.problems, withheld))
    written = sync_tree(files, dest)
    digest = tree_digest(files)
    problems = tuple(report.problems)
    log.debug("staged %s: %d docs, %d files changed", audience, len(edition.docs), written)
    return StageResult(
        audience=audience,
        docs_dir=dest,
        docs=len(edition.docs),
        pages=len(pages),
        redirects=len(redirects),
        nav=navigation(edition, homes, bool(tags)),
        problems=problems,
        written=written,
        locales=tuple(locales),
        site_names=names,
        header=header_words(edition),
        digest=digest,
        page_files=tuple(sorted(output_files(pages, layout))),
    )


def tree_digest(files: dict[str, bytes]) -> str:
    total = hashlib.sha256()
    for path in sorted(files):
        total.update(hashlib.sha256(path.encode("utf-8")).digest() + hashlib.sha256(files[path]).digest())
    return total.hexdigest()


MAX_ASSET_BYTES = 50_000_000


_LOCAL_REFERENCE = re.compile(r"\]\(\s*<?([^)\s>]+)|\bsrc=[\"']([^\"']+)")


def withheld_assets(docs, visible: set[str]) -> set[str]:
    """KB-relative files that documents the audience may not see refer to (an internal article's screenshots).

    They are copied only when a visible document refers to them too: a file beside a hidden doc is hidden.
    """
    found: set[str] = set()
    for doc in docs:
        if doc.relpath in visible or not doc.body:
            continue
        for match in _LOCAL_REFERENCE.finditer(doc.body):
            target = (match.group(1) or match.group(2)).partition("#")[0].partition("?")[0]
            if target and not target.startswith(("/", "#", "id:")) and ":" not in target.split("/")[0]:
                found.add(resolve_relative(doc.relpath, target))
    return found


def _assets(
    settings: Settings,
    layout: SiteLayout,
    referenced: set[str],
    taken: set[str],
    problems: list[str],
    withheld: AbstractSet[str] = frozenset(),
) -> dict[str, bytes]:
    """Non-Markdown files: everything under `kb/` (the site's own assets) plus files visible docs link to,
    less those only hidden docs refer to (`withheld`).

    Read like documents: a symlink out of the KB (`kb/logo.png -> /etc/passwd`) or a FIFO is reported, never copied.
    """
    found: dict[str, bytes] = {}
    docs_root = settings.root / layout.docs_root
    candidates: set[str] = set(referenced)
    if docs_root.is_dir():
        for path in docs_root.rglob("*"):
            linked = path.is_symlink() and not path.is_dir()  # symlinked folders are reported by the loader's walk
            if (
                (linked or path.is_file())
                and path.suffix != ".md"
                and not any(part.startswith(".") for part in path.parts)
            ):
                relpath = path.relative_to(settings.root).as_posix()
                if relpath not in withheld:
                    candidates.add(relpath)
    for relpath in sorted(candidates):
        root = relpath.split("/", 1)[0]
        source = settings.root / relpath
        if root not in settings.roots or relpath.endswith(".md") or not (source.is_symlink() or source.is_file()):
            continue  # outside the KB roots (or missing): never copied; MkDocs reports the broken link
        if display_name(relpath) != relpath:  # a non-UTF-8 name cannot become a URL
            problems.append(f"{display_name(relpath)}:1: {UNSAFE_CODE} name is not valid UTF-8; not copied to the site")
            continue
        target = layout.staged_path(relpath)
        if target in taken:
            continue
        try:
            found[target] = read_source(str(source), str(settings.root), MAX_ASSET_BYTES)
        except Refused as refused:
            problems.append(f"{display_name(relpath)}:1: {refused.code} {refused.message}; not copied to the site")
    return found


def sync_tree(files: dict[str, bytes], dest: Path) -> int:
    """Make `dest` hold exactly `files`, rewriting only what changed (so file watchers stay quiet)."""
    dest.mkdir(parents=True, exist_ok=True)
    written = 0
    made: set[Path] = {dest}
    for relpath, data in files.items():
        if relpath.startswith("/") or ".." in relpath.split("/"):
            raise ValueError(f"staged path {relpath!r} would leave the staging folder")
        target = dest / relpath
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                continue
        except OSError:
            pass  # missing: write it
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)
        written += 1
    wanted = {Path(p) for p in files}
    for folder, subdirs, names in os.walk(dest, topdown=False):
        for name in names:
            path = Path(folder) / name
            if path.relative_to(dest) not in wanted:
                path.unlink()
                written += 1
        for sub in subdirs:
            child = Path(folder) / sub
            if child.is_dir() and not any(child.iterdir()):
                shutil.rmtree(child, ignore_errors=True)
    return written
