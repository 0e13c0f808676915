"""`kb index`: bring the search index up to date with the knowledge base (incremental by content hash)."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kbops import locale as locales
from kbops.config import Settings
from kbops.model.document import Document
from kbops.model.loader import load_document, markdown_files, refusals
from kbops.model.taxonomy import Taxonomy, load_taxonomy
from kbops.publishing import is_publishable
from kbops.search.backend import get_backend
from kbops.search.config import SearchConfig, search_config
from kbops.search.embedding import DEFAULT_MAX_LENGTH
from kbops.search.models import embedder_for
from kbops.search.records import IndexRecord, record_for
from kbops.search.store import MANIFEST, IndexStore, Manifest
from kbops.search.vectors import write_vectors
from kbops.site.urls import SiteLayout, site_layout

log = logging.getLogger(__name__)

SCHEMA_VERSION = 5  # bump when records, stored fields or analysis change: forces a full rebuild


@dataclass(frozen=True)
class IndexReport:
    """What `kb index` did."""

    added: int
    updated: int
    removed: int
    unchanged: int
    indexed: int  # publishable documents in the live index
    skipped: int  # files not indexed: unpublished, unparsable or invalid front-matter
    full: bool  # a complete rebuild rather than an incremental update
    changed: bool  # a new generation was published
    generation: str
    seconds: float
    embedded: int = 0  # chunks embedded by this run
    model: str = ""  # the embedding model of the live generation ("" = lexical only)
    problems: tuple[str, ...] = ()  # `path:line: CODE message` of files that cannot be read or parsed

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def index_root(settings: Settings) -> Path:
    return settings.state_dir / "index"


def signature(settings: Settings, config: SearchConfig, model: str = "") -> str:
    """Anything that changes every record, the schema or the vectors forces a full rebuild when it changes."""
    digest = hashlib.sha256()
    digest.update(
        f"{SCHEMA_VERSION}/{config.backend}/{','.join(settings.locales)}/{model}/{config.embed_chunks}"
        f"/{config.model_max_length or DEFAULT_MAX_LENGTH}/{config.embed_titles}/{config.embed_sample_queries}".encode()
    )
    digest.update(site_layout(settings).fingerprint().encode())  # stored page URLs follow mkdocs.yml
    if settings.taxonomy_path.is_file():
        digest.update(settings.taxonomy_path.read_bytes())
    return digest.hexdigest()


def build_index(
    settings: Settings,
    rebuild: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> IndexReport:
    """Index every publishable doc (published or deprecated, any audience; the audience is stored and filtered on)."""
    started = time.perf_counter()
    config = search_config(settings)
    taxonomy = load_taxonomy(settings.taxonomy_path)
    store = IndexStore(index_root(settings))
    backend = get_backend(config.backend)
    embedder = embedder_for(config, settings.root)
    model = embedder.name if embedder is not None else ""
    sig = signature(settings, config, model)
    layout = site_layout(settings)
    languages = locales.languages(settings.locales)  # taxonomy labels of every configured language are indexed
    if embedder is not None and not config.model:  # the default model's training languages (kbops.locale)
        for language in (code for code in languages if not locales.embedding_supports(code)):
            log.warning(
                "the default embedding model was not trained on %r: expect weaker semantic matches (words still match)",
                language,
            )
    with store.writer_lock():
        base = store.current()
        old = Manifest.read(base) if base is not None else None
        full = (
            rebuild
            or base is None
            or old is None
            or old.signature != sig
            or old.backend != backend.name
            or old.schema != SCHEMA_VERSION
        )
        previous = {} if full or old is None else old.files  # `full` when there is no `old`
        files = scan_sources(settings)
        manifest = Manifest(signature=sig, backend=backend.name, built_at=time.time(), schema=SCHEMA_VERSION)
        upserts: list[IndexRecord] = []
        link_targets = _LinkTargets(settings, {relpath: Path(path) for relpath, path, _ in files}, manifest.files)
        linking: list = []  # docs whose links are resolved once every file's id is known
        added = updated = unchanged = skipped = 0
        problems: list[str] = []
        for number, (relpath, path, stat) in enumerate(files, 1):
            before = previous.get(relpath)
            if before and before.get("mtime_ns") == stat.st_mtime_ns and before.get("size") == stat.st_size:
                manifest.files[relpath] = before
                problems += before.get("problems", [])
                unchanged += 1 if before.get("indexed") else 0
                skipped += 0 if before.get("indexed") else 1
                continue
            doc = load_document(settings, Path(path))
            indexed = is_publishable(doc)
            manifest.files[relpath] = {
                "mtime_ns": stat.st_mtime_ns,
                "size": stat.st_size,
                "hash": doc.content_hash,
                "indexed": indexed,
                "id": doc.id or "",  # what an `id:` link of another doc resolves to, without reading this file again
            }
            refused = refusals(doc)
            if refused:
                manifest.files[relpath]["problems"] = refused
                problems += refused
            if not indexed:
                skipped += 1
                continue
            if before and before.get("indexed") and before.get("hash") == doc.content_hash:
                unchanged += 1  # touched but not changed
                continue
            if _has_links(doc):
                linking.append(doc)
            else:
                upserts.append(record_for(doc, taxonomy, layout, languages))
            if before and before.get("indexed"):
                updated += 1
            else:
                added += 1
            if progress and number % 200 == 0:
                progress("load", number, len(files))
        upserts += [_record(doc, taxonomy, layout, languages, link_targets) for doc in linking]
        deletes = [
            key
            for key, entry in previous.items()
            if entry.get("indexed") and not manifest.files.get(key, {}).get("indexed")
        ]
        # A doc that stopped being publishable, or was renamed, is removed; an updated one is replaced.
        deletes += [r.key for r in upserts if previous.get(r.key, {}).get("indexed")]
        changed = full or bool(upserts) or bool(deletes)
        if not changed:
            assert base is not None  # not `full`: there is a current generation
            if manifest.files != (old.files if old else {}):
                _write_manifest(base, manifest)  # refresh stat info of touched-but-unchanged files
            return IndexReport(
                0,
                0,
                0,
                unchanged,
                manifest.indexed_count,
                skipped,
                False,
                False,
                base.name,
                time.perf_counter() - started,
                0,
                model,
                tuple(problems),
            )
        target = store.new_generation_dir()
        try:
            backend.write(
                target,
                upserts,
                sorted(set(deletes)),
                None if full else base,
                settings.locales,
                progress=(lambda n: progress("index", n, len(upserts))) if progress else None,
            )
            embedded = 0
            if embedder is not None:
                texts = sum(
                    min(len(r.chunks) or 1, config.embed_chunks)
                    + (config.embed_titles and bool(r.chunks))
                    + (len(r.sample_queries) + len(r.intent_labels) if config.embed_sample_queries else 0)
                    for r in upserts
                )
                embedded = write_vectors(
                    target,
                    embedder,
                    upserts,
                    sorted(set(deletes)),
                    None if full else base,
                    progress=(lambda n: progress("embed", n, texts)) if progress else None,
                    max_chunks=config.embed_chunks,
                    titles=config.embed_titles,
                    questions=config.embed_sample_queries,
                )
            _write_manifest(target, manifest)
        except BaseException:
            store.discard(target)
            raise
        store.publish(target, keep=config.keep_generations)
    removed = len([k for k in deletes if not manifest.files.get(k, {}).get("indexed")])
    log.info("indexed %d docs into %s", manifest.indexed_count, target.name)
    return IndexReport(
        added,
        updated,
        removed,
        unchanged,
        manifest.indexed_count,
        skipped,
        full,
        True,
        target.name,
        time.perf_counter() - started,
        embedded,
        model,
        tuple(problems),
    )


def scan_sources(settings: Settings) -> list[tuple[str, str, os.stat_result]]:
    """(relpath, path, stat) of every Markdown file of the knowledge base, sorted; one stat per file.

    The files `kbops.model.loader.markdown_files` lists (the same set lint checks), so that checking
    10k unchanged files for an incremental update costs milliseconds, not seconds.
    """
    found: list[tuple[str, str, os.stat_result]] = []
    for relpath, path in markdown_files(settings).items():
        try:
            found.append((relpath, path, os.stat(path)))
        except OSError:  # a broken link, a loop, an unreadable folder: listed so that loading reports why
            try:  # (a file removed since it was listed fails here too, and is left out)
                found.append((relpath, path, os.lstat(path)))
            except OSError:
                continue
    return found


class _LinkTargets:
    """What a doc's links point to (`kbops.site.links` asks `get(id)` and `by_path.get(relpath)`): a linked doc's
    front-matter read on first need, found by the id the manifest keeps per file, so that a one-doc update does not
    read 10k front-matters. A manifest without ids (an older index): every doc."""

    def __init__(self, settings: Settings, paths: dict[str, Path], entries: dict[str, dict]):
        self.settings, self.paths, self.entries = settings, paths, entries
        self.loaded: dict[str, Document | None] = {}
        self.by_path = _Paths(self)
        self._ids: dict[str, str] | None = None
        self._corpus = None

    def corpus(self):
        """Self when the manifest names every file's id, else the whole corpus (an index built before ids were kept).
        Asked once per linking doc after the scan: decided on the first call."""
        if self._corpus is None:
            complete = all("id" in self.entries.get(relpath, {}) for relpath in self.paths)
            if complete:
                self._corpus = self
            else:
                from kbops.model.loader import load_corpus

                self._corpus = load_corpus(self.settings, structure=False)
        return self._corpus

    def get(self, doc_id: str) -> Document | None:
        if self._ids is None:
            self._ids = {}
            for relpath in sorted(self.paths):  # the first file in path order, as `Corpus.get`
                self._ids.setdefault(self.entries.get(relpath, {}).get("id") or "", relpath)
        found = self._ids.get(doc_id) if doc_id else None
        return self.document(found) if found else None

    def document(self, relpath: str) -> Document | None:
        if relpath not in self.loaded:
            path = self.paths.get(relpath)
            self.loaded[relpath] = load_document(self.settings, path, structure=False) if path else None
        return self.loaded[relpath]


class _Paths:
    def __init__(self, targets: _LinkTargets):
        self.targets = targets

    def get(self, relpath: str, default=None) -> Document | None:
        return self.targets.document(relpath) if relpath in self.targets.paths else default


def _has_links(doc: Document) -> bool:
    return "](" in doc.body or "]:" in doc.body


def _record(
    doc: Document, taxonomy: Taxonomy, layout: SiteLayout, languages: tuple[str, ...], link_targets: _LinkTargets
) -> IndexRecord:
    # One link rule for every output: links (and their text) above the doc's audience never reach a snippet.
    from kbops.site.links import within_its_audience

    return record_for(within_its_audience(doc, link_targets.corpus()), taxonomy, layout, languages)


def _write_manifest(generation: Path, manifest: Manifest) -> None:
    tmp = generation / (MANIFEST + ".tmp")
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    tmp.replace(generation / MANIFEST)
