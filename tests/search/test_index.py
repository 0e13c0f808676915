"""`kb index`: incremental by content hash, atomic generation swap, one writer at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from kbops.config import load_settings
from kbops.search.engine import SearchEngine
from kbops.search.indexer import build_index, index_root
from kbops.search.store import IndexStore
from tests.conftest import run_kb


def test_incremental_update_touches_only_changed_docs(fixture_kb: Path):
    settings = load_settings(fixture_kb)
    first = build_index(settings)
    assert first.full and first.indexed == 9 and first.skipped == 3
    assert not build_index(settings).changed

    doc = fixture_kb / "kb/cards/card-arrival.md"
    doc.write_text(doc.read_text().replace("ten working days", "seven working days, via courier"), encoding="utf-8")
    touched = fixture_kb / "kb/cards/card-declined.md"
    os.utime(touched, ns=(time.time_ns(), time.time_ns()))  # new mtime, same content: not reindexed
    report = build_index(settings)
    assert (report.full, report.added, report.updated, report.removed, report.indexed) == (False, 0, 1, 0, 9)
    engine = SearchEngine(settings)
    assert [h.id for h in engine.search("courier").hits] == ["card-arrival"]

    (fixture_kb / "kb/cards/old-card-limits.md").unlink()
    draft = fixture_kb / "kb/account/reset-password.md"
    draft.write_text(draft.read_text().replace("status: published", "status: draft"), encoding="utf-8")
    report = build_index(settings)
    assert (report.removed, report.indexed) == (2, 7)
    assert "reset-password" not in [h.id for h in engine.search("forgot password", limit=50).hits]
    assert "old-card-limits" not in [h.id for h in engine.search("old card limits", limit=50).hits]
    engine.close()

    rebuilt = build_index(settings, rebuild=True)
    assert rebuilt.full and rebuilt.indexed == 7


def test_taxonomy_change_forces_a_full_rebuild(fixture_kb: Path):
    settings = load_settings(fixture_kb)
    build_index(settings)
    taxonomy = fixture_kb / "taxonomy.yml"
    taxonomy.write_text(taxonomy.read_text() + "\n# edited\n", encoding="utf-8")
    assert build_index(settings).full


def test_old_generations_are_pruned(fixture_kb: Path):
    settings = load_settings(fixture_kb)
    for _ in range(5):
        build_index(settings, rebuild=True)
    generations = sorted(index_root(settings).glob("gen-*"))
    assert len(generations) == 3  # current + keep_generations (2) for slow readers
    assert IndexStore(index_root(settings)).current() == generations[-1]


HOLD_LOCK = """
import sys, time
from pathlib import Path
from kbops.search.store import IndexStore
with IndexStore(Path(sys.argv[1])).writer_lock():
    print("locked", flush=True)
    time.sleep(30)
