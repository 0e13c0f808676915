"""Adding Portuguese and German is configuration plus data: kb new, lint, index, build, serve and search work.

A copy of the bundled KB with `locales = ["en", "es", "fr", "pt", "de"]` and taxonomy labels for pt/de
(no code change): docs scaffolded by `kb new --locale pt|de` are in that language, lint is clean, the index
stems Portuguese as Portuguese, the built pages say lang="pt"/"de" with Material's interface and the
navigation in that language, and `kb serve` answers a Portuguese search with the Portuguese doc.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kbops import locale as locales
from kbops.config import load_settings
from kbops.model.loader import load_corpus
from kbops.site.urls import site_layout
from tests.conftest import copy_kb
from tests.server.conftest import running_server
from tests.site.test_languages import html_lang, material_words

pytestmark = pytest.mark.slow

PT_BODY = """
Um pagamento com cartão pode ser recusado pelo comerciante ou pelo banco emissor. Os pagamentos recusados
aparecem na app com o motivo da recusa.

## Antes de começar

Tem de ter sessão iniciada na app como titular do cartão.

## Passos

1. Abra a app e toque em **Cartões**.
2. Veja o motivo do pagamento recusado.

## Se não funcionar

Contacte o suporte a partir da app em **Ajuda**.
"""

DE_BODY = """
Eine Kartenzahlung kann vom Händler oder von der ausgebenden Bank abgelehnt werden.

## Bevor Sie beginnen

Sie müssen in der App angemeldet sein.

## Schritte

