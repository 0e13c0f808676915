"""`kb new --translation-of`: a draft translation beside its source, stamped with the source's content hash."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kbops.authoring.translate import new_translation, translation_path
from kbops.config import load_settings
from kbops.errors import KbError
from kbops.model.loader import load_corpus
from kbops.model.sections import SECTION_NAMES
from tests.conftest import run_kb


def lint_findings(root: Path) -> list[tuple[str, str, str]]:
    result = run_kb("lint", "--format", "json", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return [(d["path"], d["code"], d["message"]) for d in json.loads(result.stdout)["diagnostics"]]


def test_translation_is_stamped_localized_and_lints_clean_until_the_source_changes(kb_copy: Path):
    baseline = lint_findings(kb_copy)
    result = run_kb(
        "new",
        "troubleshooting",
        "--title",
        "Carte refusée (guide agent)",
        "--locale",
        "fr",
        "--translation-of",
        "card-declined",
        cwd=kb_copy,
    )
    assert result.returncode == 0, result.stderr
    relpath = result.stdout.strip()
    assert relpath == "playbooks/troubleshooting/card-declined.fr.md"

    corpus = load_corpus(load_settings(kb_copy))
    source, translation = corpus.get("card-declined"), corpus.get("card-declined-fr")
    assert translation.relpath == relpath and translation.schema_problems == ()
    fm = translation.frontmatter
    assert (fm.status, fm.locale, fm.translation_of, fm.source_hash) == (
        "draft",
        "fr",
        "card-declined",
        source.content_hash,
    )
    assert (fm.type, fm.audience, fm.owner, fm.intents) == (
        source.frontmatter.type,
        source.frontmatter.audience,
        source.frontmatter.owner,
        source.frontmatter.intents,
    )
    assert [h.text for h in translation.h1] == ["Carte refusée (guide agent)"]
    h2 = [h.text for h in translation.headings if h.level == 2]
    assert [SECTION_NAMES["fr"][name] for name in ("Symptoms", "Cause", "Resolution")] == h2
    # the draft is still the English source: every passage and the description are marked untranslated, and
    # KB812 says so (a warning while it is a draft); nothing else changes
    new_findings = [f for f in lint_findings(kb_copy) if f not in baseline]
    assert [(path, code) for path, code, _ in new_findings] == [(relpath, "KB812"), (relpath, "KB812")]
    assert [f for f in lint_findings(kb_copy) if f[0] != relpath] == [f for f in baseline if f[0] != relpath]

    # Editing the source makes the recorded hash stale: lint says so, naming the translation.
    source_path = kb_copy / source.relpath
    source_path.write_text(
        source_path.read_text(encoding="utf-8").replace(
            "Confirm the cardholder's identity", "Always confirm the cardholder's identity"
        ),
        encoding="utf-8",
    )
    assert any(path == relpath and code == "KB806" for path, code, _ in lint_findings(kb_copy))


@pytest.mark.parametrize(
    "source, locale, doc_type, message",
    [
        ("nope", "es", None, "no document has the id 'nope'"),
        ("card-payment-declined", "es", None, "already exists"),
        ("card-declined", "es", "sop", "is a troubleshooting, not a sop"),
        ("card-payment-declined", "en", None, "already in 'en'"),
        ("home-es", "fr", None, "is itself a translation"),
        ("card-renewal", "de", None, "unknown locale 'de'"),
    ],
)
def test_translation_refusals_write_nothing(kb_copy: Path, source: str, locale: str, doc_type, message: str):
    before = sorted(p.relative_to(kb_copy) for p in kb_copy.rglob("*.md"))
    with pytest.raises(KbError, match=re.escape(message)) as raised:
        new_translation(load_settings(kb_copy), source, locale, "Tarjeta rechazada", doc_type=doc_type)
    assert raised.value.exit_code == 2
    assert sorted(p.relative_to(kb_copy) for p in kb_copy.rglob("*.md")) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--translation-of", "card-payment-declined"], "needs --locale"),
        (["--locale", "es", "--owner", "compliance", "--translation-of", "card-renewal"], "inherits"),
    ],
)
def test_translation_cli_usage_errors_exit_2(kb_copy: Path, args: list[str], message: str):
    result = run_kb("new", "article", "--title", "Tarjeta rechazada", *args, cwd=kb_copy)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_translation_path_convention():
    assert translation_path("kb/payments/card-payment-declined.md", "es") == "kb/payments/card-payment-declined.es.md"
    assert translation_path("kb/index.md", "fr") == "kb/index.fr.md"
