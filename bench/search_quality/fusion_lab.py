"""How the lexical and the semantic score are put on one scale, measured the pooled way (issue 18).

Every candidate (a scaling of the cosines, a lexical weight) is scored on the dev half of every set; the pooled
pick is the best mean; leave-one-set-out picks, for each set, the best on the other sets and scores it on that
set's test half. The sets, docs and queries are those of `run.py`; the index is built once per set (cached
embeddings), and only the score arithmetic (`kbops.search.fusion`) changes between candidates.

    python bench/search_quality/fusion_lab.py --sets dev-en dev-es dev-fr support-es support-fr banking77 --json bench/out/fusion.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1] / "scripts"), str(HERE)]

from engines import CachedEmbedder, Ours  # noqa: E402
from pooled import choose, leave_one_set_out  # noqa: E402
from quality_sets import banking77_set, dev_set, shared_data, support_set  # noqa: E402
from run import metrics  # noqa: E402

from kbops.config import load_settings  # noqa: E402
from kbops.search import fusion  # noqa: E402
from kbops.search.config import search_config  # noqa: E402
from kbops.search.models import embedder_for  # noqa: E402

TODAY = fusion.scaled_cosine


def head_scaled(k: int):
    """Cosines scaled between the k-th best candidate's (0) and the best's (1), below the k-th clipped to 0."""

    def scale(similarities: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        found = np.zeros(similarities.shape, dtype=np.float32)
        present = candidates & np.isfinite(similarities)
        values = similarities[present]
        if not values.size:
            return found
        high = float(values.max())
        low = float(np.partition(values, values.size - k)[values.size - k]) if values.size > k else float(values.min())
        span = high - low
        found[present] = np.clip((values - low) / span, 0, 1) if span > 1e-9 else 1.0
        return found

    return scale


def score(ours: dict, qset, scaling: str, candidate, scalings: dict, split: str) -> float:
    """MRR@10 of one set's split, hybrid, at a candidate setting."""
    fusion.scaled_cosine = scalings[scaling]
    ours[qset.name].reconfigure(candidate)
    return metrics(ours[qset.name].engine(True, qset.cross_language), qset.split(split))["mrr"]


def load_sets(names: list[str], root: Path, data: Path, max_docs: int | None) -> list:
    sets = []
    for name in names:
        if name in ("banking77", "banking77-sq"):
            sets.append(banking77_set(root, data, 10, 20, 77, max_docs, 3 if name == "banking77-sq" else 0))
        elif name.startswith("support-"):
            sets.append(support_set(name.split("-", 1)[1], data, max_docs))
        else:
            sets.append(dev_set(name.split("-", 1)[1], data, max_docs))
    return sets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=HERE.parents[1])
    parser.add_argument(
        "--sets", nargs="+", default=["dev-en", "dev-es", "dev-fr", "support-es", "support-fr", "banking77"]
    )
    parser.add_argument("--max-docs", type=int, default=None)
    parser.add_argument("--heads", type=int, nargs="*", default=[], help="cosines scaled over the k best (e.g. 20 50)")
    parser.add_argument("--weights", type=float, nargs="*", default=[0.3, 0.4, 0.5])
    parser.add_argument("--exact", type=float, nargs="*", default=[0.5, 1.0, 2.0])
    parser.add_argument("--cache", type=Path, default=HERE.parent / ".cache")
    parser.add_argument("--embed-chunks", type=int, default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    settings = load_settings(args.root)
    config = search_config(settings).model_copy(update={"model_threads": 1})
    if args.embed_chunks:
        config = config.model_copy(update={"embed_chunks": args.embed_chunks})
    embedder = CachedEmbedder(embedder_for(config, settings.root), args.cache, "fusion")
    sets = load_sets(args.sets, args.root, shared_data(), args.max_docs)
    ours = {}
    for s in sets:
        started = time.perf_counter()
        ours[s.name] = Ours(s.records, config, embedder)
        embedder.save()
        print(f"{s.name}: {len(s.records)} docs built in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    scalings = {"minmax": TODAY} | {f"head{k}": head_scaled(k) for k in args.heads}
    candidates = [("minmax", None, {})]
    candidates += [(name, w, {}) for name in scalings for w in [None, *args.weights] if (name, w) != ("minmax", None)]
    candidates += [("minmax", w, {"exact_weight": e}) for e in args.exact for w in [None, *args.weights]]
    table: dict[str, dict[str, float]] = {}
    configs = {}
    for scaling, weight, extra in candidates:
        label = f"{scaling}/w={'today' if weight is None else weight}" + "".join(f"/{k}={v}" for k, v in extra.items())
        lexical_weight = config.lexical_weight if weight is None else {"default": weight}
        configs[label] = (scaling, config.model_copy(update={"lexical_weight": lexical_weight, **extra}))
        table[label] = {s.name: score(ours, s, *configs[label], scalings, "dev") for s in sets}
        mean = sum(table[label].values()) / len(sets)
        row = " ".join(f"{n} {v:.4f}" for n, v in table[label].items())
        print(f"  {label}: dev {row} mean {mean:.4f}", file=sys.stderr, flush=True)
    names = [s.name for s in sets]
    pooled = choose(table, names, prefer="minmax/w=today")
    loso = leave_one_set_out(table, names, prefer="minmax/w=today")
    tests = {
        label: {s.name: score(ours, s, *configs[label], scalings, "test") for s in sets}
        for label in dict.fromkeys(["minmax/w=today", pooled, *loso.values()])
    }
    fusion.scaled_cosine = TODAY
    print(f"\npooled pick: {pooled}\n")
    print("| set | left out: its pick | left out: test | pooled: test | today: test |")
    print("|---|---|---:|---:|---:|")
    for name in names:
        print(
            f"| {name} | {loso[name]} | {tests[loso[name]][name]:.3f} | {tests[pooled][name]:.3f} | "
            f"{tests['minmax/w=today'][name]:.3f} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"dev": table, "test": tests, "pooled": pooled, "loso": loso}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
