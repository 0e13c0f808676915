"""Run the KB5xx personal-data rules over the real search-dev articles and count what they report.

The articles (Microsoft Dynamics 365 Business Central documentation, © Microsoft, CC-BY-4.0; see
../shared/data/search-dev/README.md) are real technical prose with versions, timestamps, GUIDs and OData
keys and, as far as anyone knows, no personal data: every finding is a false positive to look at.

    python bench/privacy/searchdev_lint.py [--data DIR] [--show N] [--detector-only]

Each article becomes `kb/<id>.md` in a temporary knowledge base with the bundled governance and
taxonomy; `kbops.lint.lint` runs only the KB5xx rules (what `kb lint` runs on a pull request).
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))


def default_data() -> Path:
    for base in (REPO.parent, REPO.parent.parent):
        candidate = base / "shared" / "data" / "search-dev"
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "data" / "search-dev"


def write_kb(root: Path, data: Path) -> int:
    for name in ("governance.yml", "taxonomy.yml", "pyproject.toml", "mkdocs.yml"):
        shutil.copy2(REPO / name, root / name)
    for folder in ("kb", "sops", "playbooks"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(data.glob("docs.*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            front = {
                "id": doc["id"],
                "title": doc["title"],
                "type": "article",
                "status": "published",
                "audience": "public",
                "locale": doc["locale"],
            }
            text = "---\n" + "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in front.items()) + "---\n"
            (root / "kb" / f"{doc['id']}.md").write_text(text + doc["body"] + "\n", encoding="utf-8")
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--show", type=int, default=40, help="findings to print")
    parser.add_argument(
        "--detector-only", action="store_true", help="time kbops.pii over the bodies instead of linting"
    )
    args = parser.parse_args()
    if args.detector_only:
        import time

        from kbops.pii import find_personal_data

        bodies = [
            json.loads(line)["body"]
            for path in sorted(args.data.glob("docs.*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()
        ]
        started = time.process_time()
        found = collections.Counter(f.kind for body in bodies for f in find_personal_data(body))
        print(
            f"{len(bodies)} articles, {sum(map(len, bodies)):,} characters: {dict(found)} "
            f"in {time.process_time() - started:.2f} CPU s"
        )
        return 0
    from kbops.config import load_settings
    from kbops.lint.runner import lint

    with tempfile.TemporaryDirectory(prefix="kb-searchdev-") as temp:
        root = Path(temp)
        docs = write_kb(root, args.data)
        result = lint(load_settings(root), select=["KB5"], use_cache=False)
        found = [d for d in result.diagnostics if d.code.startswith("KB5")]
        by_code = collections.Counter(d.code for d in found)
        print(f"{docs} articles, {len(found)} KB5xx finding(s): {dict(sorted(by_code.items()))}")
        for diag in found[: args.show]:
            print(f"  {diag.path}:{diag.line}: {diag.code} {diag.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
