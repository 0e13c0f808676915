"""Site build benchmark: vanilla MkDocs Material vs the same corpus through the kbops plugin, side by side.

    python bench/site/run.py                      # 1k and 5k pages, once each (the recorded run)
    python bench/site/run.py --sizes 1000 --repeat 3
    python bench/site/run.py --real 300 --repeat 2   # real articles (search-dev en/es/fr): 300 per language

Each build runs in its own process; wall time and that process's peak RSS (wait4) are recorded.
The plugin build uses audience `internal`, which sees every published doc, so both builds emit the same pages.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from gen import make_corpus, make_real_corpus  # noqa: E402

COMMON = """\
site_name: Benchmark help center
site_url: https://bench.example/
theme:
  name: material
  font: false
  features: [navigation.instant, navigation.sections, navigation.prune, search.suggest]
markdown_extensions: [admonition, attr_list, md_in_html, toc]
"""
SEARCH = "  - search:\n      lang: [en, es, fr]\n"


def same_nav(root: Path, docs: Path) -> list:
    """The nav the plugin generates for this corpus, restricted to pages the vanilla tree has."""
    sys.path.insert(0, str(REPO / "scripts"))
    import tempfile

    from kbops.config import load_settings
    from kbops.publishing import WIDEST_AUDIENCE
    from kbops.site.stage import stage_site

    with tempfile.TemporaryDirectory() as tmp:
        nav = stage_site(load_settings(root), WIDEST_AUDIENCE, Path(tmp) / "docs").nav

    def keep(items: list) -> list:
        kept = []
        for item in items:
            ((title, value),) = item.items()
            if isinstance(value, list):
                children = keep(value)
                if children:
                    kept.append({title: children})
            elif (docs / value).is_file():
                kept.append({title: value})
        return kept

    return keep(nav)


def write_configs(root: Path) -> dict[str, Path]:
    """vanilla.yml builds a plain copy of every Markdown file; plugin.yml builds kb/ through kbops.

    Both get the same navigation (type > product > page, one section per extra locale): the vanilla
    config lists the plugin's generated nav explicitly, so the difference is the plugin's own work
    (staging, trust signals, tag and redirect pages), not the shape of the nav, which dominates
    Material's per-page cost on large sites.
    """
    import yaml

    vanilla_docs = root / "vanilla_docs"
    shutil.copytree(root / "kb", vanilla_docs)
    for folder in ("sops", "playbooks"):
        shutil.copytree(root / folder, vanilla_docs / folder)
    nav = yaml.safe_dump({"nav": same_nav(root, vanilla_docs)}, allow_unicode=True, sort_keys=False)
    configs = {
        "vanilla": COMMON + "docs_dir: vanilla_docs\n" + nav + "plugins:\n" + SEARCH,
        "plugin": COMMON + "docs_dir: kb\nplugins:\n  - kbops:\n      audience: internal\n" + SEARCH,
    }
    paths = {}
    for name, text in configs.items():
        paths[name] = root / f"{name}.yml"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def timed_build(config: Path, site_dir: Path) -> dict:
    """One `mkdocs build` in a child process: wall seconds and peak RSS in MiB."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "scripts"), os.environ.get("PYTHONPATH")])),
    }
    shutil.rmtree(site_dir, ignore_errors=True)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    stderr = child.stderr.read().decode() if child.stderr else ""
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"build failed ({config.name}):\n{stderr}")
    pages = sum(1 for _ in site_dir.rglob("index.html"))
    cpu = usage.ru_utime + usage.ru_stime  # robust to other load on a shared machine, unlike wall time
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mib": usage.ru_maxrss / 1024, "html_files": pages}


STAGE_ONLY = """
import json, shutil, sys, tempfile, time
from pathlib import Path
from kbops.config import load_settings
from kbops.publishing import WIDEST_AUDIENCE
from kbops.site.stage import stage_site
settings = load_settings(Path(sys.argv[1]))
dest = Path(tempfile.mkdtemp()) / "docs"
cpu, wall = time.process_time(), time.perf_counter()
result = stage_site(settings, WIDEST_AUDIENCE, dest)
print(json.dumps({"cpu_seconds": time.process_time() - cpu, "seconds": time.perf_counter() - wall, "docs": result.docs}))
shutil.rmtree(dest.parent)
"""


def timed_stage(root: Path) -> dict:
    """The plugin's own work (load, select, render, write the staged tree), in a fresh process."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "scripts"), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, "-c", STAGE_ONLY, str(root)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def run(sizes: list[int], repeat: int, workdir: Path, real: int | None = None) -> list[dict]:
    rows = []
    for size in sizes:
        if real is not None:
            root = make_real_corpus(workdir / f"site-real-{real}", real)
            size = sum(1 for _ in (root / "kb").rglob("*.md"))
        else:
            root = make_corpus(workdir / f"site-{size}", size)
        configs = write_configs(root)
        samples: dict[str, list[dict]] = {"vanilla": [], "plugin": []}
        for _ in range(repeat):
            for name in ("vanilla", "plugin"):  # interleaved, so machine load hits both alike
                samples[name].append(timed_build(configs[name], root / f"out-{name}"))
        row = {"pages": size, "corpus": "real (search-dev)" if real is not None else "synthetic"}
        for name, runs in samples.items():
            row[name] = {
                "seconds": statistics.median(r["seconds"] for r in runs),
                "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
                "peak_mib": max(r["peak_mib"] for r in runs),
                "html_files": runs[0]["html_files"],
                "runs": [round(r["seconds"], 2) for r in runs],
                "cpu_runs": [round(r["cpu_seconds"], 2) for r in runs],
            }
        row["staging"] = timed_stage(root)
        row["overhead"] = row["plugin"]["cpu_seconds"] / row["vanilla"]["cpu_seconds"] - 1
        row["overhead_wall"] = row["plugin"]["seconds"] / row["vanilla"]["seconds"] - 1
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| pages | vanilla CPU s | kbops CPU s | overhead (CPU) | vanilla wall s | kbops wall s | overhead (wall) "
        "| vanilla peak MiB | kbops peak MiB | CPU ms/page vanilla | CPU ms/page kbops | staging CPU s (% of vanilla) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        v, p = r["vanilla"], r["plugin"]
        lines.append(
            f"| {r['pages']} | {v['cpu_seconds']:.1f} | {p['cpu_seconds']:.1f} | {r['overhead']:+.1%} | {v['seconds']:.1f} | "
            f"{p['seconds']:.1f} | {r['overhead_wall']:+.1%} | {v['peak_mib']:.0f} | {p['peak_mib']:.0f} | "
            f"{1000 * v['cpu_seconds'] / r['pages']:.1f} | {1000 * p['cpu_seconds'] / r['pages']:.1f} | "
            f"{r['staging']['cpu_seconds']:.2f} ({r['staging']['cpu_seconds'] / v['cpu_seconds']:.1%}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--real", type=int, metavar="N", help="real articles instead: N per language from search-dev (0: all)"
    )
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / ".corpus")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    rows = run([0] if args.real is not None else args.sizes, args.repeat, args.workdir, args.real)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
