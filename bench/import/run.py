"""Time `kb import zendesk` on a generated help center (search-dev articles as Zendesk JSON; see make_export.py).

    python bench/import/run.py --articles 5000 [--keep DIR]

Prints one JSON object: docs written, wall and CPU seconds of the whole import (as `kb import` runs it: read,
convert on 2 processes, write, lint, hold back, lint again), each stage's wall seconds, and the converter's
own CPU time measured apart (html-to-markdown + sanitising, one process, every article and translation).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO / "scripts"), str(HERE)]


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def converter_share(export: Path) -> dict:
    """CPU seconds of the HTML -> Markdown conversion alone, over every body, in this process."""
    from kbops.importers.html_markdown import convert

    bodies = [a["body"] for a in json.loads((export / "articles.json").read_text())["articles"]]
    bodies += [t["body"] for t in json.loads((export / "translations.json").read_text())["translations"]]
    start = time.process_time()
    for body in bodies:
        convert(body, "", lambda tag, url: None)
    return {
        "bodies": len(bodies),
        "cpu_s": round(time.process_time() - start, 2),
        "mb": round(sum(len(b) for b in bodies) / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    parser.add_argument("--export", type=Path, help="reuse an export made before (default: make one)")
    parser.add_argument("--no-check", action="store_true", help="time the import without its kb lint step")
    args = parser.parse_args()
    from make_export import build

    work = args.keep or Path(tempfile.mkdtemp(prefix="kbimport-"))
    export, root = args.export or work / "export", work / "kb"
    made = {"reused": str(export)} if args.export else build(export, args.articles)
    env = {**os.environ, "PYTHONPATH": str(REPO / "scripts")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kbops",
            "init",
            str(root),
            "--name",
            "Bench",
            "--email",
            "bench@example.com",
            "--locales",
            "en,es,fr",
            "--format",
            "json",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    load = os.getloadavg()
    before, wall = cpu_seconds(), time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kbops",
            "--root",
            str(root),
            "import",
            "zendesk",
            str(export),
            "--format",
            "json",
            *(["--no-check"] if args.no_check else []),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - before
    if done.returncode not in (0, 1):
        sys.exit(done.stderr)
    summary = json.loads(done.stdout)
    print(
        json.dumps(
            {
                "export": made,
                "docs_written": summary["created"],
                "files_copied": summary["assets"],
                "publishable": summary["publishable"],
                "held_back": len(summary["held_back"]),
                "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 1),
                "stages_wall_s": summary["seconds"],
                "converter_alone": converter_share(export),
                "load_before": [round(x, 2) for x in load],
                "load_after": [round(x, 2) for x in os.getloadavg()],
                "cores": os.cpu_count(),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
