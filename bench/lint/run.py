"""Benchmark `kb lint` against markdownlint-cli2 and pymarkdownlnt on the same synthetic corpus.

For each size: generate the corpus (bench/gen_corpus.py, deterministic) as a git repository, then in
one run measure wall time, CPU time and peak RSS of:

- `kb lint` with a cold cache, with a warm cache, and `kb lint --changed` after editing one file;
- markdownlint-cli2 (npm; install with `npm install --prefix bench/.tools markdownlint-cli2`);
- pymarkdownlnt (`pip install pymarkdownlnt`, in the `bench` extra), only up to --pymarkdown-max docs;
- the floors: markdown-it-py parsing every body alone, and python-frontmatter alone (one core each).

Each tool runs as a child process measured with os.wait4 (CPU includes its worker processes; peak
RSS is that of its largest process). Prints a Markdown table; `--json` keeps the raw numbers and
`--readme` rewrites the lint section of bench/README.md.

    python bench/lint/run.py --sizes 1000 10000 --json bench/out/lint.json --readme bench/README.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "scripts"))

from gen_corpus import REFERENCE_DATE, generate_corpus  # noqa: E402

TODAY = "2026-11-15"  # freshness rules are deterministic for the generated corpus
MARKDOWNLINT = BENCH / ".tools" / "node_modules" / ".bin" / "markdownlint-cli2"
ROOTS = ("kb", "sops", "playbooks")


@dataclass
class Row:
    docs: int
    tool: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_code: int
    note: str = ""


def measure(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, float, int]:
    """(wall s, user+sys CPU s of the process tree, peak RSS MB of its largest process, exit code)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=sink, stderr=sink)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def prepare(docs: int, workdir: Path) -> Path:
    """The corpus of `docs` documents as a git repository with one commit (reused when present)."""
    root = workdir / f"lint-{docs}"
    if (root / ".complete").is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    generate_corpus(root, docs)
    (root / ".gitignore").write_text(".kb/\n.complete\n")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "synthetic corpus"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    (root / ".complete").write_text(f"{docs}\n")
    return root


def kb(*args: str) -> list[str]:
    return [sys.executable, "-m", "kbops", "--today", TODAY, "lint", *args]


