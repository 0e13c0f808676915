"""`kb new`: every type and locale scaffolds a schema-valid draft; bad input exits 2 and writes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from kbops.authoring.new import TYPE_FOLDERS, free_id, new_document, render_body
from kbops.config import load_settings
from kbops.errors import KbError
from kbops.model.governance import load_governance
from kbops.model.loader import parse_document
from kbops.model.schema import json_schema
from kbops.model.sections import REQUIRED_SECTIONS, SECTION_NAMES
from tests.conftest import run_kb

TYPES = ("article", "sop", "troubleshooting", "playbook", "template")
LOCALES = ("en", "es", "fr")
TITLES = {"en": "Replace a damaged card", "es": "Sustituir una tarjeta dañada", "fr": "Remplacer une carte abîmée"}


def _front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("doc_type", TYPES)
def test_new_scaffolds_a_valid_draft(kb_copy: Path, doc_type: str, locale: str):
    made = new_document(load_settings(kb_copy), doc_type, TITLES[locale], locale=locale)
    created = {"path": made.relpath, "id": made.id}
    path = kb_copy / created["path"]
    assert path.is_file()
    assert created["path"].startswith(TYPE_FOLDERS[doc_type] + "/")
    assert created["path"].endswith(".md" if locale == "en" else f".{locale}.md")

    doc = parse_document(created["path"], path.read_bytes())
    assert doc.problems == () and doc.schema_problems == (), doc.schema_problems
    fm = doc.frontmatter
    assert (fm.status, fm.type, fm.locale, fm.title) == ("draft", doc_type, locale, TITLES[locale])
    assert fm.id == created["id"] and fm.last_reviewed is not None
    assert fm.owner in load_governance(kb_copy / "governance.yml").teams
    assert [h.text for h in doc.h1] == [TITLES[locale]]
    headings = [h.text for h in doc.headings if h.level == 2]
    for canonical in REQUIRED_SECTIONS.get(doc_type, []):
        assert SECTION_NAMES[locale][canonical] in headings
    assert all(h.has_content for h in doc.headings if h.level == 2)

    # The same front-matter passes the JSON Schema that editors use (`kb schema`).
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc.meta, json_schema())  # dates as text, as YAML 1.2 editors read them


def test_new_id_is_accent_folded_and_file_goes_to_product_folder(kb_copy: Path):
    result = run_kb(
        "new",
        "article",
        "--title",
        "¿Por qué el cajero retuvo mi tarjeta?",
        "--locale",
        "es",
        "--product",
        "cards",
        cwd=kb_copy,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "kb/cards/por-que-el-cajero-retuvo-mi-tarjeta.es.md"
    fm = _front_matter((kb_copy / result.stdout.strip()).read_text(encoding="utf-8"))
    assert fm["id"] == "por-que-el-cajero-retuvo-mi-tarjeta"
    assert fm["owner"] == "cards-support"  # the team that owns most card docs


def test_new_refuses_to_overwrite_and_suggests_a_free_id(kb_copy: Path):
    existing = kb_copy / "kb/cards/lost-or-stolen-card.md"
    before = existing.read_bytes()
    result = run_kb("new", "article", "--title", "Lost or stolen card", "--product", "cards", cwd=kb_copy)
    assert result.returncode == 2
    assert "already used" in result.stderr and "--id lost-or-stolen-card-2" in result.stderr
    assert existing.read_bytes() == before

    again = run_kb(
        "new",
        "article",
        "--title",
        "Lost or stolen card",
        "--product",
        "cards",
        "--id",
        "lost-or-stolen-card-2",
        cwd=kb_copy,
    )
    assert again.returncode == 0, again.stderr
    assert (kb_copy / "kb/cards/lost-or-stolen-card-2.md").is_file()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(doc_type="faq"), "unknown type 'faq'"),
        (dict(locale="de"), "unknown locale 'de'"),
        (dict(owner="nobody"), "unknown owner 'nobody'"),
        (dict(product="crypto"), "unknown product 'crypto'"),
        (dict(audience="everyone"), "unknown audience 'everyone'"),
        (dict(title="??!"), "cannot make an id"),
    ],
)
def test_new_rejects_bad_input_and_writes_nothing(kb_copy: Path, kwargs: dict, message: str):
    before = sorted(p.relative_to(kb_copy) for p in kb_copy.rglob("*.md"))
    args = {"doc_type": "article", "title": "Card declined", **kwargs}
    with pytest.raises(KbError, match=re.escape(message)) as raised:
        new_document(load_settings(kb_copy), args.pop("doc_type"), args.pop("title"), **args)
    assert raised.value.exit_code == 2
    assert sorted(p.relative_to(kb_copy) for p in kb_copy.rglob("*.md")) == before


def test_new_cli_bad_input_exits_2_without_traceback(kb_copy: Path):
    result = run_kb("new", "faq", "--title", "Card declined", cwd=kb_copy)
    assert result.returncode == 2
    assert "unknown type 'faq'" in result.stderr and "Traceback" not in result.stderr


def test_free_id_skips_taken_ids():
    assert free_id("card-declined", set()) == "card-declined"
    assert free_id("card-declined", {"card-declined", "card-declined-2"}) == "card-declined-3"


def test_templates_use_the_shared_section_names():
    for locale in LOCALES:
        body = render_body("playbook", "Card outage", locale)
        assert "{{" not in body
        for canonical in REQUIRED_SECTIONS["playbook"]:
            assert f"## {SECTION_NAMES[locale][canonical]}\n" in body


def test_default_owner_is_a_declared_team(kb_copy: Path):
    settings = load_settings(kb_copy)
    created = new_document(settings, "playbook", "Card processing outage")
    assert created.owner in load_governance(settings.governance_path).teams
    assert created.relpath == "playbooks/card-processing-outage.md"


def test_new_cli_prints_json(kb_copy: Path):
    result = run_kb("new", "troubleshooting", "--title", "Contactless refused", "--format", "json", cwd=kb_copy)
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["path"] == "playbooks/troubleshooting/contactless-refused.md"
    assert created["id"] == "contactless-refused" and created["audience"] == "public"
    assert (kb_copy / created["path"]).is_file()


def test_fresh_drafts_of_every_type_and_locale_lint_clean(kb_copy: Path):
    """Drafts from every template add no lint finding to the bundled KB (whatever its own state)."""

    def findings() -> list[tuple[str, str, str]]:
        result = run_kb("lint", "--format", "json", cwd=kb_copy)
        assert result.returncode in (0, 1), result.stderr
        return [(d["path"], d["code"], d["message"]) for d in json.loads(result.stdout)["diagnostics"]]

    baseline = findings()
    settings = load_settings(kb_copy)
    created = [new_document(settings, t, f"{TITLES[loc]} {t}", locale=loc).relpath for t in TYPES for loc in LOCALES]
    after = findings()
    assert [f for f in after if f[0] in created] == []
    assert sorted(after) == sorted(baseline)


def test_new_keeps_codeowners_in_sync_when_the_file_exists(kb_copy):
    import shutil

    from tests.conftest import REPO

    assert not (kb_copy / ".github/CODEOWNERS").exists()
    plain = run_kb("new", "troubleshooting", "--title", "Contactless payment refused", cwd=kb_copy)
    assert plain.returncode == 0 and not (kb_copy / ".github").exists()  # never created by kb new
    (kb_copy / ".github").mkdir()
    shutil.copy2(REPO / ".github/CODEOWNERS", kb_copy / ".github/CODEOWNERS")
    assert run_kb("codeowners", cwd=kb_copy).returncode == 0  # includes the first new doc
    result = run_kb(
        "new", "sop", "--title", "Reverse a manual load", "--product", "top-ups", "--owner", "banking-ops", cwd=kb_copy
    )
    assert result.returncode == 0, result.stderr
    relpath = result.stdout.strip()
    assert "updated .github/CODEOWNERS" in result.stderr
    assert f"/{relpath} @northwind/banking-ops" in (kb_copy / ".github/CODEOWNERS").read_text()
    check = run_kb("lint", "--select", "KB809", cwd=kb_copy)
    assert check.returncode == 0, check.stdout
    translation = run_kb(
        "new",
        "sop",
        "--title",
        "Revertir una carga manual",
        "--locale",
        "es",
        "--translation-of",
        "reverse-a-manual-load",
        "--format",
        "json",
        cwd=kb_copy,
    )
    assert json.loads(translation.stdout)["codeowners"] == "updated"
    assert run_kb("codeowners", "--check", cwd=kb_copy).returncode == 0
