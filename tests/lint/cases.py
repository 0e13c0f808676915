"""Lint rule fixture cases: mini knowledge bases whose files mark the findings they must produce.

Layout: `fixtures/<CODE>/<case>/` overlays a KB root (kb/, sops/, playbooks/, optionally its own
pyproject.toml) on the shared configuration in `fixtures/kb/` (governance.yml, taxonomy.yml,
pyproject.toml with a fixed `today`). A case is run with only rule CODE enabled.

Expected findings are marked on the line where they must be reported:
`<!-- expect: KB301 -->` in Markdown, `# expect: KB102` in YAML front-matter; a code listed twice
means two findings on that line. Files that cannot hold a comment (binary, invalid UTF-8, empty,
line 1 of the front-matter) get a sidecar `NAME.expect` with one `CODE:LINE` per line. A file
`NAME.oversize` is written as NAME padded past the loader's size limit (not committed at full size);
`NAME.symlink` becomes a symbolic link NAME to the path the file holds.
A case without markers must produce no finding at all.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kbops.config import load_settings
from kbops.lint.runner import lint
from kbops.model.loader import MAX_BYTES

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = FIXTURES / "kb"
ROOTS = ("kb", "sops", "playbooks")
MARKER = re.compile(r"(?:<!--|#)\s*expect:\s*((?:KB\d{3}[\s,]*)+)")


@dataclass(frozen=True)
class Case:
    code: str
    name: str
    path: Path

    @property
    def id(self) -> str:
        return f"{self.code}-{self.name}"


def all_cases() -> list[Case]:
    return [
        Case(code_dir.name, case_dir.name, case_dir)
        for code_dir in sorted(FIXTURES.glob("KB[0-9][0-9][0-9]"))
        for case_dir in sorted(p for p in code_dir.iterdir() if p.is_dir())
    ]


def materialize(case: Case, dest: Path) -> Path:
    """The case as a complete KB root under `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for item in SHARED.iterdir():
        shutil.copy2(item, dest / item.name)
    shutil.copytree(case.path, dest, dirs_exist_ok=True)
    for root in ROOTS:
        (dest / root).mkdir(exist_ok=True)
    for template in dest.rglob("*.symlink"):  # git keeps no FIFOs, and copying would follow links
        target = template.read_text(encoding="utf-8").strip()
        template.unlink()
        template.with_suffix("").symlink_to(target)
    for template in dest.rglob("*.oversize"):
        data = template.read_bytes()
        padding = b"<!-- padding -->\n" * ((MAX_BYTES - len(data)) // 17 + 2)
        template.with_suffix("").write_bytes(data + padding)
        template.unlink()
    return dest


def expected_findings(root: Path) -> Counter:
    """(path, line, code) of every marker in the materialized KB root."""
    expected: Counter = Counter()
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.parent == root:
            continue
        relpath = path.relative_to(root).as_posix()
        if path.name.endswith(".expect"):
            for entry in path.read_text(encoding="utf-8").split():
                code, line = entry.split(":")
                expected[(relpath[: -len(".expect")], int(line), code)] += 1
        elif path.suffix == ".md":
            text = path.read_bytes().decode("utf-8", errors="replace")
            for number, line in enumerate(text.split("\n"), 1):
                for marker in MARKER.finditer(line):
                    for code in re.findall(r"KB\d{3}", marker.group(1)):
                        expected[(relpath, number, code)] += 1
    return expected


def actual_findings(root: Path, code: str) -> tuple[Counter, list]:
    result = lint(load_settings(root), None, select=[code])
    return Counter((d.path, d.line, d.code) for d in result.diagnostics), result.diagnostics
