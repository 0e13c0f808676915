"""Cost of verifying signed approvals (KB813): `kb lint --no-cache` on N synthetic docs, signed vs unsigned, side by side.

Every doc gets one current approval by its owner team's lead under a policy that matches every doc:
- `unsigned`: plain approvals, no keys enrolled, no `require_signed` (KB813 warns on each);
- `signed`: the same approvals signed with the lead's ed25519 key, `require_signed: true` (KB813 verifies each);
- with `--base TREE` (e.g. a worktree of main), the `unsigned` corpus is also linted by that tree's code.
Runs alternate (signed, unsigned, base, signed, ...) so that machine noise hits each alike; CPU is user + sys of
the `kb` process and its workers. Run by hand:
    python bench/signed_approvals.py --docs 1000 --runs 3 [--base /tmp/base-i20]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))


def make_corpus(out: Path, docs: int, signed: bool, keys: Path) -> None:
    from kbops.governance.signatures import statement
    from kbops.governance.signing import identity_from_file, sign
    from kbops.model.loader import parse_document

    subprocess.run(
        [sys.executable, str(HERE / "gen_corpus.py"), "--docs", str(docs), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    governance = yaml.safe_load((out / "governance.yml").read_text(encoding="utf-8"))
    leads = {team: f"{team}-lead" for team in governance["teams"]}
    identities = {}
    for _team, lead in leads.items():
        key = keys / lead
        if not key.exists():
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"bench-{lead}", "-f", str(key)], check=True
            )
        identities[lead] = identity_from_file(key, "bench")
        if signed:
            governance["people"][lead]["keys"] = [{"key": identities[lead].public_key}]
    policy = {"name": "owner-review", "match": {}, "require": [{"group": "owner", "count": 1}]}
    # the unsigned corpus is plain pre-signing governance (no keys, no require_signed): the base tree reads it too
    governance["approval_policies"] = [{**policy, "require_signed": True} if signed else policy]
    (out / "governance.yml").write_text(
        yaml.safe_dump(governance, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    for path in sorted(out.glob("*/**/*.md")):
        relpath = path.relative_to(out).as_posix()
        text = path.read_text(encoding="utf-8")
        doc = parse_document(relpath, text.encode("utf-8"))
        owner = doc.get("owner")
        if not doc.parsed or owner not in leads:
            continue
        lead = leads[owner]
        email = governance["people"][lead]["emails"][0]
        lines = [f"  - reviewer: {email}", "    date: 2026-11-01", f"    hash: {doc.content_hash}"]
        if signed:
            signature = sign(
                out, identities[lead], statement(doc.id or "", doc.content_hash, email, "2026-11-01", "owner-review")
            )
            lines += ["    policy: owner-review", f"    signature: {signature}"]
        head, sep, body = text[4:].partition("\n---\n")
        path.write_text("---\n" + head + "\napprovals:\n" + "\n".join(lines) + sep + body, encoding="utf-8")


def lint_once(root: Path, tree: Path) -> tuple[float, float, int, str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "scripts"), "XDG_CACHE_HOME": str(root / ".xdg")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "kbops", "lint", "--no-cache", "--format", "json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        codes = [d["code"] for d in json.loads(done.stdout)["diagnostics"]]
        summary = ", ".join(f"{c} {codes.count(c)}" for c in sorted(set(codes))) or "clean"
    except (ValueError, KeyError):
        summary = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output"
    return wall, cpu, done.returncode, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--base", type=Path, help="another checkout (e.g. main) to lint the unsigned corpus with")
    parser.add_argument("--keep", type=Path, help="build the corpora here and keep them")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kbops-signed-bench-"))
    (work / "keys").mkdir(parents=True, exist_ok=True)
    corpora = {}
    for name, signed in (("signed", True), ("unsigned", False)):
        corpora[name] = work / name
        if not corpora[name].exists():
            make_corpus(corpora[name], args.docs, signed, work / "keys")
    variants = [("signed", corpora["signed"], HERE.parent), ("unsigned", corpora["unsigned"], HERE.parent)]
    if args.base:
        variants.append(("unsigned, base tree", corpora["unsigned"], args.base.resolve()))
    results: dict[str, list[tuple[float, float, int, str]]] = {name: [] for name, _, _ in variants}
    print(f"load average before: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}", file=sys.stderr)
    for _ in range(args.runs):
        for name, root, tree in variants:
            results[name].append(lint_once(root, tree))
    print(f"load average after: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}", file=sys.stderr)
    reference = min(r[1] for r in results["unsigned"])
    print(f"| variant | docs | wall s (min of {args.runs}) | CPU s (min) | CPU ÷ unsigned | exit | findings |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, runs in results.items():
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        print(
            f"| {name} | {args.docs:,} | {wall:.2f} | {cpu:.2f} | {cpu / reference:.2f}× | {runs[0][2]} | {runs[0][3]} |"
        )
    print(
        "all CPU s: " + "; ".join(f"{n}: {', '.join(f'{r[1]:.2f}' for r in runs)}" for n, runs in results.items()),
        file=sys.stderr,
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
