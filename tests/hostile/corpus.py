"""The hostile knowledge base: every case of issue 13 (files, names, front-matter, pathological lines).

Text cases live under `cases/` and mark the diagnostic they must produce where lint would report it
(`# expect: KB002` in front-matter, `<!-- expect: KB601 -->` in a body, as lint fixtures do). Cases
git cannot hold (a FIFO, symlinks, a non-UTF-8 name) or that would be large (50,000 `[` on one line)
are made here. `Expected` lists, per path, the code and line every command must name.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.lint.cases import SHARED, expected_findings

HERE = Path(__file__).parent
CASES = HERE / "cases"
REPO = HERE.parents[1]
NON_UTF8_NAME = b"caf\xe9.md"
NON_UTF8_SHOWN = "kb/caf\\xe9.md"
PASSWD_MARKERS = ("root:x:0:0", "/usr/sbin/nologin", "daemon:x:")
HANG = 120  # seconds: a command that takes longer is a hang (each normally takes a few seconds)


@dataclass(frozen=True)
class Refused:
    """A file every command must name, once, and never publish."""

    path: str
    code: str
    line: int
    lint_only: bool = False  # lint-level finding of a readable, parsed file (KB103): others name path:line only


# Pathological lines of otherwise valid documents: each once made a command hang or take minutes.
PATHOLOGICAL = {
    "brackets": "[" * 50_000,
    "comments": "<!--" * 20_000,
    "backticks": "`" * 30_001 + " " + "``" * 10_000,
    "link-destinations": "](" * 30_000,
    "open-links": "[a](" * 20_000,
    "images": "![" * 30_000,
    "tags": "<a " * 20_000,
    "entities": "&#91;" * 20_000,
    "emphasis": "*_" * 30_000,
    "escapes": "\\[" * 30_000,
    "unclosed-fence": "```\n" + "[" * 20_000,
    "headings": "\n".join("#" * 6 + " " + "[" * 300 for _ in range(200)),
    "many-links": "[a](b) " * 2_000,  # Python-Markdown: ~90 s of CPU, 180x the render budget
}
# Over the render budget by far (kbops.site.budget): staged as text, reported by the build. The others may
# render as written (they are cheap to render alone) or be staged as text: either way, no hang.
HEAVY = {"many-links"}


def _doc(doc_id: str, body: str) -> str:
    return (
        f"---\nid: {doc_id}\ntitle: Pathological {doc_id}\ndescription: A valid document with a pathological line.\n"
        f"type: article\nstatus: published\naudience: public\nowner: cards-support\nlast_reviewed: 2026-11-01\n---\n"
        f"# Pathological {doc_id}\n\n{body}\n"
    )


def make_hostile_kb(root: Path) -> list[Refused]:
    """Write the hostile KB under `root`; return the refused paths every command must report."""
    root.mkdir(parents=True, exist_ok=True)
    for item in SHARED.iterdir():
        shutil.copy2(item, root / item.name)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(CASES, root, dirs_exist_ok=True)
    for folder in ("sops", "playbooks"):
        (root / folder).mkdir(exist_ok=True)
    refused = [
        Refused(path, code, line, lint_only=code == "KB103")
        for (path, line, code) in expected_findings(root)
        if path.startswith("kb/fm/")
    ]
    head = (root / "kb" / "fm" / "valid.md").read_text(encoding="utf-8").split("\n")[:8]  # `---` to `owner:`
    generated_front_matter = {
        "deep-nesting": "tags: " + "[" * 5_000 + "]" * 5_000,  # RecursionError in every command, once
        "long-number": "weight: " + "9" * 5_000,  # past Python's 4,300-digit limit for int()
    }
    for name, line in generated_front_matter.items():
        lines = [*head, line, "---", "# Card declined", ""]
        lines[1] = f"id: {name}"
        (root / "kb" / "fm" / f"{name}.md").write_text("\n".join(lines), encoding="utf-8")
        refused.append(Refused(f"kb/fm/{name}.md", "KB002", 9))
    odd = root / "kb" / "odd"
    odd.mkdir()
    os.mkfifo(odd / "fifo.md")
    (odd / "passwd.md").symlink_to("/etc/passwd")
    (odd / "loop.md").symlink_to("loop.md")
    (odd / "broken.md").symlink_to("missing.md")
    (odd / "etc").symlink_to("/etc")
    (odd / "logo.png").symlink_to("/etc/passwd")  # an asset: the site copies kb/'s other files
    (odd / "inside.md").symlink_to("../fm/valid.md")  # a link inside the KB is read (and is a duplicate id)
    valid = (root / "kb" / "fm" / "valid.md").read_text(encoding="utf-8")
    with open(os.path.join(os.fsencode(odd), NON_UTF8_NAME), "w", encoding="utf-8") as handle:
        handle.write(valid.replace("id: valid", "id: cafe"))
    folder = os.path.join(os.fsencode(odd), b"d\xe9p\xf4t")  # a folder whose name is not UTF-8: reported, not entered
    os.mkdir(folder)
    with open(os.path.join(folder, b"inside.md"), "w", encoding="utf-8") as handle:
        handle.write(valid.replace("id: valid", "id: in-bad-folder"))
    refused += [
        Refused("kb/odd/d\\xe9p\\xf4t", "KB010", 1),
        Refused("kb/odd/fifo.md", "KB010", 1),
        Refused("kb/odd/passwd.md", "KB010", 1),
        Refused("kb/odd/loop.md", "KB010", 1),
        Refused("kb/odd/broken.md", "KB010", 1),
        Refused("kb/odd/etc", "KB010", 1),
        Refused(NON_UTF8_SHOWN.replace("kb/", "kb/odd/"), "KB010", 1),
    ]
    lines = root / "kb" / "lines"
    lines.mkdir()
    for name, body in PATHOLOGICAL.items():
        (lines / f"{name}.md").write_text(_doc(name, body), encoding="utf-8")
    return sorted(refused, key=lambda r: r.path)


def html_expectations(root: Path) -> Counter:
    """(path, line, code) of the unsafe-HTML markers: what lint and a strict build must both report."""
    return Counter({key: n for key, n in expected_findings(root).items() if key[0].startswith("kb/html/")})


def run(*args: str, cwd: Path, timeout: int = HANG, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """The real `kb` (as `python -m kbops`), bytes in and out (a non-UTF-8 file name must not break the test).

    `prefix` wraps the command, e.g. in `setpriv` to run without the capability to bypass permissions.
    """
    try:
        return subprocess.run(
            [*prefix, sys.executable, "-m", "kbops", *args],
            cwd=cwd,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, "KB_DEBUG": ""},
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"`kb {' '.join(args)}` hung: no answer in {timeout}s") from exc


def text(result: subprocess.CompletedProcess) -> tuple[str, str]:
    return result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    out, err = text(result)
    assert "Traceback" not in out + err, err[-3000:]
    assert "internal error" not in err, err[-3000:]


def lines_naming(output: str, path: str) -> list[str]:
    """Lines of `output` that name `path` as a location (`path:LINE` or `path:`), at the start or after a space."""
    pattern = re.compile(rf"(?:^|\s){re.escape(path)}:")
    return [line for line in output.splitlines() if pattern.search(line)]
