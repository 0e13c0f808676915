"""The backend seam: Whoosh stays inside kbops.search.whoosh, accent folding is kbops' own, the analyzer is the backend's."""

from __future__ import annotations

import re

import pytest

from kbops.search.backend import available_backends, get_backend
from tests.conftest import REPO

PACKAGE = REPO / "scripts" / "kbops"
WHOOSH_IMPORT = re.compile(r"^\s*(?:import whoosh\b|from whoosh\b)", re.M)


def test_no_whoosh_import_outside_its_backend():
    leaks = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "search/whoosh" not in path.relative_to(PACKAGE).as_posix()
        and WHOOSH_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert not leaks, leaks
    assert not [
        p
        for p in PACKAGE.rglob("*.py")
        if "kbops.search.whoosh" in p.read_text(encoding="utf-8")
        and not p.relative_to(PACKAGE).as_posix().startswith("search/")
    ]


def test_kbops_folding_is_the_table_the_default_backend_indexes_with():
    from whoosh.support.charset import accent_map as whoosh_map

    from kbops.search.folding import accent_map
    from kbops.search.text import fold

    assert accent_map == whoosh_map
    assert fold("Contraseña ÉCHOUÉE") == "contrasena echouee"


@pytest.mark.parametrize("name", sorted(available_backends()))
def test_every_backend_analyses_queries_per_language(name):
    backend = get_backend(name)
    terms = backend.query_terms("Contraseña olvidada", "es")
    assert terms and all(isinstance(t, tuple) and t for t in terms)
    assert terms == backend.query_terms("contrasena olvidada", "es")  # accents never decide a match


def test_the_whoosh_analyzer_stems_with_the_language_kbops_locale_chooses():
    backend = get_backend("whoosh")
    assert backend.query_terms("pagamentos recusados", "pt") == backend.query_terms("pagamento recusado", "pt")
    assert backend.query_terms("Zahlungen abgelehnt", "de") == backend.query_terms("Zahlung abgelehnt", "de")
    assert backend.query_terms("pagamentos", "xx") != backend.query_terms("pagamento", "xx")  # no stemmer: words kept
