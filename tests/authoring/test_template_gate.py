"""Lint is the gate for what `kb new` writes: a fresh draft builds, and its example text cannot be published."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import run_kb

LOCALES = ("en", "es", "fr")


def _new(root, locale: str) -> str:
    made = run_kb(
        "new", "article", "--title", f"Freeze a lost card {locale}", "--product", "cards", "--locale", locale, cwd=root
    )
    assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[0]


def test_fresh_articles_in_every_language_lint_and_build(kb_copy, tmp_path):
    """The templates' guidance comments once held `[Title](id:doc-id)`: lint passed, the strict build failed."""
    paths = [_new(kb_copy, locale) for locale in LOCALES]
    linted = run_kb("lint", *paths, "--format", "json", cwd=kb_copy)
    codes = {d["code"] for d in json.loads(linted.stdout)["diagnostics"]}
    assert "KB307" not in codes and "KB303" not in codes, linted.stdout
    built = run_kb("build", "--draft-preview", "--site-dir", str(tmp_path / "site"), cwd=kb_copy)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "cards" / "freeze-a-lost-card-en" / "index.html").is_file()


@pytest.mark.parametrize("locale", LOCALES)
def test_unchanged_template_cannot_leave_draft(kb_copy, locale):
    relpath = _new(kb_copy, locale)
    path = kb_copy / relpath
    text = path.read_text(encoding="utf-8")
    text = text.replace("status: draft", "status: published").replace("sample_queries: []", "sample_queries: [a, b, c]")
    path.write_text(text, encoding="utf-8")
    linted = run_kb("lint", relpath, cwd=kb_copy)
    assert linted.returncode == 1
    lines = linted.stdout.splitlines()
    description_line = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("description:"))
    assert f"{relpath}:{description_line}:1: KB207 description is the template's example" in linted.stdout
    steps = [line for line in lines if re.search(r"KB207 example text of the article\.\w+ template", line)]
    assert len(steps) >= 4, linted.stdout  # the first paragraph, the prerequisite and each example step
    assert any("KB208 placeholder sample queries 'a', 'b', 'c'" in line for line in lines), linted.stdout


def test_a_left_in_sample_link_comment_is_a_lint_error_like_the_build(kb_copy, tmp_path):
    relpath = _new(kb_copy, "en")
    path = kb_copy / relpath
    path.write_text(path.read_text(encoding="utf-8") + "\n<!-- e.g. [Title](id:doc-id) -->\n", encoding="utf-8")
    linted = run_kb("lint", relpath, cwd=kb_copy)
    assert linted.returncode == 1 and "KB307 link to unknown id 'doc-id' inside an HTML comment" in linted.stdout
    built = run_kb("build", "--draft-preview", "--site-dir", str(tmp_path / "site"), cwd=kb_copy)
    assert built.returncode == 1 and "doc-id" in built.stderr  # the build agrees: this is why lint reports it
