"""The manual (docs/) is a kbops knowledge base: lint clean, built strictly per audience, references current."""

from __future__ import annotations

import json
import re

import pytest

from kbops.reference import REGENERATE, generated_pages
from tests.conftest import REPO, run_kb

DOCS = REPO / "docs"
ROLE_GUIDES = ("writer", "reviewer", "agent", "manager", "operator")


@pytest.mark.parametrize("relpath", sorted(generated_pages()))
def test_generated_reference_is_current(relpath):
    path = DOCS / relpath
    assert path.is_file(), f"{path} is missing; run: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == generated_pages()[relpath], f"{path} is stale; run: {REGENERATE}"


def test_manual_is_lint_clean():
    result = run_kb("lint", "--format", "json", cwd=DOCS)
    report = json.loads(result.stdout)
    shown = "\n".join(f"{d['path']}:{d['line']}: {d['code']} {d['message']}" for d in report["diagnostics"])
    assert result.returncode == 0 and report["errors"] == 0 and report["warnings"] == 0, shown


@pytest.mark.parametrize("audience", ["public", "partner"])
def test_manual_builds_strictly_for_each_audience(audience, tmp_path):
    site = tmp_path / audience
    result = run_kb("build", "--audience", audience, "--site-dir", str(site), cwd=DOCS)
    assert result.returncode == 0, result.stderr
    for guide in ROLE_GUIDES:
        page = site / "guides" / guide / "index.html"
        assert page.is_file() == (guide != "agent" or audience == "partner"), f"{guide} guide on the {audience} site"
    assert (site / "reference" / "cli" / "index.html").is_file()
    assert (
        "agent-guide" not in (site / "search" / "search_index.json").read_text(encoding="utf-8")
        or audience == "partner"
    )


def test_readme_is_short_and_links_each_role():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150, f"README.md has {len(readme.splitlines())} lines; the manual is docs/"
    for guide in ROLE_GUIDES:
        assert re.search(rf"\]\(docs/kb/guides/{guide}\.md\)", readme), f"README links no {guide} guide"
