"""Search speed: full and one-doc incremental index builds (with embeddings), query latency in process
(hybrid, including the query embedding, side by side with lexical-only on the same index) and over
HTTP, throughput, memory.

    python bench/search/run.py [--sizes 1000 10000] [--queries 300] [--clients 50] [--seconds 10] [--reuse]
                               [--compare-embedders e5-small-q4@128 e5-small-int8]

Queries are timed in wall time, process CPU time and the calling thread's CPU time (`time.thread_time`:
with a one-thread model it is the whole query's CPU, and the machine's other load hardly moves it); 256-character
queries (Banking77 questions joined) are timed apart. `--compare-embedders` times, in the same run and on the
same queries, each given model's query embedding alone (`NAME@Q`: Q tokens at most), e.g. today's default
against the new one.

Corpora are synthetic (bench/gen_corpus.py when present, else bench/search/corpus.py) under
bench/.corpus/search-N/, kept with their index and the full build's numbers: `--reuse` measures updates and
latency on them again without regenerating or rebuilding (a 10k build embeds ~16k chunks). The HTTP part runs `kb serve --no-build --workers 2` on a free 127.0.0.1 port and
drives it from this process (50 concurrent httpx clients, bounded by --seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO / "scripts"), str(HERE), str(REPO / "bench")]

import httpx  # noqa: E402

from kbops.config import load_settings  # noqa: E402
from kbops.publishing import ANONYMOUS_AUDIENCE, AUDIENCES  # noqa: E402
from kbops.search.config import search_config  # noqa: E402
from kbops.search.engine import SearchEngine  # noqa: E402
from kbops.search.indexer import build_index, index_root  # noqa: E402

ES_QUERIES = ("tarjeta rechazada", "recarga pendiente", "contrasena olvidada", "reembolso", "transferencia no llego")
FR_QUERIES = ("carte refusee", "rechargement en attente", "mot de passe oublie", "virement pas arrive")


BUILD_FILE = "bench-build.json"  # the full build's numbers, kept beside a corpus for --reuse
UPDATE_MARK = "\nAn added sentence about a courier delay.\n"


def make_corpus(docs: int, corpus_dir: Path) -> Path:
    out = corpus_dir / f"search-{docs}"
    if out.exists():
        shutil.rmtree(out)  # a fresh corpus and index every run
    try:
        from gen_corpus import generate_corpus  # the lint benchmark's generator, once merged

        generate_corpus(out, docs, seed=0)
    except ImportError:
        from corpus import write_corpus

        write_corpus(out, docs)
    return out


def sample_queries(count: int, seed: int = 1) -> list[tuple[str, str | None, str]]:
    from shared_data import banking77_csv

    with open(banking77_csv(), encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    rng = random.Random(seed)
    queries = []
    for number in range(count):
        audience = AUDIENCES[number % len(AUDIENCES)]
        if number % 10 == 8:
            queries.append((rng.choice(ES_QUERIES), "es", audience))
        elif number % 10 == 9:
            queries.append((rng.choice(FR_QUERIES), "fr", audience))
        else:
            queries.append((rng.choice(texts), "en" if number % 2 else None, audience))
    return queries


def long_queries(count: int, seed: int = 2, length: int = 256) -> list[tuple[str, str | None, str]]:
    """`count` queries of exactly `length` characters: Banking77 questions joined (the API's max_query_length)."""
    from shared_data import banking77_csv

    with open(banking77_csv(), encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    rng = random.Random(seed)
    out = []
    for number in range(count):
        text = ""
        while len(text) < length:
            text += rng.choice(texts) + " "
        out.append((text[:length], "en", AUDIENCES[number % len(AUDIENCES)]))
    return out


def embedding_alone(specs: list[str], queries, threads: int | None = None) -> dict:
    """Each model's query embedding alone, one query at a time, fresh: wall and process CPU ms (p50 / p95)."""
    from kbops.search.embedding import load_embedder

    found = {}
    for spec in specs:
        name, _, cap = spec.partition("@")
        embedder = load_embedder(
            {
                "model": name,
                "model_max_length": 128,
                "query_max_length": int(cap) if cap else None,
                "model_threads": threads,
            }
        )
        embedder.embed_queries(["warm up"])
        wall, cpu = [], []
        for text, _, _ in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            embedder.embed_queries([text])
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        found[spec] = {
            "model": embedder.name,
            "query_max_length": embedder.query_max_length,
            **percentiles(wall),
            **{f"cpu_{k}": v for k, v in percentiles(cpu).items()},
        }
    return found


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "p50_ms": round(pick(0.50) * 1000, 2),
        "p95_ms": round(pick(0.95) * 1000, 2),
        "mean_ms": round(statistics.mean(ordered) * 1000, 2),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def drive(base: str, queries, clients: int, seconds: float) -> dict:
    """`clients` concurrent requests in flight (one pooled connection each) for `seconds`."""
    done = 0
    errors = 0
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        stop_at = time.perf_counter() + seconds

        async def client(number: int) -> None:
            nonlocal done, errors
            position = number
            while time.perf_counter() < stop_at:
                text, locale, audience = queries[position % len(queries)]
                position += clients
                started = time.perf_counter()
                params = {"q": text, "session": f"bench-{number}"} | ({"locale": locale} if locale else {})
                response = await http.get("/api/search", params=params)
                latencies.append(time.perf_counter() - started)
                if response.status_code == 200:
                    done += 1
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "searches": done,
        "errors": errors,
        "searches_per_s": round(done / elapsed, 1),
        **percentiles(latencies),
    }


def http_bench(root: Path, queries, clients: int, seconds: float, workers: int) -> dict:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO / "scripts")}
    process = subprocess.Popen(
        [sys.executable, "-m", "kbops", "serve", "--no-build", "--port", str(port), "--workers", str(workers)],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=30) as http:
            http.get("/api/search", params={"q": "warm up"})
            sequential = []  # every query once, the workers' caches still cold for it
            for text, locale, _ in queries:
                started = time.perf_counter()
                http.get("/api/search", params={"q": text} | ({"locale": locale} if locale else {}))
                sequential.append(time.perf_counter() - started)
            for text, locale, _ in queries:  # a second pass so that both workers have seen most queries
                http.get("/api/search", params={"q": text, "log": "false"} | ({"locale": locale} if locale else {}))
        concurrent = asyncio.run(drive(base, queries, clients, seconds))
        return {"workers": workers, "sequential": percentiles(sequential), "concurrent": concurrent}
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=20)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def disk_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def latency(engine: SearchEngine, queries) -> list[dict]:
    """Two passes over the queries: cold (every query embedded, postings read from disk), then warm.

    Besides each query's total, the time spent embedding it is recorded apart (`embed_*`), so that the
    rest of a query (lexical scoring, cosines, fusion, snippets, "did you mean") is visible on its own.
    """
    engine.search("warm up", audience=ANONYMOUS_AUDIENCE)  # open the index; filter masks and field lengths load lazily
    embedded: list[tuple[float, float]] = []
    if engine.queries is not None:
        vector = engine.queries.vector

        def timed(text):
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                return vector(text)
            finally:
                embedded.append((time.perf_counter() - started, time.process_time() - started_cpu))

        engine.queries.vector = timed
    passes = []
    for _ in range(2):
        if engine.queries is not None:
            engine.queries._cache.clear()  # every query pays its embedding in both passes
        timings, cpu, thread_cpu, embed, embed_cpu = [], [], [], [], []
        for text, locale, audience in queries:
            embedded.clear()
            started, started_cpu, started_thread = time.perf_counter(), time.process_time(), time.thread_time()
            engine.search(text, locale=locale, audience=audience)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            thread_cpu.append(time.thread_time() - started_thread)
            embed.append(sum(w for w, _ in embedded))
            embed_cpu.append(sum(c for _, c in embedded))
        # CPU time (all threads of this process) is what a query costs; wall time adds the shared machine's queue.
        found = {
            **percentiles(timings),
            **{f"cpu_{k}": v for k, v in percentiles(cpu).items()},
            **{f"thread_cpu_{k}": v for k, v in percentiles(thread_cpu).items()},
        }
        if engine.queries is not None:
            found |= {f"embed_cpu_{k}": v for k, v in percentiles(embed_cpu).items()}
            found |= {f"rest_cpu_{k}": v for k, v in percentiles([c - e for c, e in zip(cpu, embed_cpu)]).items()}
            found |= {f"rest_{k}": v for k, v in percentiles([t - e for t, e in zip(timings, embed)]).items()}
        passes.append(found)
    if engine.queries is not None:
        del engine.queries.vector
    return passes