"""


def test_a_second_writer_is_refused_with_a_clear_message(fixture_kb: Path, kb):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(fixture_kb / ".kb/index")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        done = kb("index", cwd=fixture_kb)
        assert done.returncode == 2
        assert "being written by pid" in done.stderr and "Traceback" not in done.stderr
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert kb("index", cwd=fixture_kb).returncode == 0  # released when the holder died


def test_readers_never_see_a_partial_index_while_it_is_rebuilt(fixture_kb: Path):
    """A real reader thread searches without pause while the index is rebuilt and swapped repeatedly."""
    settings = load_settings(fixture_kb)
    build_index(settings)
    stop = threading.Event()
    seen: list[tuple[int, str]] = []
    failures: list[str] = []

    def reader() -> None:
        long_lived = SearchEngine(settings)
        while not stop.is_set():
            for engine in (long_lived, SearchEngine(settings)):  # a reader that follows swaps, and fresh opens
                try:
                    result = engine.search("card", audience="public", limit=20)
                    seen.append((result.total, engine.generation or ""))
                except Exception as exc:
                    failures.append(repr(exc))
            time.sleep(0.001)
        long_lived.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for round_ in range(6):
            doc = fixture_kb / "kb/cards/card-arrival.md"
            doc.write_text(doc.read_text() + f"\nRound {round_}.\n", encoding="utf-8")
            build_index(settings, rebuild=round_ % 2 == 0)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not failures, failures[:3]
    assert seen and len({total for total, _ in seen}) == 1  # every search saw one complete index
    assert len({generation for _, generation in seen}) > 1  # and readers did follow the swaps


def test_index_json_report(kb, fixture_kb: Path):
    done = kb("index", "--format", "json", cwd=fixture_kb)
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["indexed"] == 9 and report["full"] is True


def test_hidden_docs_do_not_change_public_scores(fixture_kb: Path):
    """Ranking statistics come from the caller's audience only: internal docs leave no trace in public scores."""
    settings = load_settings(fixture_kb)
    build_index(settings)
    engine = SearchEngine(settings)
    before = [(h.id, h.score) for h in engine.search("card payment declined", limit=50).hits]
    (fixture_kb / "playbooks/card-drill.md").write_text(
        "---\nid: card-drill\ntitle: Card payment declined drill\ndescription: Internal drill about declined card payments.\n"
        "type: playbook\nstatus: published\naudience: internal\nowner: support-ops\n---\n# Card payment declined drill\n\n"
        + "Card payment declined. " * 40
        + "\n",
        encoding="utf-8",
    )
    build_index(settings)
    assert [(h.id, h.score) for h in engine.search("card payment declined", limit=50).hits] == before
    assert "card-drill" in [h.id for h in engine.search("card payment declined", audience="internal").hits]
    engine.close()


def test_an_index_written_by_another_kb_version_is_refused_with_the_fix(fixture_kb: Path):
    settings = load_settings(fixture_kb)
    build_index(settings)
    generation = IndexStore(index_root(settings)).require_current()
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest.pop("schema")  # as generations written before the format was recorded
    (generation / "manifest.json").write_text(json.dumps(manifest))
    done = run_kb("search", "card declined", cwd=fixture_kb, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "built by another version of kb" in done.stderr and "run `kb index`" in done.stderr
    assert build_index(settings).full  # the next `kb index` rebuilds it
    engine = SearchEngine(settings)
    assert engine.search("card declined").hits
    engine.close()


def test_a_one_doc_update_resolves_links_without_reading_every_doc(tmp_path: Path, monkeypatch):
    """A changed doc's links to hidden docs stay hidden after an incremental update, and the update reads the
    changed doc and the docs it links to, not every front-matter of the knowledge base (the manifest keeps ids)."""
    from kbops.search import indexer
    from kbops.search.engine import search
    from tests.search.conftest import copy_fixture_kb
    from tests.server.test_floor import STAFF_HUB

    root = copy_fixture_kb(tmp_path / "kb")
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(text.replace("[tool.kbops.search]", '[tool.kbops.search]\nmodel = "none"'))
    hub = root / "kb" / "cards" / "staff-hub.md"
    hub.write_text(STAFF_HUB, encoding="utf-8")
    settings = load_settings(root)
    build_index(settings)
    hub.write_text(STAFF_HUB + "\nUpdated today.\n", encoding="utf-8")
    read: list[str] = []
    real = indexer.load_document

    def counted(settings, path, **kwargs):
        read.append(Path(path).name)
        return real(settings, path, **kwargs)

    import kbops.model.loader as loader

    monkeypatch.setattr(indexer, "load_document", counted)
    monkeypatch.setattr(loader, "load_document", counted)  # what `load_corpus` (every doc) would call
    report = build_index(settings)
    assert report.updated == 1 and not report.full
    files = sum(1 for _ in (root / "kb").rglob("*.md")) + sum(1 for _ in (root / "sops").rglob("*.md"))
    assert read[0] == "staff-hub.md" and len(read) <= 3 < files, read  # itself + the two docs it links to
    hit = next(h for h in search(settings, "staff hub manual card load").hits if h.id == "staff-hub")
    assert "Kestrel" not in hit.snippet and "refund override" not in hit.snippet
