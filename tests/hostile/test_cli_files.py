"""Every hostile file through every command: one diagnostic naming path:line, the right exit code, no
traceback, no hang, nothing read through a link out of the KB, no script from content in the site.

The hostile KB is built once and each command runs once over all of it (a few seconds each); the
tests below then check each case in each command's output.
"""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest

from tests.hostile.corpus import (
    HEAVY,
    NON_UTF8_NAME,
    PASSWD_MARKERS,
    PATHOLOGICAL,
    assert_no_traceback,
    html_expectations,
    lines_naming,
    make_hostile_kb,
    run,
    text,
)
from tests.hostile.html_scan import content_scripts

REVIEWER = "lucia.martin@acme-cards.test"
COMMANDS = ("lint", "index", "search", "export", "build", "build-lenient", "approve")
EXIT = {"lint": 1, "index": 0, "search": 0, "export": 0, "build": 1, "build-lenient": 0, "approve": 2}
LINT_LINE = re.compile(r"^(?P<path>\S+?):(?P<line>\d+):(?P<col>\d+): (?P<code>KB\d{3}) ", re.MULTILINE)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("hostile") / "kbroot"
    refused = make_hostile_kb(root)
    approve_targets = [str(root / r.path) for r in refused if "\\x" not in r.path]  # non-UTF-8 names: added as bytes
    approve_targets.append(os.fsdecode(os.path.join(os.fsencode(root / "kb" / "odd"), NON_UTF8_NAME)))
    results = {
        "lint": run("lint", "--no-cache", cwd=root),
        "index": run("index", cwd=root),
        "search": run("search", "card", "--audience", "internal", "--format", "json", cwd=root),
        "export": run("export", "--audience", "internal", cwd=root),
        "build": run("build", cwd=root),
        "build-lenient": run("build", "--no-strict", "--site-dir", str(root / "site" / "lenient"), cwd=root),
        "approve": run("approve", "--as", REVIEWER, *approve_targets, cwd=root),
    }
    return {"root": root, "refused": refused, "results": results}


@pytest.mark.parametrize("command", COMMANDS)
def test_command_exits_as_documented_without_traceback(hostile, command):
    result = hostile["results"][command]
    assert_no_traceback(result)
    out, err = text(result)
    assert result.returncode == EXIT[command], (command, result.returncode, err[-2000:])


@pytest.mark.parametrize("command", COMMANDS)
def test_no_command_reads_through_a_link_out_of_the_kb(hostile, command):
    out, err = text(hostile["results"][command])
    assert not any(marker in out + err for marker in PASSWD_MARKERS)


def _where(command: str, results: dict) -> str:
    out, err = text(results[command])
    return out if command == "lint" else err


@pytest.mark.parametrize("command", ["lint", "index", "export", "build", "approve"])
def test_each_refused_file_is_named_once_with_its_line(hostile, command):
    output = _where(command, hostile["results"])
    problems = []
    for case in hostile["refused"]:
        if command == "approve" and case.path.endswith("\\xf4t"):
            continue  # approving a folder approves the files in it; this one's name is reported by the walk elsewhere
        named = lines_naming(output, case.path)
        if command == "lint":
            expected = f"{case.path}:{case.line}:1: {case.code} "
            if case.lint_only:  # a parsed doc may have other findings; the case's own is there once
                named = [line for line in named if f" {case.code} " in line]
        elif case.lint_only:  # a schema problem: "path:line: invalid front-matter: ..."
            expected = f"{case.path}:{case.line}: "
        else:
            expected = f"{case.path}:{case.line}: {case.code} "
        if len(named) != 1 or expected not in named[0]:
            problems.append((case.path, expected, named))
    assert not problems, f"{command}:\n" + "\n".join(map(str, problems))


def test_duplicate_audience_is_never_published(hostile):
    root = hostile["root"]
    export, _ = text(hostile["results"]["export"])
    search, _ = text(hostile["results"]["search"])
    assert "duplicate-audience" not in export and "duplicate-audience" not in search
    site = root / "site" / "lenient"
    assert not any(
        "INTERNAL-ONLY-MARKER" in p.read_text(encoding="utf-8", errors="replace")
        for p in site.rglob("*")
        if p.is_file()
    )


def test_special_files_are_left_as_they_were(hostile):
    odd = hostile["root"] / "kb" / "odd"
    assert os.readlink(odd / "passwd.md") == "/etc/passwd" and (odd / "fifo.md").is_fifo()
    root = hostile["root"]
    for path in [*(root / "site").rglob("*"), *(root / ".kb").rglob("*")]:  # sites, staging, index, caches
        if path.is_file() and not path.is_symlink():
            content = path.read_bytes().decode("utf-8", errors="replace")
            assert not any(marker in content for marker in PASSWD_MARKERS), path
    _, build_err = text(hostile["results"]["build"])
    assert len(lines_naming(build_err, "kb/odd/logo.png")) == 1 and "not copied to the site" in build_err


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_lines_are_checked_indexed_and_built(hostile, name):
    """A valid doc with a pathological line: no hang in any command; the build stages heavy paragraphs as text."""
    path = f"kb/lines/{name}.md"
    for command in ("lint", "index", "export"):
        out, err = text(hostile["results"][command])
        assert not [line for line in lines_naming(out + err, path) if re.search(r" KB0\d\d ", line)], command
    _, build_err = text(hostile["results"]["build"])
    heavy = [line for line in lines_naming(build_err, path) if "rendered as plain text" in line]
    assert len(heavy) == 1 if name in HEAVY else len(heavy) <= 1, heavy
    page = hostile["root"] / "site" / "lenient" / "lines" / name / "index.html"
    assert page.is_file(), page


def test_strict_build_reports_unsafe_html_like_lint(hostile):
    expected = html_expectations(hostile["root"])
    lint_out, _ = text(hostile["results"]["lint"])
    linted = Counter(
        (m["path"], int(m["line"]), m["code"])
        for m in LINT_LINE.finditer(lint_out)
        if m["path"].startswith("kb/html/") and m["code"].startswith("KB6")
    )
    assert linted == expected
    _, build_err = text(hostile["results"]["build"])
    built = {(m[1], int(m[2]), m[3]) for m in re.finditer(r"(kb/html/\S+?):(\d+): (KB6\d\d) ", build_err)}
    assert built == set(expected)  # MkDocs logs a repeated warning once


def test_lenient_build_has_no_script_from_content(hostile):
    site = hostile["root"] / "site" / "lenient"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    found = {str(p.relative_to(site)): content_scripts(p.read_text(encoding="utf-8")) for p in pages}
    assert {page: bad for page, bad in found.items() if bad} == {}


def test_titles_and_front_matter_render_as_text(hostile):
    site = hostile["root"] / "site" / "lenient"
    page = (site / "html" / "script-title" / "index.html").read_text(encoding="utf-8")
    shown = "&lt;script&gt;alert('title')&lt;/script&gt; Card fees"
    assert shown.replace("'", "&#x27;") in page or shown in page
    assert f"<title>{shown}" in page.replace("&#x27;", "'")
    home = (site / "index.html").read_text(encoding="utf-8").replace("&#x27;", "'")
    assert shown in home  # the landing list
    # The navigation (each page shows its own language's section, its own branch expanded) escapes it too.
    nav = page.replace("&#x27;", "'")
    assert shown in nav[nav.index("md-nav--primary") :]
    assert not (site / "escape").exists() and not (hostile["root"] / "site" / "escape").exists()
