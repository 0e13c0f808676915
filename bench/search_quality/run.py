"""Search quality, side by side in one run: kbops (lexical, hybrid) vs lunr (MkDocs' search) vs bm25s.

Sets (bench/search_quality/quality_sets.py): dev-en, dev-es, dev-fr (real help-center articles, query =
the authors' summary sentence) and banking77 (the bundled KB's articles stripped of intents,
sample_queries and tags, the description kept as the first lines, among the English dev articles,
queried with Banking77 questions). Every engine indexes the same records (title + body) and ranks
only the set's docs.
`--tune` tunes our lexical parameters, then the lexical weight of the score mix per locale, on the
dev half only; the table reports the test half (and dev, to show the gap).

    python bench/search_quality/run.py [--sets dev-en dev-es dev-fr banking77] [--tune] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1] / "scripts"), str(HERE)]

from engines import BM25S, CachedEmbedder, Lunr, Ours  # noqa: E402
from pooled import choose, grid, leave_one_set_out  # noqa: E402
from quality_sets import QualitySet, banking77_set, cross_language_set, dev_set, shared_data, support_set  # noqa: E402

from kbops.config import load_settings  # noqa: E402
from kbops.search.config import SearchConfig, search_config  # noqa: E402
from kbops.search.models import embedder_for  # noqa: E402

CUTOFF = 10


def metrics(engine, queries) -> dict:
    if not queries:
        return {"queries": 0}
    mrr = r1 = r5 = 0.0
    started = time.perf_counter()
    for query in queries:
        ranked = engine.rank(query.text, query.locale)[:CUTOFF]
        first = next((i for i, doc in enumerate(ranked, 1) if doc in query.relevant), None)
        mrr += 1 / first if first else 0
        r1 += len(query.relevant & set(ranked[:1])) / len(query.relevant)
        r5 += len(query.relevant & set(ranked[:5])) / len(query.relevant)
    elapsed = time.perf_counter() - started
    n = len(queries)
    return {
        "queries": n,
        "mrr": round(mrr / n, 4),
        "recall@1": round(r1 / n, 4),
        "recall@5": round(r5 / n, 4),
        "ms_per_query": round(1000 * elapsed / n, 2),
    }


def dev_mrr(views, sets) -> float:
    scores = [metrics(view, s.split("dev"))["mrr"] for view, s in zip(views, sets)]
    return sum(scores) / len(scores)


def tune_lexical(ours: dict, sets: list[QualitySet], config: SearchConfig, rounds: int = 1) -> SearchConfig:
    """Coordinate search (x0.5 / x2 per parameter) of field boosts and length normalisation; dev MRR, mean over sets."""

    def apply(candidate: SearchConfig) -> float:
        for s in sets:
            ours[s.name].reconfigure(candidate)
        return dev_mrr([ours[s.name].engine(False, s.cross_language) for s in sets], sets)

    best = apply(config)
    print(f"  lexical dev MRR {best:.4f} at start", file=sys.stderr)
    knobs = [
        ("boosts", "title"),
        ("boosts", "headings"),
        ("boosts", "body"),
        ("length_norm", "title"),
        ("length_norm", "body"),
        ("length_norm", "k1"),
    ]
    for _ in range(rounds):
        for section, name in knobs:
            for factor in (0.5, 2.0):
                part = getattr(config, section).model_dump()
                value = round(part[name] * factor, 3)
                if section == "length_norm" and name != "k1" and not 0 <= value <= 1:
                    continue
                candidate = config.model_copy(
                    update={section: getattr(config, section).model_copy(update={name: value})}
                )
                score = apply(candidate)
                print(f"  lexical dev MRR {score:.4f} with {section}.{name}={value}", file=sys.stderr)
                if score > best + 0.002:
                    best, config = score, candidate
                    break
    apply(config)
    return config


def tune_weights(ours: dict, sets: list[QualitySet], config: SearchConfig) -> SearchConfig:
    """Lexical weight of the score mix per locale: a grid, dev MRR of that locale's sets."""
    weights = dict(config.lexical_weight)
    for locale in sorted({s.locale for s in sets}):
        mine = [s for s in sets if s.locale == locale]
        results = {}
        for weight in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7):
            candidate = config.model_copy(update={"lexical_weight": {**weights, locale: weight}})
            for s in mine:
                ours[s.name].reconfigure(candidate)
            results[weight] = dev_mrr([ours[s.name].engine(True, s.cross_language) for s in mine], mine)
            print(f"  {locale}: hybrid dev MRR {results[weight]:.4f} at lexical weight {weight}", file=sys.stderr)
        weights[locale] = max(results, key=lambda w: (round(results[w], 3), -abs(w - 0.3)))
    tuned = config.model_copy(update={"lexical_weight": weights})
    for s in sets:
        ours[s.name].reconfigure(tuned)
    return tuned


