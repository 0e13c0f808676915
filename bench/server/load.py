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
import asyncio
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

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "bench"))

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


# --- the poller: its own process, so the search clients' event loop never delays its measurements --
def poll(base: str, seconds: float, out) -> None:
    latencies: dict[str, list[float]] = {"/healthz": [], "/": []}
    statuses: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=10) as client:
        while time.monotonic() < deadline:
            for path in latencies:
                start = time.monotonic()
                try:
                    status = str(client.get(path).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                latencies[path].append(time.monotonic() - start)
                statuses[f"{path} {status}"] = statuses.get(f"{path} {status}", 0) + 1
                time.sleep(0.05)
    out.send({"latencies": latencies, "statuses": statuses})


async def search_clients(base: str, keys: list[str], queries: list[str], seconds: float) -> dict:
    latencies: list[float] = []
    server_times: list[float] = []  # what the server says it spent (Server-Timing), apart from client-side delays
    statuses: dict[str, int] = {}
    cursor = iter(queries)
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=len(keys) + 5, max_keepalive_connections=len(keys) + 5)

    async def client(key: str, http: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            query = next(cursor)
            start = time.monotonic()
            try:
                response = await http.get("/api/search", params={"q": query, "limit": 10}, headers={"X-KB-Key": key})
                status = str(response.status_code)
                timing = response.headers.get("server-timing", "")
                if "dur=" in timing:
                    server_times.append(float(timing.split("dur=")[1].split(",")[0]) / 1000)
                if response.status_code in (429, 503):
                    latencies.append(time.monotonic() - start)
                    statuses[status] = statuses.get(status, 0) + 1
                    await asyncio.sleep(
                        float(response.headers.get("retry-after", "1"))
                    )  # what a well-behaved client does
                    continue
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            latencies.append(time.monotonic() - start)
            statuses[status] = statuses.get(status, 0) + 1

    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        await asyncio.gather(*(client(key, http) for key in keys))
    return {"latencies": latencies, "statuses": statuses, "server_times": server_times}


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


def one_run(name: str, tree_root: Path, kb: Path, keys: list[str], queries: list[str], seconds: float) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(tree_root, kb, port, kb / f"server-{name}.log")
    try:
        wait_ready(base, process)
        sampler = Sampler(process.pid)
        sampler.sample()
        cpu_before, _ = cpu_and_rss(tree(process.pid))
        receiver, sender = multiprocessing.Pipe(duplex=False)
        poller = multiprocessing.get_context("spawn").Process(target=poll, args=(base, seconds, sender))
        load_before = os.getloadavg()
        started = time.monotonic()
        sampler.start()
        poller.start()
        searches = asyncio.run(search_clients(base, keys, queries, seconds))
        polled = receiver.recv()
        poller.join()
        wall = time.monotonic() - started
        sampler.stop.set()
        sampler.sample()
        cpu_after, _ = cpu_and_rss(tree(process.pid))
    finally:
        stop_server(process)
    ok = searches["statuses"].get("200", 0)
    everything = searches["latencies"] + polled["latencies"]["/healthz"] + polled["latencies"]["/"]
    return {
        "code": name,
        "searches_ok": ok,
        "searches_per_s": round(ok / wall, 2),
        "search_statuses": searches["statuses"],
        "search_p50_ms": round(1000 * percentile(searches["latencies"], 0.5), 1),
        "search_p99_ms": round(1000 * percentile(searches["latencies"], 0.99), 1),
        "search_server_p99_ms": round(1000 * percentile(searches["server_times"], 0.99), 1),
        "search_server_max_ms": round(1000 * max(searches["server_times"] or [float("nan")]), 1),
        "healthz_p50_ms": round(1000 * percentile(polled["latencies"]["/healthz"], 0.5), 1),
        "healthz_p99_ms": round(1000 * percentile(polled["latencies"]["/healthz"], 0.99), 1),
        "healthz_max_ms": round(1000 * max(polled["latencies"]["/healthz"] or [0]), 1),
        "page_p99_ms": round(1000 * percentile(polled["latencies"]["/"], 0.99), 1),
        "poll_statuses": polled["statuses"],
        "polls": len(polled["latencies"]["/healthz"]),
        "worst_wait_s": round(max(everything or [0]), 2),
        "server_cpu_cores": round((cpu_after - cpu_before) / wall, 2),
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--base", type=Path, help="another checkout to compare with (its scripts/ is put on PYTHONPATH)"
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--kinds", default="long,short", help="query kinds: long (distinct 256 characters), short")
    parser.add_argument("--out", type=Path, default=HERE / ".work")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="reuse the KB and index of a previous run in --out")
    args = parser.parse_args(argv)
    kb = args.out / "kb"
    keys = prepare_kb(kb, args.docs, args.clients, args.keep)
    trees = [("new", REPO)] + ([("base", args.base.resolve())] if args.base else [])
    results = []
    for kind in args.kinds.split(","):
        queries = (long_queries if kind == "long" else short_queries)(200_000, seed=hash(kind) & 0xFFFF)
        for name, root in trees:
            result = {"queries": kind, **one_run(f"{name}-{kind}", root, kb, keys, queries, args.seconds)}
            results.append(result)
            print(json.dumps(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        "\n| queries | code | searches/s | 200 / 503 / 429 | search p50 / p99 ms (client) | p99 / max ms (server) | /healthz p50 / p99 / max ms | page p99 ms "
        "| worst wait s | server CPU (cores) | peak RSS MB | load avg |"
    )
    print("|---|---|---:|---|---|---|---|---:|---:|---:|---:|---|")
    for r in results:
        st = r["search_statuses"]
        print(
            f"| {r['queries']} | {r['code']} | {r['searches_per_s']} | {st.get('200', 0)} / {st.get('503', 0)} / {st.get('429', 0)} "
            f"| {r['search_p50_ms']} / {r['search_p99_ms']} | {r['search_server_p99_ms']} / {r['search_server_max_ms']} "
            f"| {r['healthz_p50_ms']} / {r['healthz_p99_ms']} / {r['healthz_max_ms']} "
            f"| {r['page_p99_ms']} | {r['worst_wait_s']} | {r['server_cpu_cores']} | {r['server_peak_rss_mb']} "
            f"| {r['load_avg_1m_before']}→{r['load_avg_1m_after']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
