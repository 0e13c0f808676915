"""`kb import zendesk` on a realistic export (search-dev articles as a Zendesk help center; see fixtures/zendesk-export/SOURCE.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import frontmatter
import pytest

from kbops.config import load_settings
from kbops.model.loader import load_corpus
from tests.conftest import run_kb
from tests.importers.conftest import EXPORT, MAPPING, TODAY, copy_export, import_zendesk, new_kb

ARTICLES = json.loads((EXPORT / "articles.json").read_text(encoding="utf-8"))["articles"]
TRANSLATIONS = json.loads((EXPORT / "translations.json").read_text(encoding="utf-8"))["translations"]


def docs_by_upstream(root: Path) -> dict[tuple[str, str], frontmatter.Post]:
    found = {}
    for path in (root / "kb").rglob("*.md"):
        post = frontmatter.load(path)
        if post.get("upstream"):
            post.metadata["_path"] = path.relative_to(root).as_posix()
            found[(post["upstream"]["id"], post["locale"])] = post
    return found


def test_every_article_and_translation_lands_with_its_mapping(imported):
    root, summary = imported
    docs = docs_by_upstream(root)
    assert summary["created"] == len(ARTICLES) + len(TRANSLATIONS) == len(docs)
    segments = {9001: "internal", 9002: "partner", 9003: "partner"}
    for article in ARTICLES:
        doc = docs[(str(article["id"]), "en")]
        assert doc["audience"] == segments.get(article["user_segment_id"], "public")
        assert doc["upstream"].get("segment_ids", []) == article["user_segment_ids"]
        assert (
            doc["upstream"]["vote_sum"] == article["vote_sum"]
            and doc["upstream"]["vote_count"] == article["vote_count"]
        )
        assert set(doc["tags"]) == {re.sub(r"[^a-z0-9]+", "-", label.lower()) for label in article["label_names"]}
        assert doc["status"] in (("draft",) if article["draft"] else ("published", "review"))
        assert doc["owner"] == {7001: "support", 7002: "ana"}.get(article["author_id"], "support")
        path = article["html_url"].split("://", 1)[1].split("/", 1)[1]
        assert path in doc["redirect_from"] and f"hc/en-us/articles/{article['id']}" in doc["redirect_from"]
        assert doc.content.startswith("# ")
    defaulted = summary["notes"]["owner defaulted to support"]
    assert len(defaulted) == sum(1 for a in ARTICLES if a["author_id"] == 7003)


def test_translations_are_stamped_unless_outdated_upstream(imported):
    root, _ = imported
    corpus = load_corpus(load_settings(root))
    docs = docs_by_upstream(root)
    for translation in TRANSLATIONS:
        doc = docs[(str(translation["source_id"]), translation["locale"])]
        source = docs[(str(translation["source_id"]), "en")]
        assert doc["translation_of"] == source["id"] and doc["id"] == f"{source['id']}-{translation['locale']}"
        if translation["outdated"]:
            assert "source_hash" not in doc.metadata
        else:
            current = corpus.by_path[source.metadata["_path"]].content_hash
            assert doc["source_hash"] == current


def test_html_is_converted_and_unsafe_parts_dropped(imported):
    root, _ = imported
    texts = {p: p.read_text(encoding="utf-8").split("\n---\n", 1)[1] for p in (root / "kb").rglob("*.md")}
    joined = "\n".join(texts.values())
    assert "<script" not in joined and "onclick" not in joined and "track()" not in joined
    assert re.search(r"^\| *-{3,} *\|", joined, re.MULTILINE)  # tables kept
    assert re.search(r"^!!! (note|tip|warning|danger)$", joined, re.MULTILINE)  # callouts became admonitions
    assert "](id:" in joined and "zendesk.com/hc/en-us/articles/3600" not in joined  # article links -> id: links
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)", joined)
    local = [i for i in images if not i.startswith("http")]
    assert local, "inline images were not copied beside their doc"
    for path, text in texts.items():
        for image in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text):
            if not image.startswith("http"):
                assert (path.parent / image).is_file(), f"{path}: {image}"


def test_lint_reports_only_what_the_summary_announced(imported):
    root, summary = imported
    done = run_kb("--root", str(root), "--today", TODAY, "lint", "--format", "json")
    found = json.loads(done.stdout)
    diagnostics = found["diagnostics"] if isinstance(found, dict) else found
    counts: dict[str, int] = {}
    for diag in diagnostics:
        counts[diag["code"]] = counts.get(diag["code"], 0) + 1
    assert counts == {code: entry["count"] for code, entry in summary["lint"].items()}
    assert done.returncode == (1 if any(e["severity"] == "error" for e in summary["lint"].values()) else 0)
    held = summary["held_back"]
    assert held and summary["publishable"] + len(held) + len(summary["drafts"]) == summary["created"]
    for code, paths in summary["blocked_by"].items():
        for path in paths:
            head = (root / path).read_text(encoding="utf-8").split("\n---", 1)[0]
            assert re.search(rf"^status: (review|draft).*{code}", head, re.MULTILINE) or "status: draft" in head


@pytest.mark.slow
def test_every_audience_builds_strict_and_nothing_leaks_down(imported, tmp_path):
    root, _ = imported
    docs = docs_by_upstream(root)
    for audience in ("public", "partner", "internal"):
        site = tmp_path / audience
        done = run_kb("--root", str(root), "--today", TODAY, "build", "--audience", audience, "--site-dir", str(site))
        assert done.returncode == 0, done.stderr
        pages = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*.html"))
        pages += "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*.json"))
        level = ("public", "partner", "internal").index(audience)
        for doc in docs.values():
            path = doc.metadata["_path"]
            above = ("public", "partner", "internal").index(doc["audience"]) > level
            images = (
                [p.name for p in (root / path).parent.glob(f"{doc['id'].rsplit('-', 1)[0]}/*.png")] if above else []
            )
            if above:
                assert doc["title"] not in pages, f"{path} ({doc['audience']}) leaked into {audience}"
                assert not any(name in (p.name for p in site.rglob("*.png")) for name in images)
            elif doc["status"] == "published":
                # every old URL of a visible doc redirects to it
                for old in doc["redirect_from"]:
                    redirect = site / old / "index.html"
                    assert redirect.is_file(), f"{old} does not redirect in the {audience} site"
                    assert 'http-equiv="refresh"' in redirect.read_text(encoding="utf-8")


@pytest.mark.slow
def test_search_finds_imported_docs(imported):
    root, _ = imported
    assert run_kb("--root", str(root), "index").returncode == 0
    docs = [
        d
        for d in docs_by_upstream(root).values()
        if d["status"] == "published" and d["audience"] == "public" and d["locale"] == "en"
    ][:5]
    for doc in docs:
        done = run_kb("--root", str(root), "search", doc["title"], "--format", "json", "--limit", "3")
        assert done.returncode == 0, done.stderr
        assert doc["id"] in [hit["id"] for hit in json.loads(done.stdout)], doc["title"]


def test_reimport_touches_only_what_changed_and_reports_conflicts_and_deletions(tmp_path):
    root = new_kb(tmp_path / "kb")
    export = copy_export(tmp_path / "export")
    code, first, _ = import_zendesk(root, str(export), "--mapping", str(MAPPING), "--no-check")
    assert code == 0 and first["created"] == len(ARTICLES) + len(TRANSLATIONS)
    code, again, _ = import_zendesk(root, str(export), "--mapping", str(MAPPING), "--no-check")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, first["created"])
    docs = docs_by_upstream(root)
    changed, edited, deleted = ARTICLES[1], ARTICLES[2], ARTICLES[3]
    data = json.loads((export / "articles.json").read_text(encoding="utf-8"))
    for article in data["articles"]:
        if article["id"] in (changed["id"], edited["id"]):
            article["body"] += "<p>Updated upstream: new paragraph.</p>"
            article["updated_at"] = "2026-12-01T08:00:00Z"
    data["articles"] = [a for a in data["articles"] if a["id"] != deleted["id"]]
    (export / "articles.json").write_text(json.dumps(data), encoding="utf-8")
    local = root / docs[(str(edited["id"]), "en")].metadata["_path"]
    local.write_text(local.read_text(encoding="utf-8") + "\nA local clarification.\n", encoding="utf-8")
    before = {p: p.stat().st_mtime_ns for p in (root / "kb").rglob("*.md")}
    code, third, _ = import_zendesk(root, str(export), "--mapping", str(MAPPING), "--no-check")
    assert code == 1  # a conflict needs a person
    changed_path = docs[(str(changed["id"]), "en")].metadata["_path"]
    assert third["updated_paths"] == [changed_path] and third["created"] == 0
    assert "new paragraph" in (root / changed_path).read_text(encoding="utf-8")
    assert [c["path"] for c in third["conflicts"]] == [local.relative_to(root).as_posix()]
    assert "A local clarification." in local.read_text(encoding="utf-8")  # never overwritten
    upstream_copy = root / third["conflicts"][0]["upstream_copy"]
    assert "new paragraph" in upstream_copy.read_text(encoding="utf-8")
    gone = docs[(str(deleted["id"]), "en")].metadata["_path"]
    assert gone in third["deleted_upstream"] and (root / gone).is_file()
    touched = [p for p in (root / "kb").rglob("*.md") if before.get(p) != p.stat().st_mtime_ns]
    assert [p.relative_to(root).as_posix() for p in touched] == [changed_path]


def test_a_broken_export_is_a_usage_error_not_a_traceback(tmp_path):
    root = new_kb(tmp_path / "kb")
    (tmp_path / "empty").mkdir()
    done = run_kb("--root", str(root), "import", "zendesk", str(tmp_path / "empty"))
    assert done.returncode == 2 and "not a Zendesk Guide export" in done.stderr and "Traceback" not in done.stderr
    export = copy_export(tmp_path / "export")
    (export / "sections.json").write_text("{not json", encoding="utf-8")
    code, summary, _ = import_zendesk(root, str(export), "--no-check")
    assert code == 0 and any("sections.json" in p for p in summary["notes"]["export problems"])


def test_hostile_records_are_listed_not_crashed_on(tmp_path):
    root = new_kb(tmp_path / "kb")
    export = copy_export(tmp_path / "export")
    data = json.loads((export / "articles.json").read_text(encoding="utf-8"))
    data["articles"][0]["id"] = "drop table"
    data["articles"][1]["user_segment_ids"] = ["staff"]
    data["articles"][2]["title"] = {"en": "x"}
    data["articles"][3]["body"] = (
        '<img src="javascript:alert(1)"><a href="data:text/html,x">x</a><iframe src="//evil"></iframe>'
    )
    data["articles"][4]["section_id"] = 424242  # a section the export does not have
    data["articles"].append(data["articles"][5])  # the same article twice (a page boundary read twice)
    (export / "articles.json").write_text(json.dumps(data), encoding="utf-8")
    code, summary, stderr = import_zendesk(root, str(export), "--no-check")
    assert code == 0 and "Traceback" not in stderr
    assert len(summary["notes"]["export problems"]) == 3
    assert summary["created"] == len(ARTICLES) - 3 + sum(
        1 for t in TRANSLATIONS if t["source_id"] not in {a["id"] for a in ARTICLES[:3]}
    )
    text = "\n".join(p.read_text(encoding="utf-8") for p in (root / "kb").rglob("*.md"))
    assert "javascript:" not in text and "data:text" not in text and "iframe" not in text