def tune_pooled(
    ours: dict, sets: list[QualitySet], config: SearchConfig, today: SearchConfig
) -> tuple[SearchConfig, dict]:
    """One lexical weight (or today's per-locale weights) and the title vectors' offset (off = -1), chosen on the
    mean dev MRR of every set; then the sample-query offset on the sets whose docs have sample queries. Returns the
    chosen config and, per set, the leave-one-set-out choice with its test MRR beside the pooled choice's."""

    def evaluate(name: str, candidate: SearchConfig, split: str) -> float:
        s = next(s for s in sets if s.name == name)
        ours[name].reconfigure(candidate)
        return metrics(ours[name].engine(True, s.cross_language), s.split(split))["mrr"]

    today = today.model_copy(update={"vector_offsets": {"title": -1.0, "question": 0.0}})  # no title vectors today
    weights = {"today": dict(today.lexical_weight)}
    weights |= {f"w{w}": {"en": w, "es": w, "fr": w, "default": w} for w in (0.3, 0.5)}
    titles = {"titles-off": -1.0, "titles+0": 0.0}
    candidates = {
        f"{wl} {tl}": config.model_copy(update={"lexical_weight": w, "vector_offsets": {"title": t, "question": 0.0}})
        for wl, w in weights.items()
        for tl, t in titles.items()
    }
    names = [
        s.name for s in sets if s.name != "banking77-sq"
    ]  # its docs differ from banking77's only by sample queries
    table = grid(candidates, [s for s in sets if s.name in names], evaluate)
    prefer = "today titles-off"
    pooled = choose(table, names, prefer)
    picks = leave_one_set_out(table, names, prefer)
    report = {"grid_dev": table, "pooled": pooled, "sets": {}}
    for name in names:
        report["sets"][name] = {
            "loso_pick": picks[name],
            "loso_test": evaluate(name, candidates[picks[name]], "test"),
            "pooled_test": evaluate(name, candidates[pooled], "test"),
            "today_test": evaluate(name, today, "test"),
        }
    chosen = candidates[pooled]
    if any(s.name == "banking77-sq" for s in sets):
        offsets = {
            q: chosen.model_copy(update={"vector_offsets": {**chosen.vector_offsets, "question": q}})
            for q in (-1.0, -0.08, -0.05, -0.03, -0.01, 0.0, 0.02)
        }
        found = {q: evaluate("banking77-sq", c, "dev") for q, c in offsets.items()}
        print(f"  banking77-sq dev MRR by sample-query offset: {found}", file=sys.stderr)
        report["question_offset_dev"] = found
        chosen = offsets[max(found, key=lambda q: (round(found[q], 3), -abs(q)))]  # -1.0: the sample queries off
        report["question_offset_test"] = {
            q: evaluate("banking77-sq", offsets[q], "test") for q in (-1.0, chosen.vector_offsets["question"])
        }
    chunks = {}
    for count in (1, config.embed_chunks):  # fewer chunks than the index holds: vectors rewritten from the cache
        for s in sets:
            ours[s.name].revector(chosen.model_copy(update={"embed_chunks": count}))
        chunks[count] = {s.name: evaluate(s.name, chosen, "dev") for s in sets}
        print(f"  embed_chunks={count}: dev MRR {chunks[count]}", file=sys.stderr)
    report["embed_chunks_dev"] = chunks
    print(
        "| set | left-out pick | test MRR, tuned without the set | test MRR, pooled pick | test MRR, today's settings |",
        file=sys.stderr,
    )
    for name, row in report["sets"].items():
        print(
            f"| {name} | {row['loso_pick']} | {row['loso_test']:.3f} | {row['pooled_test']:.3f} | {row['today_test']:.3f} |",
            file=sys.stderr,
        )
    for s in sets:
        ours[s.name].reconfigure(chosen)
    return chosen, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--root",
        type=Path,
        default=HERE.parents[1],
        help="the KB whose banking articles and [tool.kbops.search] are used",
    )
    parser.add_argument("--sets", nargs="+", default=["dev-en", "dev-es", "dev-fr", "banking77"])
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default ../shared/data)")
    parser.add_argument(
        "--max-docs", type=int, default=None, help="only the first N dev articles per language (smoke runs)"
    )
    parser.add_argument("--dev", type=int, default=10, help="Banking77 questions per intent for tuning")
    parser.add_argument("--test", type=int, default=20, help="Banking77 questions per intent for the report")
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--samples", type=int, default=3, help="banking77-sq: sample queries per intent of a doc")
    parser.add_argument(
        "--tune",
        nargs="?",
        const="all",
        choices=["all", "weights", "pooled"],
        help="tune on the dev half first: lexical parameters and per-locale weights (all), the weights only, "
        "or (pooled) one lexical weight, the title and sample-query vector offsets for every set at "
        "once, with leave-one-set-out",
    )
    parser.add_argument(
        "--embed-chunks",
        type=int,
        default=None,
        help="heading-sized chunks embedded per doc (default: the config's embed_chunks)",
    )
    parser.add_argument("--threads", type=int, default=1, help="model threads (one: a shared machine)")
    parser.add_argument("--no-peers", action="store_true", help="kbops only (no lunr, no bm25s: their builds are slow)")
    parser.add_argument("--no-model", action="store_true", help="lexical engines only (no embedding model)")
    parser.add_argument("--cache", type=Path, default=HERE.parent / ".cache", help="embedding cache folder")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    args = parser.parse_args()

    data = args.data or shared_data()
    settings = load_settings(args.root)
    config = search_config(settings)
    config = config.model_copy(update={"model_threads": args.threads})
    if args.embed_chunks:
        config = config.model_copy(update={"embed_chunks": args.embed_chunks})
    today = config
    if args.tune == "pooled":  # every kind of vector in the index; the offsets decide which count
        config = config.model_copy(update={"embed_titles": True, "embed_sample_queries": True})
    model = None if args.no_model else embedder_for(config, settings.root)
    embedder = (
        CachedEmbedder(model, args.cache, "-".join(args.sets) + (f"-{args.max_docs}" if args.max_docs else ""))
        if model is not None
        else None
    )
    if embedder is None:
        print("no embedding model available: only lexical engines run", file=sys.stderr)
    sets: list[QualitySet] = []
    for name in args.sets:
        if name in ("banking77", "banking77-sq"):
            sets.append(
                banking77_set(
                    args.root,
                    data,
                    args.dev,
                    args.test,
                    args.seed,
                    args.max_docs,
                    args.samples if name == "banking77-sq" else 0,
                )
            )
        elif name.startswith("support-"):
            sets.append(support_set(name.split("-", 1)[1], data, args.max_docs))
        elif name.startswith("xl-"):
            sets.append(cross_language_set(name.split("-")[1], data, args.max_docs, own=name.endswith("-own")))
        else:
            sets.append(dev_set(name.split("-", 1)[1], data, args.max_docs))
        print(
            f"{name}: {len(sets[-1].records)} docs, {len(sets[-1].split('dev'))} dev / {len(sets[-1].split('test'))} test queries",
            file=sys.stderr,
        )
    ours: dict[str, Ours] = {}
    peers: dict[str, list] = {}
    build: dict[str, dict] = {}
    for s in sets:
        started = time.perf_counter()
        ours[s.name] = Ours(s.records, config, embedder)
        build[s.name] = {"kbops_s": round(time.perf_counter() - started, 1)}
        if embedder:
            embedder.save()
        peers[s.name] = []
        if not args.no_peers:
            started = time.perf_counter()
            peers[s.name].append(Lunr(s.records, s.locale))
            peers[s.name].append(Lunr(s.records, s.locale, stem=False))
            build[s.name]["lunr_s"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            peers[s.name].append(BM25S(s.records, s.locale))
            build[s.name]["bm25s_s"] = round(time.perf_counter() - started, 1)
        print(f"{s.name}: built in {build[s.name]}", file=sys.stderr)
    loso: dict = {}
    if args.tune == "pooled" and embedder:
        config, loso = tune_pooled(ours, sets, config, today)
    elif args.tune:
        if args.tune == "all":
            config = tune_lexical(ours, sets, config)
        if embedder:
            config = tune_weights(ours, sets, config)
        print(
            "tuned on the dev half:\n"
            + json.dumps(
                {
                    "boosts": config.boosts.model_dump(),
                    "length_norm": config.length_norm.model_dump(),
                    "lexical_weight": config.lexical_weight,
                },
                indent=1,
            ),
            file=sys.stderr,
        )
    results: dict[str, dict] = {}
    for s in sets:
        engines = (
            [ours[s.name].engine(False, s.cross_language)]
            + ([ours[s.name].engine(True, s.cross_language)] if embedder else [])
            + peers[s.name]
        )
        results[s.name] = {e.name: {split: metrics(e, s.split(split)) for split in ("test", "dev")} for e in engines}
    if embedder:
        embedder.save()

    print("| set | engine | test MRR@10 | R@1 | R@5 | dev MRR@10 | ms/query |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, engines in results.items():
        for engine, splits in engines.items():
            t, d = splits["test"], splits["dev"]
            print(
                f"| {name} ({t['queries']} test q) | {engine} | {t.get('mrr', 0):.3f} | {t.get('recall@1', 0):.3f} | "
                f"{t.get('recall@5', 0):.3f} | {d.get('mrr', 0):.3f} | {t.get('ms_per_query', 0)} |"
            )
    verdict = {}
    for name, engines in results.items():
        lunr = max(  # the better lunr: stemmed as MkDocs' `lang` does it, or unstemmed
            engines.get(name, {}).get("test", {}).get("mrr", 0)
            for name in ("lunr (MkDocs search)", "lunr, no stemming")
        )
        entry = {"lexical_vs_lunr": round(engines["kbops lexical"]["test"].get("mrr", 0) - lunr, 4)}
        if "kbops hybrid" in engines:
            entry["hybrid"] = engines["kbops hybrid"]["test"].get("mrr", 0)
            entry["hybrid_vs_lunr"] = round(entry["hybrid"] - lunr, 4)
        verdict[name] = entry
    print("\n" + json.dumps(verdict))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "results": results,
                    "margins": verdict,
                    "build_seconds": build,
                    "model": embedder.name if embedder else None,
                    "leave_one_set_out": loso,
                    "config": {
                        "boosts": config.boosts.model_dump(),
                        "length_norm": config.length_norm.model_dump(),
                        "lexical_weight": config.lexical_weight,
                        "embed_chunks": config.embed_chunks,
                        "embed_titles": config.embed_titles,
                        "vector_offsets": config.vector_offsets,
                    },
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
