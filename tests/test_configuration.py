"""`[tool.kbops]` is one model validated whole: every mistake at once with its key path, typed sections, `kb config`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest

from kbops.config import load_settings
from kbops.configuration import KbopsConfig, validate_config
from kbops.errors import ConfigError
from kbops.search.config import SearchConfig, search_config
from kbops.server.config import ServerConfig
from tests.conftest import REPO
from tests.search.test_embedding import tiny_model_dir, tiny_tokenizer  # noqa: F401 - fixtures

FIVE_MISTAKES = """
[tool.kbops]
locales = ["en", "es", "pt_BR"]
colour = "blue"

[tool.kbops.search]
model_max_length = 4
lexical_weight = {en = "high"}

[tool.kbops.server]
port = 70000
"""


def kb(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kbops", *args], cwd=root, capture_output=True, text=True, timeout=300)


def test_five_mistakes_in_three_tables_are_reported_at_once(tmp_path):
    (tmp_path / "pyproject.toml").write_text(FIVE_MISTAKES, encoding="utf-8")
    done = kb(tmp_path, "config")
    assert done.returncode == 2 and done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("kb: error: ")]
    assert len(errors) == 5, done.stderr
    expected = [
        "[tool.kbops] locales: locales[2] 'pt_BR' is not a BCP 47 code",
        "[tool.kbops] colour: unknown key; allowed: roots, default_locale, locales",
        "[tool.kbops.search] model_max_length: Input should be greater than or equal to 8",
        "[tool.kbops.search] lexical_weight.en: Input should be a valid number",
        "[tool.kbops.server] port: Input should be less than or equal to 65535",
    ]
    for fragment in expected:
        assert sum(fragment in line for line in errors) == 1, (fragment, errors)
    # Every command validates the same way before it runs (here lint, which reads none of these tables).
    lint = kb(tmp_path, "lint")
    assert lint.returncode == 2 and lint.stderr.count("kb: error: ") == 5


@pytest.mark.parametrize(
    "table, where",
    [
        ({"site": {"theme": "dark"}}, "[tool.kbops.site] theme: unknown key"),
        ({"governance": {"file": "g.yml"}}, "[tool.kbops.governance] file: unknown key"),
        ({"search": "fast"}, "[tool.kbops] search: expected a table"),
        (
            {"locales": ["en", "pt"], "default_locale": "de"},
            "[tool.kbops] default_locale: 'de' is not one of locales (en, pt)",
        ),
        ({"locales": ["en", "en"]}, "locales[1] 'en' is listed twice"),
        ({"today": "2026-13-01"}, "[tool.kbops] today: month must be in 1..12"),
        (
            {"analytics": {"gap_limit": 0}},
            "[tool.kbops.analytics] gap_limit: Input should be greater than or equal to 1",
        ),
        (
            {"lint": {"terms": {"en": {"prefered": {}}}}},
            "[tool.kbops.lint] terms.en.prefered: unknown key; allowed: preferred, forbidden",
        ),
    ],
)
def test_each_table_is_checked_with_its_key_path(table, where):
    config, problems = validate_config(table)
    assert config is None and any(where in p for p in problems), problems


def test_sections_are_validated_once_and_handed_out_typed(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kbops]\nlocales = ["en", "pt"]\n[tool.kbops.search]\nembed_chunks = 3\n[tool.kbops.server]\nsite_dir = "public-sites"\n',
        encoding="utf-8",
    )
    settings = load_settings(tmp_path)
    assert isinstance(settings.config, KbopsConfig) and settings.locales == ("en", "pt")
    assert search_config(settings) is settings.config.search and search_config(settings).embed_chunks == 3
    assert settings.section("server", ServerConfig).site_dir == "public-sites"


def test_the_bundled_configuration_is_valid_against_the_schema_and_printed_whole():
    schema = json.loads(kb(REPO, "config", "--schema").stdout)
    table = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["kbops"]
    jsonschema.validate(table, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**table, "colour": "blue"}, schema)
    done = kb(REPO, "config")
    assert done.returncode == 0, done.stderr
    printed = tomllib.loads(done.stdout)["tool"]["kbops"]  # the text form is TOML a project could paste
    assert printed["locales"] == ["en", "es", "fr"] and printed["search"]["mrr_floor"] == 0.8  # from pyproject.toml
    assert printed["search"]["embed_chunks"] == 2 and printed["server"]["site_dir"] == "site"  # defaults filled in
    assert "# model_max_length = (unset)" in done.stdout
    as_json = json.loads(kb(REPO, "config", "--format", "json").stdout)
    assert as_json["lint"]["max_sentence_words"] == 40 and set(as_json) == set(KbopsConfig.model_fields)


def test_the_pseudonym_salt_is_never_printed(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kbops.server]\nuser_salt = "s3cret-salt-value"\n', encoding="utf-8")
    done = kb(tmp_path, "config", "--format", "json")
    assert (
        done.returncode == 0
        and "s3cret" not in done.stdout
        and json.loads(done.stdout)["server"]["user_salt"] == "(set)"
    )


def test_a_model_folders_own_max_length_applies_when_pyproject_sets_none(tmp_path, tiny_model_dir):  # noqa: F811
    from kbops.search.embedding import DEFAULT_MAX_LENGTH, load_embedder

    assert SearchConfig().model_max_length is None  # one default, in kbops.search.embedding
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    (model / "kbops-embedding.json").write_text(json.dumps({"max_length": 16}), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.kbops.search]\nmodel = "model"\n', encoding="utf-8")
    embedder = load_embedder(search_config(load_settings(tmp_path)), root=tmp_path)
    assert embedder.max_length == 16
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kbops.search]\nmodel = "model"\nmodel_max_length = 12\n', encoding="utf-8"
    )
    assert load_embedder(search_config(load_settings(tmp_path)), root=tmp_path).max_length == 12  # pyproject wins
    (model / "kbops-embedding.json").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.kbops.search]\nmodel = "model"\n', encoding="utf-8")
    assert load_embedder(search_config(load_settings(tmp_path)), root=tmp_path).max_length == DEFAULT_MAX_LENGTH == 128


def test_kb_build_writes_where_kb_serve_reads(tmp_path):
    from kbops.server.site import site_dir
    from kbops.site.build import audience_site_dir

    (tmp_path / "pyproject.toml").write_text('[tool.kbops.server]\nsite_dir = "public-sites"\n', encoding="utf-8")
    settings = load_settings(tmp_path)
    for audience in ("public", "partner"):
        assert (
            audience_site_dir(settings, audience)
            == site_dir(settings, audience)
            == tmp_path / "public-sites" / audience
        )


def test_a_settings_made_in_code_still_validates_its_sections(tmp_path):
    from kbops.config import Settings

    settings = Settings(root=tmp_path, sections={"search": {"embed_chunks": 0}})
    with pytest.raises(ConfigError, match=r"\[tool.kbops.search\] embed_chunks"):
        search_config(settings)
