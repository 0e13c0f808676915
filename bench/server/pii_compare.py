"""The personal-data detector on real text, this checkout against another: what is found only by one.

    python bench/server/pii_compare.py --base /tmp/base-i19

Runs `kbops.pii.find_personal_data` over every article body of ../shared/data/search-dev and
search-support and every Banking77 query, once with this checkout's scripts/ and once with the base's
(each in its own process), and prints the findings only one of them has. The data hold no personal
data, so a finding only the new detector has is a new false positive, unless it is an address written
out in an example.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def texts() -> list[tuple[str, str]]:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(REPO / "bench"))
    from real_content import articles
    from shared_data import banking77_csv

    found = [(d["id"], d["body"]) for d in articles(["search-dev", "search-support"])]
    with open(banking77_csv(), encoding="utf-8") as handle:
        found += [(f"banking77-{n}", row["text"]) for n, row in enumerate(csv.DictReader(handle))]
    return found


def findings_with(tree: Path, data: Path) -> set[tuple[str, str, str]]:
    code = (
        "import json, sys\n"
        "from kbops.pii import find_personal_data\n"
        "items = json.load(open(sys.argv[1], encoding='utf-8'))\n"
        "print(json.dumps([[i, f.kind, f.value] for i, t in items for f in find_personal_data(t)]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tree / "scripts")}
    out = subprocess.run([sys.executable, "-c", code, str(data)], env=env, capture_output=True, text=True, check=True)
    return {tuple(item) for item in json.loads(out.stdout)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True)
    args = parser.parse_args(argv)
    items = texts()
    data = HERE / ".work" / "pii-texts.json"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text(json.dumps(items), encoding="utf-8")
    new, old = findings_with(REPO, data), findings_with(args.base.resolve(), data)
    print(f"{len(items)} texts; findings: base {len(old)}, this checkout {len(new)}")
    for label, only in (("only this checkout", new - old), ("only the base", old - new)):
        print(f"{label}: {len(only)}")
        for doc, kind, value in sorted(only)[:60]:
            print(f"  {doc}: {kind} {value!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