def profile(engine: SearchEngine, queries, top: int) -> None:
    """cProfile one cold pass (every query embedded) and print the `top` functions by own time to stderr."""
    import cProfile
    import pstats

    engine.search("warm up", audience=ANONYMOUS_AUDIENCE)
    if engine.queries is not None:
        engine.queries._cache.clear()
    profiler = cProfile.Profile()
    profiler.enable()
    for text, locale, audience in queries:
        engine.search(text, locale=locale, audience=audience)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


class LoadSampler:
    """The machine's 1-minute load average every few seconds while a long step runs (mean and max reported)."""

    def __init__(self, every: float = 5.0):
        import threading

        self.samples = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    def summary(self) -> str:
        return f"{statistics.mean(self.samples):.1f} (max {max(self.samples):.1f})"


def full_build(docs: int, args) -> tuple[Path, dict]:
    """A fresh corpus and a full build with embeddings, or (--reuse) the last ones kept under --corpus-dir."""
    root = args.corpus_dir / f"search-{docs}"
    saved = root / BUILD_FILE
    if args.reuse and saved.is_file() and (root / ".kb" / "index" / "current").exists():
        build = json.loads(saved.read_text(encoding="utf-8"))
        print(
            f"   reusing {root} (built {build['built']}, load average then {build['build_loadavg']})", file=sys.stderr
        )
        return root, build | {"reused": True}
    root = make_corpus(docs, args.corpus_dir)
    settings = load_settings(root)
    cpu_started = time.process_time()
    with LoadSampler() as load:
        full = build_index(settings, rebuild=True)
    full_cpu = time.process_time() - cpu_started
    build = {
        "built": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "build_loadavg": load.summary(),
        "indexed": full.indexed,
        "model": full.model,
        "chunks_embedded": full.embedded,
        "full_build_s": round(full.seconds, 2),
        "full_build_cpu_s": round(full_cpu, 2),
        "peak_rss_build_mb": peak_rss_mb(),
    }
    saved.write_text(json.dumps(build, indent=2), encoding="utf-8")
    return root, build | {"reused": False}


