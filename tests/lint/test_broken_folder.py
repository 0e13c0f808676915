"""Acceptance: a folder of broken files lints with one diagnostic per problem, exit 1, and no traceback."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

from tests.conftest import run_kb
from tests.lint.cases import SHARED

DIAGNOSTIC = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<code>KB\d{3}) ", re.MULTILINE)


def _doc(doc_id: str, extra: str = "") -> str:
    return (
        f"---\nid: {doc_id}\ntitle: Card declined\ndescription: Why a card payment is declined and what to do.\n"
        f"type: article\nstatus: draft\naudience: public\nowner: cards-support\n{extra}---\n"
        "# Card declined\n\nA payment can be refused by the merchant or by the card issuer.\n"
    )


def build_broken_kb(root: Path) -> dict[str, str]:
    """A KB whose every broken file has exactly one problem; returns path -> expected code."""
    for name in ("governance.yml", "taxonomy.yml", "pyproject.toml"):
        shutil.copy2(SHARED / name, root / name)
    for folder in ("kb", "sops", "playbooks"):
        (root / folder).mkdir()
    kb = root / "kb"
    (kb / "fine.md").write_text(_doc("fine"), encoding="utf-8")
    (kb / "bad-yaml.md").write_text(
        "---\nid: bad-yaml\ntitle: [unclosed\nowner: cards-support\n---\n# Card declined\n", encoding="utf-8"
    )
    (kb / "binary.md").write_bytes(b"%PDF-1.7\n\x00\x01\x02\xff" * 64)
    (kb / "latin1.md").write_bytes(_doc("latin1").replace("A payment", "Contraseña: a payment").encode("latin-1"))
    block = _doc("huge").encode("utf-8") + b"Log line: payment refused by issuer, code 05.\n" * 120_000
    (kb / "huge.md").write_bytes(block[: 5 * 1024 * 1024])
    (kb / "unknown-key.md").write_text(_doc("unknown-key", extra="audiance: internal\n"), encoding="utf-8")
    (kb / "dup-a.md").write_text(_doc("card-declined"), encoding="utf-8")
    (kb / "dup-b.md").write_text(_doc("card-declined"), encoding="utf-8")
    return {
        "kb/bad-yaml.md": "KB002",
        "kb/binary.md": "KB005",
        "kb/latin1.md": "KB003",
        "kb/huge.md": "KB006",
        "kb/unknown-key.md": "KB102",
        "kb/dup-b.md": "KB110",
    }


def test_broken_folder_reports_one_diagnostic_per_problem(tmp_path):
    root = tmp_path / "broken-kb"
    root.mkdir()
    expected = build_broken_kb(root)
    assert (root / "kb" / "huge.md").stat().st_size == 5 * 1024 * 1024

    result = run_kb("--root", str(root), "lint", cwd=root)

    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    found = [(m["path"], m["code"]) for m in DIAGNOSTIC.finditer(result.stdout)]
    assert Counter(found) == Counter(expected.items()), result.stdout
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