def floor_command(what: str, root: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--floor", what, str(root)]


def run_floor(what: str, root: Path) -> int:
    """Parse every document with one library only, on one core (the lower bound of any Python linter)."""
    files = sorted(p for r in ROOTS for p in (root / r).rglob("*.md"))
    if what == "markdown-it":
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": True}).enable("table")
        for path in files:
            text = path.read_text(encoding="utf-8")
            md.parse(text.split("\n---\n", 1)[-1])
    else:
        import frontmatter

        for path in files:
            frontmatter.loads(path.read_text(encoding="utf-8"))
    return 0


def bench_size(docs: int, workdir: Path, pymarkdown_max: int, external: bool, log) -> list[Row]:
    root = prepare(docs, workdir)
    env = {"PYTHONPATH": str(REPO / "scripts")}
    rows: list[Row] = []

    def record(tool: str, cmd: list[str], note: str = "", extra_env: dict | None = None) -> None:
        wall, cpu, rss, code = measure(cmd, root, {**env, **(extra_env or {})})
        rows.append(Row(docs, tool, round(wall, 2), round(cpu, 2), round(rss, 1), code, note))
        log(f"{docs:>6} {tool:<32} {wall:8.2f} s wall {cpu:8.2f} s cpu {rss:8.1f} MB  exit {code}")

    shutil.rmtree(root / ".kb", ignore_errors=True)
    record("kb lint (cold cache)", kb())
    record("kb lint (warm cache)", kb())
    edited = sorted((root / "kb").rglob("*.md"))[0]
    original = edited.read_bytes()
    edited.write_bytes(original + b"\nOne more sentence for the benchmark.\n")
    try:
        record("kb lint --changed (1 file)", kb("--changed"))
    finally:
        edited.write_bytes(original)
    if external:
        if MARKDOWNLINT.exists():
            globs = [f"{r}/**/*.md" for r in ROOTS]
            record("markdownlint-cli2", [str(MARKDOWNLINT), *globs])
        else:
            log(
                f"skipping markdownlint-cli2: {MARKDOWNLINT} missing (npm install --prefix bench/.tools markdownlint-cli2)"
            )
        if shutil.which("pymarkdown") or _has_module("pymarkdown"):
            if docs <= pymarkdown_max:
                record("pymarkdownlnt", [sys.executable, "-m", "pymarkdown", "scan", "-r", *ROOTS])
            else:
                log(f"skipping pymarkdownlnt at {docs} docs (over --pymarkdown-max {pymarkdown_max})")
        else:
            log("skipping pymarkdownlnt: not installed (pip install pymarkdownlnt)")
    record("floor: markdown-it-py parse only", floor_command("markdown-it", root), "1 core")
    record("floor: front-matter only", floor_command("frontmatter", root), "1 core")
    return rows


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def table(rows: list[Row]) -> str:
    lines = [
        "| docs | tool | wall s | CPU s | peak RSS MB | wall ÷ markdownlint-cli2 | CPU ÷ markdownlint-cli2 | exit |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        peer = next((r for r in rows if r.docs == row.docs and r.tool == "markdownlint-cli2"), None)
        ratio = f"{row.wall_s / peer.wall_s:.2f}×" if peer and peer.wall_s else "n/a"
        cpu_ratio = f"{row.cpu_s / peer.cpu_s:.2f}×" if peer and peer.cpu_s else "n/a"
        lines.append(
            f"| {row.docs:,} | {row.tool} | {row.wall_s:.2f} | {row.cpu_s:.2f} | {row.peak_rss_mb:.0f} | {ratio} | {cpu_ratio} | {row.exit_code} |"
        )
    return "\n".join(lines)


def load_average() -> str:
    try:
        return " / ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def readme_section(rows: list[Row], meta: dict) -> str:
    sizes = " ".join(str(s) for s in meta["sizes"])
    return f"""## Lint (`bench/lint`)

`kb lint` (every registered rule, {meta["rules"]} of them: parsing, schema, structure, links, freshness,
personal data, unsafe HTML, style, governance) against markdownlint-cli2 {meta["markdownlint"]} and
pymarkdownlnt {meta["pymarkdown"]} (Markdown style rules only) on the same synthetic corpus
(`bench/gen_corpus.py`: docs of 300-900 words with front-matter, required sections, headings, lists and
relative links; it lints clean with kbops). Floors: markdown-it-py parsing alone and python-frontmatter
alone, one core each. CPU includes worker processes; peak RSS is the largest single process.

Measured {meta["when"]} on {meta["machine"]}, Python {meta["python"]}; load average (1 / 5 / 15 min)
before the run {meta["load_before"]}, after it {meta["load_after"]}.

{table(rows)}

Reproduce (generates the corpora under `bench/.corpus/`, about 6 MB per 1,000 docs):

```bash
pip install -e ".[bench]"                                  # pymarkdownlnt
npm install --prefix bench/.tools markdownlint-cli2        # ignored by git
python bench/lint/run.py --sizes {sizes} --json bench/out/lint.json --readme bench/README.md
```
"""


def update_readme(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r"(<!-- section:lint -->\n).*?(\n<!-- /section:lint -->)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{path}: no <!-- section:lint --> block")
    notes = ""
    match = re.search(r"<!-- notes:lint -->.*?<!-- /notes:lint -->", pattern.search(text).group(0), re.DOTALL)
    if match:  # hand-written observations survive a regeneration
        notes = "\n" + match.group(0) + "\n"
    path.write_text(
        pattern.sub(lambda m: m.group(1) + section.rstrip("\n") + "\n" + notes + m.group(2), text), encoding="utf-8"
    )


def tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        match = re.search(r"v?(\d+\.\d+\.\d+)", out.stdout + out.stderr)
        return match.group(1) if match else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "absent"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workdir", type=Path, default=BENCH / ".corpus")
    parser.add_argument("--pymarkdown-max", type=int, default=1000, help="skip pymarkdownlnt above this many docs")
    parser.add_argument("--no-external", action="store_true", help="measure kbops and the floors only")
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    parser.add_argument("--readme", type=Path, help="rewrite the lint section of this README")
    parser.add_argument("--from-json", type=Path, help="re-render the table (and --readme) from a previous --json")
    parser.add_argument("--floor", nargs=2, metavar=("WHAT", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        return run_floor(args.floor[0], Path(args.floor[1]))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        rows = [Row(**r) for r in saved["rows"]]
        print(table(rows))
        if args.readme:
            update_readme(args.readme, readme_section(rows, saved["meta"]))
        return 0

    from kbops.lint.registry import all_rules

    meta = {
        "sizes": args.sizes,
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}",
        "python": platform.python_version(),
        "rules": len(all_rules()),
        "markdownlint": tool_version([str(MARKDOWNLINT), "--help"]) if MARKDOWNLINT.exists() else "absent",
        "pymarkdown": tool_version([sys.executable, "-m", "pymarkdown", "version"]),
        "load_before": load_average(),
        "reference_date": REFERENCE_DATE,
    }
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    for size in args.sizes:
        rows += bench_size(size, args.workdir, args.pymarkdown_max, not args.no_external, log)
    meta["load_after"] = load_average()
    print(table(rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
    if args.readme:
        update_readme(args.readme, readme_section(rows, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
