"""Search quality, side by side in one run: kbops (Whoosh) vs lunr (MkDocs' search) vs plain BM25.

Corpus: the bundled KB's docs visible to one audience (default public), `sample_queries` removed
from every engine's view because some test queries are sample queries.
Queries:
  * Banking77 training queries (PolyAI, CC-BY-4.0), sampled per intent with a fixed seed and split
    into a dev half (the only queries `--tune` looks at) and a test half (reported); a query is
    relevant to every visible English doc tagged with its intent;
  * es/fr: the es/fr docs' sample_queries plus hand-written ones with typos and missing accents
    (queries_es_fr.jsonl).
Every engine ranks only the docs of the query's language (MkDocs builds one search index per language).

    python bench/search_quality/run.py [--root .] [--tune] [--json bench/out/search_quality.json]
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1] / "scripts"), str(HERE)]

from engines import Lunr, Ours, PlainBM25, sections_of  # noqa: E402

from kbops.config import load_settings  # noqa: E402
from kbops.export import chunks_of  # noqa: E402
from kbops.model.loader import load_corpus  # noqa: E402
from kbops.model.taxonomy import load_taxonomy  # noqa: E402
from kbops.publishing import ANONYMOUS_AUDIENCE, AUDIENCES, select_for_audience  # noqa: E402
from kbops.search.config import FieldBoosts, search_config  # noqa: E402
from kbops.search.records import record_for  # noqa: E402
from kbops.site.urls import site_layout  # noqa: E402

BANKING77 = Path("/work/shared/data/banking77/train.csv")


@dataclasses.dataclass(frozen=True)
class Query:
    text: str
    relevant: frozenset[str]
    locale: str
    split: str  # dev | test
    source: str  # banking77 | sample_queries | hand-written


def load_queries(docs, per_intent_dev: int, per_intent_test: int, seed: int, banking77: Path) -> list[Query]:
    english_by_intent: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        if doc.frontmatter.locale == "en":
            for intent in doc.frontmatter.intents:
                english_by_intent[intent].add(doc.frontmatter.id)
    rows: dict[str, list[str]] = defaultdict(list)
    with banking77.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["category"]].append(row["text"].strip())
    queries: list[Query] = []
    for intent in sorted(english_by_intent):
        texts = sorted(set(rows.get(intent, [])))
        random.Random(f"{seed}-{intent}").shuffle(texts)
        for number, text in enumerate(texts[: per_intent_dev + per_intent_test]):
            split = "dev" if number < per_intent_dev else "test"
            queries.append(Query(text, frozenset(english_by_intent[intent]), "en", split, "banking77"))
    visible = {doc.frontmatter.id for doc in docs}
    for doc in docs:
        if doc.frontmatter.locale in ("es", "fr"):
            for text in doc.frontmatter.sample_queries:
                queries.append(Query(text, frozenset({doc.frontmatter.id}), doc.frontmatter.locale, "test", "sample_queries"))
    for line in (HERE / "queries_es_fr.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        relevant = frozenset(item["relevant"]) & visible
        if relevant:
            queries.append(Query(item["query"], relevant, item["locale"], "test", "hand-written"))
    return queries


def measure(engine, queries: list[Query]) -> dict:
    def metrics(subset: list[Query], ranks: dict) -> dict:
        if not subset:
            return {"queries": 0}
        mrr = r1 = r5 = 0.0
        for query in subset:
            ranked = ranks[query]
            first = next((i for i, doc in enumerate(ranked, 1) if doc in query.relevant), None)
            mrr += 1 / first if first else 0
            r1 += len(query.relevant & set(ranked[:1])) / len(query.relevant)
            r5 += len(query.relevant & set(ranked[:5])) / len(query.relevant)
        n = len(subset)
        return {"queries": n, "mrr": round(mrr / n, 4), "recall@1": round(r1 / n, 4), "recall@5": round(r5 / n, 4)}

    started = time.perf_counter()
    ranks = {q: engine.rank(q.text, q.locale) for q in queries}
    elapsed = time.perf_counter() - started
    groups = {
        "all": queries,
        "en (Banking77)": [q for q in queries if q.locale == "en"],
        "es": [q for q in queries if q.locale == "es"],
        "fr": [q for q in queries if q.locale == "fr"],
    }
    found = {name: metrics(subset, ranks) for name, subset in groups.items()}
    found["ms_per_query"] = round(1000 * elapsed / max(1, len(queries)), 2)
    return found


MIN_GAIN = 0.003  # smaller dev-MRR differences are noise on ~700 queries: keep the simpler, current boost


def tune(ours: Ours, base, dev: list[Query]) -> tuple[FieldBoosts, float]:
    """Coordinate search over field boosts (halve or double one at a time), scored by MRR on the dev split only.

    No field is switched off: a boost of 0 would win on Banking77 phrasing yet hurt other queries.
    """
    boosts = base.boosts.model_dump()

    def score(candidate: dict) -> float:
        ours.reconfigure(base.model_copy(update={"boosts": FieldBoosts(**candidate)}))
        return measure(ours, dev)["all"]["mrr"]

    best = score(boosts)
    print(f"  dev MRR {best:.4f} with the current boosts {boosts}", file=sys.stderr)
    for _ in range(2):
        for field in boosts:
            for factor in (0.5, 2.0):
                candidate = {**boosts, field: round(boosts[field] * factor, 3)}
                if candidate == boosts:
                    continue
                value = score(candidate)
                print(f"  dev MRR {value:.4f} with {field}={candidate[field]}", file=sys.stderr)
                if value > best + MIN_GAIN:
                    best, boosts = value, candidate
    return FieldBoosts(**boosts), best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=HERE.parents[1])
    parser.add_argument("--audience", default=ANONYMOUS_AUDIENCE, choices=AUDIENCES)
    parser.add_argument("--dev", type=int, default=10, help="Banking77 queries per intent for tuning")
    parser.add_argument("--test", type=int, default=20, help="Banking77 queries per intent for the report")
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--banking77", type=Path, default=BANKING77)
    parser.add_argument("--tune", action="store_true", help="tune our field boosts on the dev split first")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    args = parser.parse_args()

    settings = load_settings(args.root)
    config = search_config(settings)
    taxonomy = load_taxonomy(settings.taxonomy_path)
    docs = select_for_audience(load_corpus(settings).docs, args.audience)
    if not docs:
        print(f"no docs visible to {args.audience} under {settings.root}", file=sys.stderr)
        return 2
    layout = site_layout(settings)
    records = [dataclasses.replace(record_for(doc, taxonomy, layout), sample_queries=()) for doc in docs]
    by_locale: dict[str, list] = defaultdict(list)
    sections: dict[str, list] = defaultdict(list)
    for doc, record in zip(docs, records):
        by_locale[record.locale].append(record)
        body = [(chunk.section, chunk.text) for chunk in chunks_of(doc, layout) if chunk.section]
        sections[record.locale].extend(sections_of(record, body))
    queries = load_queries(docs, args.dev, args.test, args.seed, args.banking77)
    dev = [q for q in queries if q.split == "dev"]
    test = [q for q in queries if q.split == "test"]
    print(f"corpus: {len(docs)} docs visible to {args.audience} ({', '.join(f'{k} {len(v)}' for k, v in sorted(by_locale.items()))}); "
          f"queries: {len(dev)} dev, {len(test)} test", file=sys.stderr)

    ours = Ours(records, settings.locales, config, dict(taxonomy.synonyms))
    tuned = None
    if args.tune:
        tuned, dev_mrr = tune(ours, config, dev)
        print(f"tuned on dev (MRR {dev_mrr:.4f}): {tuned.model_dump()}", file=sys.stderr)
        ours.reconfigure(config.model_copy(update={"boosts": tuned}))
    engines = [ours, Lunr(sections), PlainBM25(by_locale)]
    results = {engine.name: {"test": measure(engine, test), "dev": measure(engine, dev)} for engine in engines}

    print("| engine | split | all MRR | en MRR | es MRR | fr MRR | all R@1 | all R@5 | ms/query |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, splits in results.items():
        for split in ("test", "dev"):
            m = splits[split]
            print(f"| {name} | {split} ({m['all']['queries']}) | {m['all']['mrr']:.3f} | {m['en (Banking77)'].get('mrr', 0):.3f} | "
                  f"{m['es'].get('mrr', 0):.3f} | {m['fr'].get('mrr', 0):.3f} | {m['all']['recall@1']:.3f} | "
                  f"{m['all']['recall@5']:.3f} | {m['ms_per_query']} |")
    ours_test, lunr_test, bm25_test = (results[e.name]["test"] for e in engines)
    verdict = {}
    for group in ("all", "en (Banking77)", "es", "fr"):
        if ours_test[group]["queries"]:
            verdict[group] = {
                "vs_lunr": round(ours_test[group]["mrr"] - lunr_test[group]["mrr"], 4),
                "vs_bm25": round(ours_test[group]["mrr"] - bm25_test[group]["mrr"], 4),
            }
    target_met = all(v["vs_lunr"] >= 0.05 and v["vs_bm25"] >= 0 for v in verdict.values())
    print(f"\nMRR margins on test: {json.dumps(verdict)}; target (>= lunr + 0.05 and >= BM25 in every group): "
          f"{'met' if target_met else 'NOT met'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"results": results, "margins": verdict, "target_met": target_met,
                                         "tuned_boosts": tuned.model_dump() if tuned else None}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
