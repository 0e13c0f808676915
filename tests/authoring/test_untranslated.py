"""A new translation marks what is still in the source language; KB812 catches a translation left untranslated."""

from __future__ import annotations

import json
import re
from pathlib import Path

from kbops.authoring.untranslated import mark_body, mark_field
from kbops.config import load_settings
from kbops.language import BODY_MARKER, FIELD_MARKER
from kbops.model.loader import load_corpus
from kbops.model.markdown import parser
from tests.conftest import run_kb


def kb812(root: Path, relpath: str) -> list[dict]:
    result = run_kb("lint", relpath, "--select", "KB812", "--format", "json", "--no-cache", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["diagnostics"]


def test_every_untranslated_field_and_passage_is_marked(kb_copy: Path):
    result = run_kb(
        "new",
        "sop",
        "--title",
        "Autorizar una carga manual",
        "--locale",
        "es",
        "--translation-of",
        "authorise-manual-card-load",
        cwd=kb_copy,
    )
    assert result.returncode == 0, result.stderr
    relpath = result.stdout.strip()
    text = (kb_copy / relpath).read_text(encoding="utf-8")
    front, body = text.split("\n---\n", 1)
    assert re.search(rf"^description: .+  {FIELD_MARKER}$", front, re.M)
    doc = load_corpus(load_settings(kb_copy)).by_path[relpath]
    # every paragraph, list item and table row outside code carries the marker; translated headings do not
    for block in doc.blocks:
        if block.kind == "text" and re.search(r"[A-Za-z]{3}", block.text):
            line = text.split("\n")[block.line - 1]
            assert BODY_MARKER in line or not line.strip() or line.lstrip().startswith("#"), line
    headings = [h.text for h in doc.headings]
    assert headings[:2] == ["Autorizar una carga manual", "Propósito"]
    assert all(BODY_MARKER not in line for line in text.split("\n") if line.startswith("## "))
    assert doc.schema_problems == ()
    assert "table_open" in {t.type for t in parser().parse(body)}  # the marked table still parses as a table
    findings = kb812(kb_copy, relpath)
    assert {d["severity"] for d in findings} == {"warning"} and len(findings) == 2


def test_a_spanish_translation_left_in_english_fails_lint_once_published(kb_copy: Path):
    relpath = run_kb(
        "new",
        "article",
        "--title",
        "Renovación de la tarjeta",
        "--locale",
        "es",
        "--translation-of",
        "card-renewal",
        cwd=kb_copy,
    ).stdout.strip()
    path = kb_copy / relpath
    # the translator removes the markers but leaves the English text
    text = path.read_text(encoding="utf-8").replace(f" {BODY_MARKER}", "").replace(f"  {FIELD_MARKER}", "")
    path.write_text(text, encoding="utf-8")
    draft = kb812(kb_copy, relpath)
    assert [(d["severity"], d["message"].split(":")[0]) for d in draft] == [
        ("warning", "body is in English, not Spanish (locale")
    ]
    path.write_text(text.replace("status: draft", "status: published"), encoding="utf-8")
    published = run_kb("lint", relpath, "--no-cache", cwd=kb_copy)
    assert published.returncode == 1
    assert re.search(
        rf"^{re.escape(relpath)}:\d+:1: KB812 body is in English, not Spanish \(locale: es\)", published.stdout, re.M
    )


def test_marking_leaves_code_html_and_kept_headings_alone():
    body = (
        "# Título\n\n## Propósito\n\n## Details\n\nA paragraph\nthat wraps.\n\n```\nkb lint\n```\n\n"
        "<div>raw</div>\n\n- item one\n- item two\n\n| a | b |\n|---|---|\n| c | d |\n"
    )
    marked = mark_body(body, {"Título", "Propósito"}).split("\n")
    assert [line for line in marked if BODY_MARKER in line] == [
        f"## Details {BODY_MARKER}",
        f"A paragraph {BODY_MARKER}",
        f"- item one {BODY_MARKER}",
        f"- item two {BODY_MARKER}",
        f"| a {BODY_MARKER} | b |",
        f"| c {BODY_MARKER} | d |",
    ]
    assert "kb lint" in marked and "<div>raw</div>" in marked
    assert mark_field("---\ntitle: T\ndescription: Hello there\n", "description").endswith(
        f"description: Hello there  {FIELD_MARKER}\n"
    )
