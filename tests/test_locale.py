"""kbops.locale: codes, the configured set, a doc's locale and the per-language data every other module asks for."""

from __future__ import annotations

import re

import pytest

from kbops import locale as locales
from kbops.config import load_settings
from kbops.model.loader import load_corpus
from kbops.model.schema import DocType
from kbops.model.sections import REQUIRED_SECTIONS
from kbops.site import labels


@pytest.mark.parametrize(
    "code, language, region", [("en", "en", None), ("pt-BR", "pt", "BR"), ("es-419", "es", None), ("fil", "fil", None)]
)
def test_parse_locale(code, language, region):
    parsed = locales.parse_locale(code)
    assert (parsed.language, locales.region_of(code)) == (language, region)


@pytest.mark.parametrize("code", ["", "EN", "pt_BR", "pt-br", "english", "e", "es-MX-x", None, 3, "en\n"])
def test_front_matter_and_configuration_codes_are_strict(code):
    assert not locales.is_locale(code)
    with pytest.raises(ValueError, match="BCP 47"):
        locales.parse_locale(code)


@pytest.mark.parametrize(
    "code, ok",
    [
        ("pt_br", True),
        ("zh-Hant", True),
        ("es-419", True),
        ("en", True),
        ("../x", False),
        ("e", False),
        ("en-", False),
        ("<script>", False),
        ("en-US-x", False),
    ],
)
def test_client_codes_are_lenient_but_safe(code, ok):
    assert locales.looks_like_locale(code) is ok


@pytest.mark.parametrize("code, language", [("es-MX", "es"), ("pt_BR", "pt"), ("FR", "fr"), (None, ""), ("", "")])
def test_language_of(code, language):
    assert locales.language_of(code) == language


def test_file_name_suffixes():
    assert locales.suffix_locale("kb/cards/x.pt.md") == ("kb/cards/x", "pt")
    assert locales.suffix_locale("kb/cards/x.pt-BR.md") == ("kb/cards/x", "pt-BR")
    assert locales.suffix_locale("kb/x.md") == ("kb/x", None)
    assert locales.suffix_locale("kb/faq.old.md") == ("kb/faq.old", None)  # three letters: a name, not a language
    assert locales.localized_path("kb/x.md", "de", "en") == "kb/x.de.md"
    assert locales.localized_path("kb/x.es.md", "en", "en") == "kb/x.md"


def test_resolve_locale_prefers_exact_then_language_then_default():
    configured = ("en", "es-MX", "pt")
    assert locales.resolve_locale("es-MX", configured, "en") == "es-MX"
    assert locales.resolve_locale("es", configured, "en") == "es-MX"
    assert locales.resolve_locale("pt-BR", configured, "en") == "pt"
    assert locales.resolve_locale("de", configured, "en") == "en"


def test_a_doc_without_locale_is_in_the_configured_default(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kbops]\ndefault_locale = "es"\nlocales = ["es", "en"]\n', encoding="utf-8"
    )
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "x.md").write_text(
        "---\nid: x\ntitle: Tarjeta rechazada\ndescription: Por qué se rechaza un pago.\ntype: article\nstatus: draft\n"
        "audience: public\nowner: cards\n---\n# Tarjeta rechazada\n",
        encoding="utf-8",
    )
    doc = load_corpus(load_settings(tmp_path)).docs[0]
    assert doc.locale == "es" and doc.frontmatter.locale == "es"


def test_analysis_interface_and_model_support_per_language():
    assert locales.stemmer_language("pt-BR") == "pt" and locales.stopword_language("de") == "de"
    assert locales.stemmer_language("ja") is None and locales.stemmer_language(None) is None
    material = {"en", "pt", "pt-BR", "de"}
    assert locales.interface_language("pt-BR", material, "en") == "pt-BR"
    assert locales.interface_language("de-AT", material, "en") == "de"
    assert locales.interface_language("nl", material, "en") == "en"
    assert locales.embedding_supports("pt-BR") and not locales.embedding_supports("tlh")


def test_a_language_without_data_falls_back_to_english():
    assert not locales.has_language_data("nl") and not locales.has_templates("nl")
    assert locales.section_names("nl") == locales.section_names("en")
    assert locales.site_words("nl", "feedback")["title"] == "Was this helpful?"
    assert labels.label("owner", "nl") == "Owner" and labels.label("owner", "pt-BR") == "Responsável"


SHIPPED = locales.shipped_languages()


def test_the_shipped_languages():
    assert set(SHIPPED) >= {"en", "es", "fr", "pt", "de", "it"}


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_language_is_complete(code):
    assert locales.language_name(code) != code and locales.english_name(code) != code
    canonical = {name for names in REQUIRED_SECTIONS.values() for name in names}
    assert set(locales.language_data(code, "sections")) == canonical
    assert len(set(locales.section_names(code).values())) == len(canonical)  # no two sections share a heading
    assert set(locales.site_words(code, "feedback")) == set(locales.site_words("en", "feedback"))
    assert locales.language_regions(code)
    for doc_type in DocType:
        source = locales.template_source(doc_type.value, code)
        assert source is not None, f"{code}: no {doc_type.value} template"
        text = source.read_text(encoding="utf-8")
        assert text.startswith("# {{ title }}\n")
        slots = re.findall(r"\{\{\s*section:(\w+)\s*\}\}", text)
        assert slots == REQUIRED_SECTIONS.get(doc_type.value, []), (code, doc_type.value, slots)
    if code not in ("en", "es", "fr"):  # the site's words of a data-only language: every key of every table
        site = locales.language_data(code, "site")
        for group, table in {
            "labels": labels._LABELS,
            "auth": labels.AUTH_LABELS,
            "audiences": labels.AUDIENCE_NAMES,
            "search": labels.SEARCH_LABELS,
            "types": labels.TYPE_LABELS,
        }.items():
            assert set(site[group]) == set(table), (code, group, set(table) ^ set(site[group]))
            for key, word in site[group].items():
                assert set(re.findall(r"\{\w+\}", word)) == set(re.findall(r"\{\w+\}", table[key]["en"])), (code, key)
        assert set(site["landing"]) == set(labels.AUDIENCE_LANDING)