1. Öffnen Sie die App und tippen Sie auf **Karten**.
2. Lesen Sie den Grund der Ablehnung.
"""


def kb(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "kbops", *args], cwd=root, capture_output=True, text=True, timeout=900)
    if check:
        assert done.returncode == 0, f"kb {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def publish(path: Path, body: str | None = None) -> None:
    text = path.read_text(encoding="utf-8").replace("status: draft", "status: published", 1)
    if body is not None:
        front, _, old_body = text.partition("\n---\n")
        title = re.search(r"^# .+$", old_body, re.M).group(0)
        text = front + "\n---\n" + title + "\n" + body
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def new_language_kb(tmp_path_factory) -> dict:
    root = copy_kb(tmp_path_factory.mktemp("pt-de") / "kbroot")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace(
            'locales = ["en", "es", "fr"]', 'locales = ["en", "es", "fr", "pt", "de"]'
        ),
        encoding="utf-8",
    )
    taxonomy = root / "taxonomy.yml"
    taxonomy.write_text(
        taxonomy.read_text(encoding="utf-8").replace(
            "  cards: {label: Corporate cards, es: Tarjetas corporativas, fr: Cartes d'entreprise}",
            "  cards: {label: Corporate cards, es: Tarjetas corporativas, fr: Cartes d'entreprise,"
            " labels: {pt: Cartões empresariais, de: Firmenkarten}}",
        ),
        encoding="utf-8",
    )
    made = {}
    for key, args in {
        "pt_article": ("article", "--title", "Pagamento com cartão recusado", "--locale", "pt", "--product", "cards"),
        "pt_sop": ("sop", "--title", "Verificar um pagamento recusado", "--locale", "pt", "--product", "cards"),
        "de_article": ("article", "--title", "Kartenzahlung abgelehnt", "--locale", "de", "--product", "cards"),
        "de_playbook": ("playbook", "--title", "Störung der Kartenzahlungen", "--locale", "de"),
    }.items():
        out = kb(root, "new", *args, "--format", "json")
        made[key] = root / json.loads(out.stdout)["path"]
    return {"root": root, **made}


def test_kb_new_scaffolds_in_portuguese_and_german(new_language_kb):
    pt = new_language_kb["pt_article"].read_text(encoding="utf-8")
    assert new_language_kb["pt_article"].name.endswith(".pt.md")
    assert "locale: pt" in pt and "## Antes de começar" in pt and "## Passos" in pt and "## Se não funcionar" in pt
    assert "## Before you start" not in pt and "## Steps" not in pt
    assert "Uma ou duas frases" in pt  # the description placeholder
    sop = new_language_kb["pt_sop"].read_text(encoding="utf-8")
    assert [h for h in re.findall(r"^## (.+)$", sop, re.M)] == ["Objetivo", "Âmbito", "Procedimento", "Escalonamento"]
    de = new_language_kb["de_playbook"].read_text(encoding="utf-8")
    assert re.findall(r"^## (.+)$", de, re.M) == ["Auslöser", "Schritte", "Kommunikation"]
    assert "## Bevor Sie beginnen" in new_language_kb["de_article"].read_text(encoding="utf-8")


def test_lint_is_clean_on_the_new_language_docs(new_language_kb):
    root = new_language_kb["root"]
    paths = [str(new_language_kb[k].relative_to(root)) for k in ("pt_article", "pt_sop", "de_article", "de_playbook")]
    done = kb(root, "lint", *paths, "--format", "json", check=False)
    findings = json.loads(done.stdout)
    findings = findings if isinstance(findings, list) else findings.get("diagnostics", findings)
    errors = [f for f in findings if f.get("severity") == "error"]
    assert done.returncode == 0 and not errors, done.stdout
    assert not [f for f in findings if f.get("code") in ("KB125", "KB126", "KB127", "KB201")], done.stdout


def test_a_portuguese_query_is_stemmed_as_portuguese():
    from kbops.search.text import analyzer_groups, language_group
    from kbops.search.whoosh.analysis import query_terms

    groups = analyzer_groups(("en", "es", "fr", "pt", "de"))
    assert language_group("pt", groups) == "pt" and language_group("de-AT", groups) == "de"
    assert locales.stemmer_language("pt-BR") == "pt"
    stems = query_terms("pagamentos recusados", "pt")
    assert stems == query_terms("pagamento recusado", "pt")  # plural and singular meet
    assert stems != query_terms("pagamentos recusados", "xx")  # unstemmed, they do not


def test_index_build_serve_and_search_in_portuguese(new_language_kb):
    root = new_language_kb["root"]
    publish(new_language_kb["pt_article"], PT_BODY)
    publish(new_language_kb["de_article"], DE_BODY)
    kb(root, "index")
    hits = json.loads(kb(root, "search", "pagamentos recusados no cartão", "--locale", "pt", "--format", "json").stdout)
    assert hits and hits[0]["id"] == "pagamento-com-cartao-recusado", hits[:3]

    kb(root, "build", "--audience", "public")
    settings = load_settings(root)
    layout = site_layout(settings)
    site = root / "site" / "public"
    corpus = load_corpus(settings)
    pages = {}
    for key, lang in (("pt_article", "pt"), ("de_article", "de")):
        doc = next(d for d in corpus.docs if root / d.relpath == new_language_kb[key])
        assert doc.locale == lang
        staged = layout.staged_path(doc.relpath)
        assert staged.startswith(f"{lang}/"), staged
        html = (site / layout.output_file(staged)).read_text(encoding="utf-8")
        pages[lang] = (layout.page_url(staged), html)
        assert html_lang(html) == lang
        words = material_words(lang)
        assert words["action.skip"] in html and words["search.placeholder"] in html  # Material's own interface
        assert material_words("en")["action.skip"] not in html
        config = json.loads(
            re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.S).group(1)
        )
        assert config["translations"]["search.result.none"] == words["search.result.none"]
    pt_html = pages["pt"][1]
    nav = pt_html[pt_html.index('class="md-nav md-nav--primary"') :]
    nav = nav[: nav.index("</nav>")]
    assert "Artigos de ajuda" in nav and "Cartões empresariais" in nav and "Help articles" not in nav
    assert "Esta página foi útil?" in pt_html and "Was this helpful?" not in pt_html
    assert "Firmenkarten" in pages["de"][1] and "War diese Seite hilfreich?" in pages["de"][1]

    with running_server(root) as server, server.client() as client:
        page = client.get("/" + pages["pt"][0])
        assert page.status_code == 200 and '<html lang="pt"' in page.text
        found = client.get("/api/search", params={"q": "pagamentos recusados", "locale": "pt"})
        assert found.status_code == 200, found.text
        results = found.json()
        results = results["hits"]
        assert results[0]["id"] == "pagamento-com-cartao-recusado", results[:3]