def one_doc_update(root: Path, settings) -> dict:
    """Change one doc (add, or on the next run remove, one sentence), then an incremental `kb index`."""
    files = sorted((root / "kb").rglob("*.md"))
    target = files[len(files) // 2]
    text = target.read_text(encoding="utf-8")
    target.write_text(text[: -len(UPDATE_MARK)] if text.endswith(UPDATE_MARK) else text + UPDATE_MARK, encoding="utf-8")
    cpu_started = time.process_time()
    incremental = build_index(settings)
    return {
        "one_doc_update_s": round(incremental.seconds, 3),
        "one_doc_update_cpu_s": round(time.process_time() - cpu_started, 3),
        "one_doc_update_changed": incremental.updated,
        "one_doc_update_embedded": incremental.embedded,
    }


def run_size(docs: int, args) -> dict:
    rss_before = peak_rss_mb()
    root, build = full_build(docs, args)
    settings = load_settings(root)
    update = one_doc_update(root, settings)
    queries = sample_queries(args.queries)
    with LoadSampler() as load:
        hybrid = SearchEngine(settings)
        hybrid_passes = latency(hybrid, queries)
        mode = hybrid.searcher().hybrid and "hybrid" or "lexical"
        long_passes = latency(hybrid, long_queries(args.long_queries)) if args.long_queries else None
        lexical = SearchEngine(settings, search_config(settings).model_copy(update={"model": "none"}))
        lexical_passes = latency(lexical, queries)
        lexical.close()
        compared = embedding_alone(args.compare_embedders, queries) if args.compare_embedders else None
    if args.profile:
        profile(hybrid, queries, args.profile)
    hybrid.close()
    result = {
        "docs": docs,
        "mode": mode,
        **build,
        **update,
        "query_loadavg": load.summary(),
        "in_process_cold": hybrid_passes[0],
        "in_process": hybrid_passes[1],
        "lexical_only_cold": lexical_passes[0],
        "lexical_only": lexical_passes[1],
        "long_256_cold": long_passes[0] if long_passes else None,
        "embedding_alone": compared,
        "index_disk_mb": disk_mb(index_root(settings) / "current"),
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_mb": rss_before,
    }
    if not args.no_http:
        result["http"] = http_bench(root, queries, args.clients, args.seconds, args.workers)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--corpus-dir", type=Path, default=REPO / "bench" / ".corpus")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="cProfile a cold pass of the hybrid queries and print the N costliest functions (stderr)",
    )
    parser.add_argument("--long-queries", type=int, default=100, help="256-character queries timed apart (0: none)")
    parser.add_argument(
        "--compare-embedders",
        nargs="*",
        default=[],
        metavar="NAME[@Q]",
        help="also time these models' query embedding alone on the same queries (e.g. e5-small-q4@128 e5-small-int8)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the corpus and full build of an earlier run under --corpus-dir (its build numbers are reported)",
    )
    args = parser.parse_args()
    results = []
    for size in args.sizes:
        print(f"== {size} docs", file=sys.stderr)
        results.append(run_size(size, args))
        print(json.dumps(results[-1]), file=sys.stderr)
    for r in results:
        if r.get("long_256_cold"):
            hot = r["long_256_cold"]
            print(
                f"{r['docs']} docs, 256-character queries (cold): wall p50 / p95 {hot['p50_ms']} / {hot['p95_ms']} ms, "
                f"CPU {hot['cpu_p50_ms']} / {hot['cpu_p95_ms']} ms, thread CPU {hot['thread_cpu_p50_ms']} / {hot['thread_cpu_p95_ms']} ms"
            )
        for spec, found in (r.get("embedding_alone") or {}).items():
            print(
                f"{r['docs']} docs, query embedding alone, {spec} ({found['model']}, {found['query_max_length']} tokens): "
                f"wall p50 / p95 {found['p50_ms']} / {found['p95_ms']} ms, CPU {found['cpu_p50_ms']} / {found['cpu_p95_ms']} ms"
            )
    print(
        "| docs | mode | full build wall / CPU (chunks embedded; load) | one-doc update wall / CPU | hybrid p50 / p95 wall (cold) "
        "| hybrid p50 / p95 CPU (cold) | thread CPU (cold) | without the query embedding p50 / p95 CPU | lexical-only p50 / p95 CPU (cold) "
        "| load (queries) | peak RSS build / queries | index on disk | HTTP p50 / p95 (sequential) | HTTP 50 clients |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        http = r.get("http")
        seq = f"{http['sequential']['p50_ms']} / {http['sequential']['p95_ms']} ms" if http else "-"
        conc = (
            f"{http['concurrent']['searches_per_s']} searches/s (p95 {http['concurrent']['p95_ms']} ms, {http['concurrent']['errors']} errors)"
            if http
            else "-"
        )
        hot, lex = r["in_process_cold"], r["lexical_only_cold"]
        rest = f"{hot['rest_cpu_p50_ms']} / {hot['rest_cpu_p95_ms']} ms" if "rest_cpu_p50_ms" in hot else "-"
        print(
            f"| {r['docs']} | {r['mode']} | {r['full_build_s']} / {r['full_build_cpu_s']} s ({r['chunks_embedded']}; {r['build_loadavg']}) | "
            f"{r['one_doc_update_s']} / {r['one_doc_update_cpu_s']} s | {hot['p50_ms']} / {hot['p95_ms']} ms | "
            f"{hot['cpu_p50_ms']} / {hot['cpu_p95_ms']} ms | {hot['thread_cpu_p50_ms']} / {hot['thread_cpu_p95_ms']} ms | {rest} | {lex['cpu_p50_ms']} / {lex['cpu_p95_ms']} ms | {r['query_loadavg']} | "
            f"{r['peak_rss_build_mb']} / {r['peak_rss_mb'] if r['reused'] else '-'} MB | {r['index_disk_mb']} MB | {seq} | {conc} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
