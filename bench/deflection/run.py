"""Benchmark `kb deflection` against the floor (one raw DuckDB query) and a straightforward pandas version.

For each size (1M, 10M events by default) and format (JSON lines, Parquet) of a bench/gen_events.py log,
three contenders compute the same headline metrics over the same file, side by side in one run, each in
a fresh process (wall time from start to exit, peak RSS from wait4):

- `kb`: the real command, `python -m kbops deflection --events FILE --format json` (full report:
  validation with line numbers, de-duplication, scrubbing, breakdowns, docs, content gaps).
- `floor`: bench/deflection/floor.sql, the headline metrics as ONE DuckDB query straight over the file
  (no line numbers, no report), same memory_limit and threads.
- `pandas`: read (json.loads per line, skipping bad lines / read_parquet), drop_duplicates, merge_asof
  for click-through, merges for contacts.

All three must agree with each other and with the generator's truth; the run fails loudly otherwise.

    python bench/deflection/run.py                      # 1M and 10M, JSONL and Parquet
    python bench/deflection/run.py --sizes 1000000      # just 1M
    python bench/deflection/run.py --smoke              # tiny, for the test suite
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUT = REPO / "bench" / "out" / "deflection"
METRICS = (
    "searches",
    "zero_result_rate",
    "click_through_rate",
    "self_service_sessions",
    "contacted_sessions",
    "deflection_rate",
)
COLUMNS = ("ts", "event", "session", "user", "query", "results", "doc", "rank", "helpful", "locale", "channel")
JSON_COLUMNS = (
    "{ts: 'VARCHAR', event: 'VARCHAR', session: 'VARCHAR', user: 'VARCHAR', query: 'VARCHAR', results: 'BIGINT', "
    "doc: 'VARCHAR', rank: 'BIGINT', helpful: 'BOOLEAN', locale: 'VARCHAR', channel: 'VARCHAR'}"
)


# -- contenders (child processes) ------------------------------------------------------------------


def floor_metrics(path: str, memory_limit: str, threads: int) -> dict:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {threads}")
    con.execute("SET preserve_insertion_order = false")
    if path.endswith(".parquet"):
        source = f"read_parquet('{path}')"
    else:
        source = f"read_json('{path}', format = 'newline_delimited', ignore_errors = true, columns = {JSON_COLUMNS})"
    sql = (HERE / "floor.sql").read_text().replace("{source}", source)
    cursor = con.execute(sql)
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone()))


def pandas_metrics(path: str) -> dict:
    import pandas as pd

    if path.endswith(".parquet"):
        df = pd.read_parquet(path)
    else:
        columns: dict[str, list] = {name: [] for name in COLUMNS}
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a bad line: skipped (pandas has no line-level error report)
                if isinstance(record, dict):
                    for name in COLUMNS:
                        columns[name].append(record.get(name))
        df = pd.DataFrame(columns)
        del columns
    df = df[df["event"].notna()].drop_duplicates()
    df["ts"] = pd.to_datetime(df["ts"], utc=True, format="ISO8601")
    df["is_search"] = (df["event"] == "search") & (df["query"].fillna("").str.strip() != "")
    searches = df[df["is_search"]]
    n_searches = len(searches)
    zero = int((searches["results"] == 0).sum())
    left = df.loc[df["event"] == "click", ["session", "ts"]].sort_values("ts")
    right = searches[["session", "ts"]].assign(search_id=searches.index, search_ts=searches["ts"]).sort_values("ts")
    attributed = pd.merge_asof(
        left, right[["session", "ts", "search_id", "search_ts"]], on="ts", by="session", direction="backward"
    )
    attributed = attributed[
        attributed["search_id"].notna() & (attributed["ts"] - attributed["search_ts"] <= pd.Timedelta(minutes=30))
    ]
    clicked = attributed["search_id"].nunique()
    activity = df[df["event"] != "contact"].assign(is_view=lambda d: d["event"] == "view")
    sessions = activity.groupby("session").agg(
        user=("user", "max"),
        started=("ts", "min"),
        ended=("ts", "max"),
        searches=("is_search", "sum"),
        views=("is_view", "sum"),
    )
    sessions = sessions[(sessions["searches"] > 0) | (sessions["views"] > 0)].reset_index()
    contacts = df.loc[df["event"] == "contact", ["session", "user", "ts"]]
    window = pd.Timedelta(hours=24)
    by_session = sessions.merge(contacts, on="session", suffixes=("", "_c"))
    by_session = by_session[
        (by_session["ts"] >= by_session["started"]) & (by_session["ts"] <= by_session["ended"] + window)
    ]
    by_user = sessions[sessions["user"].notna()].merge(
        contacts[contacts["user"].notna()], on="user", suffixes=("", "_c")
    )
    by_user = by_user[(by_user["ts"] >= by_user["started"]) & (by_user["ts"] <= by_user["ended"] + window)]
    contacted = len(set(by_session["session"]) | set(by_user["session"]))
    return {
        "searches": n_searches,
        "zero_result_rate": zero / n_searches if n_searches else None,
        "click_through_rate": clicked / n_searches if n_searches else None,
        "self_service_sessions": len(sessions),
        "contacted_sessions": contacted,
        "deflection_rate": 1 - contacted / len(sessions) if len(sessions) else None,
    }


def child(args: argparse.Namespace) -> None:
    result = (
        floor_metrics(args.file, args.memory_limit, args.threads)
        if args.child == "floor"
        else pandas_metrics(args.file)
    )
    print(json.dumps(result, default=float))


# -- the driver -------------------------------------------------------------------------------------


def measure(command: list[str], env: dict | None = None) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system, all threads), peak RSS (MiB) and stdout of one fresh process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env={**os.environ, **(env or {})}, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read().decode(), stderr.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed ({process.returncode}):\n{err[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def ensure_log(size: int, folder: Path, seed: int) -> dict:
    """The generated log of `size` events (JSONL + Parquet + truth), generated once and reused."""
    name = f"events-{size // 1_000_000}m" if size >= 1_000_000 and size % 1_000_000 == 0 else f"events-{size}"
    path = folder / f"{name}.jsonl"
    truth_path = path.with_suffix(".truth.json")
    if truth_path.is_file() and path.is_file() and path.with_suffix(".parquet").is_file():
        return json.loads(truth_path.read_text())
    spec = importlib.util.spec_from_file_location("gen_events", REPO / "bench" / "gen_events.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if size >= 5_000_000 and size % 10 == 0:
        # 10M = the 1M log x 10 with disjoint ids (bench/gen_events.py --scale-from): same truth x 10.
        base = ensure_log(size // 10, folder, seed)
        print(f"scaling {base['files']['events']} x 10 -> {path}", file=sys.stderr)
        return module.main(["--scale-from", base["files"]["events"], "--factor", "10", "--out", str(path), "--parquet"])
    print(f"generating {size:,} events -> {path}", file=sys.stderr)
    return module.main(["--events", str(size), "--out", str(path), "--parquet", "--seed", str(seed)])


def agree(a: dict, b: dict) -> bool:
    return all(abs(float(a[k]) - float(b[k])) < 1e-9 for k in METRICS)


def run(args: argparse.Namespace) -> list[dict]:
    folder = Path(args.data)
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    py = sys.executable
    env = {"PYTHONPATH": str(REPO / "scripts")}
    plan = [(size, fmt) for size in args.sizes for fmt in args.formats]
    plan += [(size, "parquet-scaled") for size in args.scaled_parquet]
    for size, fmt in plan:
        if fmt == "parquet-scaled":
            from scale_parquet import ensure_parquet_multiple

            truth = ensure_parquet_multiple(ensure_log(10_000_000, folder, args.seed), size, folder)
            fmt = "parquet"
        else:
            truth = ensure_log(size, folder, args.seed)
        path = truth["files"]["events"] if fmt == "jsonl" else truth["files"]["parquet"]
        contenders = {
            "kb deflection": [py, "-m", "kbops", "deflection", "--events", path, "--format", "json"],
            "raw DuckDB query (floor)": [
                py,
                __file__,
                "--child",
                "floor",
                "--file",
                path,
                "--memory-limit",
                args.memory_limit,
                "--threads",
                str(args.threads),
            ],
        }
        pandas_limit = args.pandas_max_jsonl if fmt == "jsonl" else args.pandas_max_parquet
        if truth.get("scaled_from", {}).get("file", "").endswith(".parquet"):
            pandas_limit = 0
        if size <= pandas_limit:
            contenders["pandas"] = [py, __file__, "--child", "pandas", "--file", path]
        results: dict[str, dict] = {}
        for name, command in contenders.items():
            print(f"{size:,} {fmt}: {name} ...", file=sys.stderr, flush=True)
            seconds, cpu, rss, out = measure(command, env)
            metrics = json.loads(out)
            results[name] = {
                "seconds": seconds,
                "cpu": cpu,
                "peak_rss_mib": rss,
                "metrics": {k: metrics[k] for k in METRICS},
            }
        expected = {
            "searches": truth["searches"],
            "zero_result_rate": truth["zero_result_rate"],
            "click_through_rate": truth["click_through_rate"],
            "self_service_sessions": truth["self_service_sessions"],
            "contacted_sessions": truth["contacted_sessions"],
            "deflection_rate": truth["true_deflection_rate"],
        }
        floor = results["raw DuckDB query (floor)"]["seconds"]
        floor_cpu = results["raw DuckDB query (floor)"]["cpu"]
        for name, result in results.items():
            rows.append(
                {
                    "events": truth["events"],
                    "lines": truth["lines"],
                    "format": fmt,
                    "contender": name,
                    "seconds": round(result["seconds"], 2),
                    "vs_floor": round(result["seconds"] / floor, 2),
                    "cpu_seconds": round(result["cpu"], 2),
                    "cpu_vs_floor": round(result["cpu"] / floor_cpu, 2),
                    "peak_rss_mib": round(result["peak_rss_mib"]),
                    "matches_truth": agree(result["metrics"], expected),
                    "deflection_rate": round(float(result["metrics"]["deflection_rate"]), 4),
                }
            )
        skipped = "pandas" not in results
        if skipped:
            rows.append(
                {
                    "events": truth["events"],
                    "lines": truth["lines"],
                    "format": fmt,
                    "contender": "pandas",
                    "seconds": None,
                    "vs_floor": None,
                    "cpu_seconds": None,
                    "cpu_vs_floor": None,
                    "peak_rss_mib": None,
                    "matches_truth": None,
                    "deflection_rate": None,
                }
            )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| events | format | contender | wall s | × floor | CPU s | CPU × floor | peak RSS MiB | = truth |",
        "|---:|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if r["seconds"] is None:
            lines.append(f"| {r['events']:,} | {r['format']} | {r['contender']} | not run | | | | | |")
            continue
        lines.append(
            f"| {r['events']:,} | {r['format']} | {r['contender']} | {r['seconds']:.1f} | {r['vs_floor']:.2f} | "
            f"{r['cpu_seconds']:.1f} | {r['cpu_vs_floor']:.2f} | {r['peak_rss_mib']:,} | {'yes' if r['matches_truth'] else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=lambda s: [int(float(x)) for x in s.split(",")], default=[1_000_000, 10_000_000]
    )
    parser.add_argument("--formats", type=lambda s: s.split(","), default=["jsonl", "parquet"])
    parser.add_argument("--data", default=str(OUT), help="where generated logs are kept (reused between runs)")
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument(
        "--memory-limit",
        default="2GB",
        help="DuckDB memory_limit of the floor (kb uses its [tool.kbops.analytics] one, 2GB by default)",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--pandas-max-jsonl", type=int, default=1_000_000, help="largest JSONL log pandas is run on (memory)"
    )
    parser.add_argument("--pandas-max-parquet", type=int, default=10_000_000)
    parser.add_argument(
        "--scaled-parquet",
        type=lambda s: [int(float(x)) for x in s.split(",")],
        default=[],
        help="also these sizes (multiples of 10M) as Parquet: the 10M Parquet log x k (bench/deflection/scale_parquet.py), kb and floor only",
    )
    parser.add_argument("--smoke", action="store_true", help="5k events in a temporary folder (used by the tests)")
    parser.add_argument("--child", choices=("floor", "pandas"), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return []
    if args.smoke:
        with tempfile.TemporaryDirectory() as folder:
            args.sizes, args.data = [5000], folder
            rows = run(args)
    else:
        rows = run(args)
        (OUT / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(
        f"# kb deflection benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n"
    )
    print(table(rows))
    if not all(r["matches_truth"] in (True, None) for r in rows):
        raise SystemExit("bench: a contender disagrees with the generator's truth")
    return rows


if __name__ == "__main__":
    main()
