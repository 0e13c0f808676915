"""Load test of `kb serve`: many search clients and a health/page poller, old and new code side by side.

    python bench/server/load.py --base /tmp/base-i19 --clients 50 --seconds 30 --docs 300

One run builds a synthetic KB (bench/gen_corpus.py) and its index once, then for each code tree (this
checkout, and `--base`: another checkout, e.g. `git worktree add /tmp/base main`) and each query kind
(distinct 256-character queries, short queries) starts `kb serve` on a free loopback port, and runs:

- `--clients` search clients, each with its own partner API key (agents are signed in; a shared key
  would put them all under one rate limit), each sending its next query as soon as the previous answer
  came back (closed loop), for `--seconds`;
- one poller process that alternates `GET /healthz` and a page (`/`) every 50 ms and records latency.

Reported per run: searches/s answered 200, 503/429 counts, the latency distribution of searches and of
the poller's requests, the worst wait of any request, and the server's CPU (all its processes, user +
sys seconds / wall seconds) and peak memory (sum of RSS of its processes). The machine is shared: the
load average is printed with every run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(HERE))

WORDS = (
    "card payment declined refund transfer account balance statement fee limit chargeback dispute pin blocked "
    "invoice reimbursement top-up bank verify identity document expired travel abroad currency exchange rate "
    "merchant pending reversed duplicate charge contactless wallet apple google virtual physical replace lost "
    "stolen fraud alert freeze unfreeze settings notification email phone address change name business expense "
    "receipt upload approval manager policy report export accounting integration sync error failed retry"
).split()
SHORT = (
    "card declined",
    "refund",
    "lost card",
    "pin blocked",
    "transfer fee",
    "tarjeta rechazada",
    "virement",
    "chargeback",
    "top-up failed",
    "exchange rate",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def long_queries(count: int, seed: int) -> list[str]:
    """Distinct queries of exactly 256 characters (the API's limit) from support words."""
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        words: list[str] = []
        while len(" ".join(words)) < 256:
            words.append(rng.choice(WORDS))
        text = " ".join(words)[:256].rstrip()
        text = (text + " x" * 10)[:256]
        found.append(text)
    return found


def short_queries(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.choice(SHORT)} {rng.choice(WORDS)}" for _ in range(count)]


# --- server process tree: CPU and memory from /proc ---------------------------------------------
def tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def cpu_and_rss(pids: list[int]) -> tuple[float, int]:
    ticks, rss = 0, 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
            with open(f"/proc/{pid}/statm") as handle:
                rss += int(handle.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK"), rss


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.stop, self.peak_rss, self.cpu = pid, threading.Event(), 0, 0.0
        self.seen: dict[int, float] = {}

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.sample()

    def sample(self) -> None:
        for pid in tree(self.pid):
            cpu, _ = cpu_and_rss([pid])
            self.seen[pid] = max(self.seen.get(pid, 0.0), cpu)
        self.peak_rss = max(self.peak_rss, cpu_and_rss(tree(self.pid))[1])


# --- the load: a few generator processes, a thread per client, timed by the kernel (lean_client) ---
def generator(port: int, keys: list[str], kind: str, seed: int, start_at: float, seconds: float, out) -> None:
    """One generator process: a closed-loop thread per key (the next search as soon as the previous answer
    came, after Retry-After on 503/429) and a ticker that measures how late this process gets the CPU.
    With no keys it is the poller: `GET /healthz` and `GET /` alternately, 50 ms apart."""
    from lean_client import Connection

    records: list[tuple] = []  # (path, status, server ms, written, arrived, read, send lag ns, reconnected, error)
    ticks: list[float] = []
    deadline = start_at + seconds
    make = long_queries if kind == "long" else short_queries

    def search_client(number: int, key: str) -> None:
        connection, ready = Connection("127.0.0.1", port), 0  # ready: when the next request is due (ns)
        for query in make(4000, seed=seed * 1000 + number):
            if time.time() >= deadline:
                break
            answer = connection.get(
                "/api/search?" + urlencode({"q": query, "limit": 10}), {"X-KB-Key": key, "Accept": "application/json"}
            )
            timing = answer.headers.get("server-timing", "")
            server = float(timing.split("dur=")[1].split(",")[0]) if "dur=" in timing else None
            lag = answer.written - ready if ready else 0
            records.append(
                (
                    "search",
                    answer.status,
                    server,
                    answer.written,
                    answer.arrived,
                    answer.read,
                    lag,
                    answer.reconnected,
                    answer.error,
                )
            )
            pause = float(answer.headers.get("retry-after", "1")) if answer.status in (429, 503) else 0.0
            ready = answer.arrived + int(pause * 1e9)  # what a well-behaved client does
            if pause:
                time.sleep(max(0.0, ready / 1e9 - time.time()))
        connection.close()

    def poller() -> None:
        connection, ready = Connection("127.0.0.1", port), 0
        while time.time() < deadline:
            for path in ("/healthz", "/"):
                answer = connection.get(path)
                records.append(
                    (
                        path,
                        answer.status,
                        None,
                        answer.written,
                        answer.arrived,
                        answer.read,
                        answer.written - ready if ready else 0,
                        answer.reconnected,
                        answer.error,
                    )
                )
                ready = answer.arrived + 50_000_000
                time.sleep(max(0.0, ready / 1e9 - time.time()))
        connection.close()

    def ticker() -> None:
        while time.time() < deadline:
            started = time.perf_counter()
            time.sleep(0.01)
            ticks.append(time.perf_counter() - started - 0.01)

    time.sleep(max(0.0, start_at - time.time()))
    threads = [threading.Thread(target=search_client, args=(n, key)) for n, key in enumerate(keys)]
    threads += [threading.Thread(target=poller)] if not keys else []
    threads.append(threading.Thread(target=ticker))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.send({"records": records, "ticks": ticks})


def start_load(port: int, keys: list[str], kind: str, seconds: float, processes: int, start_at: float) -> list:
    """`processes` generator processes share the keys, one more polls; all begin at `start_at`."""
    context = multiprocessing.get_context("spawn")
    started = []
    for number, share in enumerate([keys[n::processes] for n in range(processes)] + [[]]):
        receiver, sender = context.Pipe(duplex=False)
        worker = context.Process(target=generator, args=(port, share, kind, number + 1, start_at, seconds, sender))
        worker.start()
        started.append((receiver, worker))
    return started


def collect(started: list) -> tuple[list[tuple], list[float]]:
    records: list[tuple] = []
    ticks: list[float] = []
    for receiver, worker in started:
        got = receiver.recv()
        records += got["records"]
        ticks += got["ticks"]
        worker.join()
    return records, ticks


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_server(tree_root: Path, kb: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(tree_root / "scripts")}
    handle = open(log, "w")
    return subprocess.Popen(
        [sys.executable, "-m", "kbops", "serve", "--no-build", "--port", str(port)],
        cwd=kb,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(base: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kb serve exited with {process.returncode}")
        try:
            health = httpx.get(base + "/healthz", timeout=2)
            search = health.json().get("search")
            if health.status_code == 200 and (search is None or search.get("ready")):
                # The old code opens the index and the model on the first search: do it before measuring.
                httpx.get(base + "/api/search", params={"q": "warm up card"}, timeout=120)
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError("kb serve did not become ready")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def ms(values: list[float], q: float) -> float:
    return round(percentile(values, q) / 1e6, 1) if values else float("nan")


def summary(records: list[tuple], ticks: list[float], wall: float) -> dict:
    """Latencies as the kernel saw them (answer arrived - request written), and the generator's own lag apart."""

    def of(path: str) -> list[tuple]:
        return [r for r in records if r[0] == path]

    searches, health, pages = of("search"), of("/healthz"), of("/")
    statuses: dict[str, int] = {}
    for r in searches:
        key = str(r[1]) if r[1] else r[8]
        statuses[key] = statuses.get(key, 0) + 1
    wait = [r[4] - r[3] for r in records]
    server = [r[2] * 1e6 for r in searches if r[2] is not None]
    ok = statuses.get("200", 0)
    return {
        "searches_ok": ok,
        "searches_per_s": round(ok / wall, 2),
        "search_statuses": statuses,
        "search_p50_ms": ms([r[4] - r[3] for r in searches], 0.5),
        "search_p99_ms": ms([r[4] - r[3] for r in searches], 0.99),
        "search_max_ms": ms([r[4] - r[3] for r in searches], 1.0),
        "search_200_max_ms": ms([r[4] - r[3] for r in searches if r[1] == 200], 1.0),
        "search_refused_max_ms": ms([r[4] - r[3] for r in searches if r[1] in (429, 503)], 1.0),
        "search_client_p99_ms": ms([r[5] - r[3] for r in searches], 0.99),  # the old way: the client's stopwatch
        "search_server_p99_ms": ms(server, 0.99),
        "search_server_max_ms": ms(server, 1.0),
        # Wait the server's clock did not see: before the protocol read the request, after Server-Timing.
        "search_unseen_p99_ms": ms([(r[4] - r[3]) - r[2] * 1e6 for r in searches if r[2] is not None], 0.99),
        "search_unseen_max_ms": ms([(r[4] - r[3]) - r[2] * 1e6 for r in searches if r[2] is not None], 1.0),
        "healthz_p50_ms": ms([r[4] - r[3] for r in health], 0.5),
        "healthz_p99_ms": ms([r[4] - r[3] for r in health], 0.99),
        "healthz_max_ms": ms([r[4] - r[3] for r in health], 1.0),
        "page_p99_ms": ms([r[4] - r[3] for r in pages], 0.99),
        "poll_statuses": {
            s: sum(1 for r in health + pages if (str(r[1]) if r[1] else r[8]) == s)
            for s in {str(r[1]) if r[1] else r[8] for r in health + pages}
        },
        "polls": len(health),
        "over_2s": sum(1 for w in wait if w > 2e9),
        "worst_wait_ms": ms(wait, 1.0),
        "reconnects": sum(1 for r in records if r[7]),
        # The generator's own lag: reading an answer that had arrived, sending a request that was due,
        # and a 10 ms sleep of each generator process overshooting.
        "gen_read_lag_p99_ms": ms([r[5] - r[4] for r in records], 0.99),
        "gen_read_lag_max_ms": ms([r[5] - r[4] for r in records], 1.0),
        "gen_send_lag_p99_ms": ms([r[6] for r in records], 0.99),
        "gen_send_lag_max_ms": ms([r[6] for r in records], 1.0),
        "gen_tick_lag_p99_ms": ms([t * 1e9 for t in ticks], 0.99),
        "gen_tick_lag_max_ms": ms([t * 1e9 for t in ticks], 1.0),
    }


def one_run(name: str, tree_root: Path, kb: Path, keys: list[str], kind: str, seconds: float, processes: int) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(tree_root, kb, port, kb / f"server-{name}.log")
    try:
        wait_ready(base, process)
        start_at = time.time() + 3.0  # every generator is up and has made its queries before the clock starts
        started = start_load(port, keys, kind, seconds, processes, start_at)
        time.sleep(max(0.0, start_at - time.time()))
        sampler = Sampler(process.pid)
        sampler.sample()
        cpu_before, _ = cpu_and_rss(tree(process.pid))
        loop_before, _ = cpu_and_rss([process.pid])
        load_before = os.getloadavg()
        clock = time.monotonic()
        sampler.start()
        records, ticks = collect(started)
        wall = time.monotonic() - clock
        sampler.stop.set()
        sampler.sample()
        cpu_after, _ = cpu_and_rss(tree(process.pid))
        loop_after, _ = cpu_and_rss([process.pid])
    finally:
        stop_server(process)
    return {
        "code": name,
        **summary(records, ticks, wall),
        "server_cpu_cores": round((cpu_after - cpu_before) / wall, 2),
        "event_loop_process_cpu_cores": round((loop_after - loop_before) / wall, 2),
        "server_peak_rss_mb": round(sampler.peak_rss / 2**20),
        "load_avg_1m_before": round(load_before[0], 2),
        "load_avg_1m_after": round(os.getloadavg()[0], 2),
        "seconds": round(wall, 1),
    }


def prepare_kb(out: Path, docs: int, clients: int, keep: bool = False) -> list[str]:
    from gen_corpus import generate_corpus

    if not (keep and (out / ".kb" / "index" / "current").exists()):
        if out.exists():
            shutil.rmtree(out)
        generate_corpus(out, docs)
        env = {**os.environ, "PYTHONPATH": str(REPO / "scripts")}
        subprocess.run([sys.executable, "-m", "kbops", "index"], cwd=out, env=env, check=True, capture_output=True)
    (out / ".kb" / "api-keys.json").unlink(missing_ok=True)
    for audience in ("public", "partner"):  # a small static site per audience: the poller's page
        site = out / "site" / audience
        site.mkdir(parents=True, exist_ok=True)
        (site / "index.html").write_text(f"<!doctype html><h1>{audience} help center</h1>", encoding="utf-8")
    sys.path.insert(0, str(REPO / "scripts"))
    from kbops.config import load_settings
    from kbops.server.keys import ApiKeyStore, keys_path

    store = ApiKeyStore(keys_path(load_settings(out)))
    return [store.create("partner", f"agent-{n}") for n in range(clients)]


def index_with(kb: Path, tree_root: Path, keep: bool = False) -> Path:
    """A copy of `kb` (same docs, keys and sites) indexed by the code at `tree_root`: index formats differ
    between versions. `keep`: reuse the copy's index, refresh only the keys."""
    copy = kb.parent / f"{kb.name}-{tree_root.name}"
    if keep and (copy / ".kb" / "index").is_dir():
        shutil.copy2(kb / ".kb" / "api-keys.json", copy / ".kb" / "api-keys.json")
        return copy
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(kb, copy, ignore=lambda folder, _names: ["index"] if folder.endswith(".kb") else [])
    env = {**os.environ, "PYTHONPATH": str(tree_root / "scripts")}
    subprocess.run([sys.executable, "-m", "kbops", "index"], cwd=copy, env=env, check=True, capture_output=True)
    return copy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--base", type=Path, help="another checkout to compare with (its scripts/ is put on PYTHONPATH)"
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--processes", type=int, default=5, help="generator processes the clients are spread over")
    parser.add_argument("--kinds", default="long,short", help="query kinds: long (distinct 256 characters), short")
    parser.add_argument("--out", type=Path, default=HERE / ".work")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="reuse the KB and index of a previous run in --out")
    args = parser.parse_args(argv)
    kb = args.out / "kb"
    keys = prepare_kb(kb, args.docs, args.clients, args.keep)
    trees = [("new", REPO, kb)] + (
        [("base", args.base.resolve(), index_with(kb, args.base.resolve(), args.keep))] if args.base else []
    )
    results = []
    for kind in args.kinds.split(","):
        for name, root, tree_kb in trees:
            result = {
                "queries": kind,
                **one_run(f"{name}-{kind}", root, tree_kb, keys, kind, args.seconds, args.processes),
            }
            results.append(result)
            print(json.dumps(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        "\n| queries | code | searches/s | 200 / 503 / 429 | search wait p50 / p99 / max ms | over 2 s "
        "| Server-Timing p99 / max ms | /healthz p50 / p99 / max ms | page p99 ms "
        "| generator lag p99 / max ms (read, send, tick) | server CPU (cores) | peak RSS MB | load avg |"
    )
    print("|---|---|---:|---|---|---:|---|---|---:|---|---:|---:|---|")
    for r in results:
        st = r["search_statuses"]
        print(
            f"| {r['queries']} | {r['code']} | {r['searches_per_s']} "
            f"| {st.get('200', 0)} / {st.get('503', 0)} / {st.get('429', 0)} "
            f"| {r['search_p50_ms']} / {r['search_p99_ms']} / {r['search_max_ms']} | {r['over_2s']} "
            f"| {r['search_server_p99_ms']} / {r['search_server_max_ms']} "
            f"| {r['healthz_p50_ms']} / {r['healthz_p99_ms']} / {r['healthz_max_ms']} | {r['page_p99_ms']} "
            f"| {r['gen_read_lag_p99_ms']} / {r['gen_read_lag_max_ms']}, {r['gen_send_lag_p99_ms']} / "
            f"{r['gen_send_lag_max_ms']}, {r['gen_tick_lag_p99_ms']} / {r['gen_tick_lag_max_ms']} "
            f"| {r['server_cpu_cores']} | {r['server_peak_rss_mb']} | {r['load_avg_1m_before']}→{r['load_avg_1m_after']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
