"""The runner: parallel equals serial, the cache is reused only while valid, crashing rules are contained."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kbops.config import load_settings
from kbops.lint.registry import Finding
from kbops.lint.runner import lint
from tests.lint.lintcore_kb import FILES, doc, temporary_rule, write_kb

BENCH = Path(__file__).resolve().parents[2] / "bench"


def forbidden_word(d, ctx):
    """Flags the word FORBIDDEN (a stand-in document rule for these tests)."""
    for number, line in enumerate(d.text.split("\n"), 1):
        if "FORBIDDEN" in line:
            yield Finding(number, "the word FORBIDDEN")


def missing_link_target(corpus, ctx):
    """Reports relative .md links whose file is not in the corpus (a stand-in corpus rule)."""
    from kbops.lint.affected import link_target_path

    for d in corpus.docs:
        for link in d.links:
            target = link_target_path(d, link.target)
            if target and target.endswith(".md") and target not in corpus.by_path:
                yield Finding(link.line, f"link to missing {target}", path=d.relpath)


@pytest.fixture
def test_rules():
    with (
        temporary_rule("KB098", "forbidden-word", forbidden_word),
        temporary_rule("KB097", "missing-link-target", missing_link_target, kind="corpus"),
    ):
        yield ["KB0", "KB1"]


def _corpus_with_findings(root: Path, docs: int = 60) -> Path:
    sys.path.insert(0, str(BENCH))
    from gen_corpus import generate_corpus

    generate_corpus(root, docs, seed=7)
    files = sorted((root / "kb").rglob("*.md"))
    files[0].write_text(files[0].read_text() + "\nFORBIDDEN here\n<!-- kb-disable KB098 -->\nFORBIDDEN again\n")
    files[1].write_text(files[1].read_text().replace("owner:", "ownr:"))
    files[2].write_text(files[2].read_text() + "\n[gone](nowhere.md)\n")
    (root / "kb" / "binary.md").write_bytes(b"%PDF\x00\x01")
    (root / "kb" / "latin1.md").write_bytes(b"---\nid: x\n---\ncontrase\xf1a\n")
    return root


def test_parallel_equals_serial(tmp_path, test_rules):
    root = _corpus_with_findings(tmp_path / "kb")
    settings = load_settings(root)
    serial = lint(settings, select=test_rules, use_cache=False, jobs=1)
    parallel = lint(settings, select=test_rules, use_cache=False, jobs=2, parallel_min_files=1)
    assert parallel.workers == 2 and serial.workers == 1
    assert parallel.diagnostics == serial.diagnostics
    codes = {d.code for d in serial.diagnostics}
    assert {"KB098", "KB097", "KB101", "KB102", "KB003", "KB005", "KB008"} <= codes
    assert serial.files == parallel.files == 62


def test_warm_cache_gives_same_result_and_skips_parsing(tmp_path, test_rules):
    root = _corpus_with_findings(tmp_path / "kb", docs=30)
    settings = load_settings(root)
    cold = lint(settings, select=test_rules)
    warm = lint(settings, select=test_rules)
    assert cold.cached == 0 and warm.cached == warm.corpus_files == 32
    assert warm.diagnostics == cold.diagnostics
    assert list((root / ".kb" / "cache").glob("lint-*/shard-*.pickle"))


def test_cache_invalidated_by_edit(tmp_path, test_rules):
    root = write_kb(tmp_path / "kb")
    settings = load_settings(root)
    assert lint(settings, select=test_rules).diagnostics == []
    path = root / "kb" / "card-arrival.md"
    path.write_text(path.read_text() + "\nFORBIDDEN\n")
    result = lint(settings, select=test_rules)
    assert result.cached == 2
    assert [(d.path, d.code) for d in result.diagnostics] == [("kb/card-arrival.md", "KB098")]


@pytest.mark.parametrize("change", ["pyproject", "governance", "today"])
def test_cache_invalidated_by_configuration(tmp_path, test_rules, change):
    root = write_kb(tmp_path / "kb")
    lint(load_settings(root), select=test_rules)
    if change == "pyproject":
        (root / "pyproject.toml").write_text(
            (root / "pyproject.toml").read_text() + "\n[tool.kbops.lint]\nmax_sentence_words = 30\n"
        )
    elif change == "governance":
        (root / "governance.yml").write_text((root / "governance.yml").read_text() + "due_soon: 7d\n")
    settings = load_settings(root, today="2027-01-01" if change == "today" else None)
    assert lint(settings, select=test_rules).cached == 0


def test_cache_tracks_ids_that_document_rules_look_up(tmp_path):
    def unknown_id_link(d, ctx):
        """Links written as id:NAME must name a known id (a stand-in for a rule reading ctx.known_ids)."""
        for link in d.links:
            if link.target.startswith("id:") and link.target[3:] not in ctx.known_ids:
                yield Finding(link.line, f"unknown id {link.target[3:]}")

    files = dict(FILES)
    files["kb/card-arrival.md"] += "\n[future](id:card-limits)\n"
    root = write_kb(tmp_path / "kb", files)
    settings = load_settings(root)
    with temporary_rule("KB096", "unknown-id-link", unknown_id_link):
        first = lint(settings, select=["KB096"])
        assert [d.code for d in first.diagnostics] == ["KB096"]
        (root / "kb" / "card-limits.md").write_text(doc("card-limits", "Card limits", "Limits.\n"))
        second = lint(settings, select=["KB096"])
    assert second.diagnostics == []
    assert second.cached == 2  # card-declined and manual-load never looked up card-limits


def test_corrupt_cache_is_ignored_and_rebuilt(tmp_path, test_rules, caplog):
    root = write_kb(tmp_path / "kb")
    settings = load_settings(root)
    expected = lint(settings, select=test_rules).diagnostics
    shards = sorted((root / ".kb" / "cache").glob("lint-*/shard-*.pickle"))
    assert shards
    for shard in shards:
        shard.write_bytes(b"KBLINT2\n" + b"\x00" * 32 + b"garbage")
    result = lint(settings, select=test_rules)
    assert result.diagnostics == expected and result.cached == 0
    assert "ignoring lint cache" in caplog.text
    assert lint(settings, select=test_rules).cached == 3  # rewritten, valid again


def test_tampered_cache_is_never_unpickled(tmp_path, test_rules):
    root = write_kb(tmp_path / "kb")
    settings = load_settings(root)
    lint(settings, select=test_rules)
    for shard in (root / ".kb" / "cache").glob("lint-*/shard-*.pickle"):
        blob = bytearray(shard.read_bytes())
        blob[-5] ^= 0xFF
        shard.write_bytes(bytes(blob))
    assert lint(settings, select=test_rules).cached == 0


def test_crashing_rule_is_reported_and_run_goes_on(tmp_path, test_rules):
    def explodes(d, ctx):
        """Crashes on one document."""
        if d.id == "card-arrival":
            raise RuntimeError("boom")
        return ()

    files = dict(FILES)
    files["kb/card-declined.md"] += "\nFORBIDDEN\n"
    root = write_kb(tmp_path / "kb", files)
    with temporary_rule("KB095", "explodes", explodes):
        result = lint(load_settings(root), select=[*test_rules, "KB095"], use_cache=False)
    found = [(d.path, d.code) for d in result.diagnostics]
    assert ("kb/card-arrival.md", "KB000") in found and ("kb/card-declined.md", "KB098") in found
    crash = next(d for d in result.diagnostics if d.code == "KB000")
    assert "KB095" in crash.message and "boom" in crash.message and result.exit_code == 1


def test_paths_limit_the_report_but_corpus_rules_see_everything(tmp_path, test_rules):
    files = dict(FILES)
    files["kb/card-arrival.md"] += "\n[gone](gone.md)\nFORBIDDEN\n"
    files["sops/manual-load.md"] += "\nFORBIDDEN\n"
    root = write_kb(tmp_path / "kb", files)
    result = lint(load_settings(root), [root / "kb" / "card-arrival.md"], select=test_rules)
    assert {(d.path, d.code) for d in result.diagnostics} == {
        ("kb/card-arrival.md", "KB097"),
        ("kb/card-arrival.md", "KB098"),
    }
    assert result.files == 1 and result.corpus_files == 3
