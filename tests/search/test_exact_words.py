"""A query word found as typed outranks a doc that only shares its stem (`exact_weight`, issue 18)."""

from __future__ import annotations

import numpy as np

from kbops.publishing import visible_audiences
from kbops.search.config import SearchConfig
from kbops.search.whoosh import WhooshBackend
from tests.search.test_backend_conformance import LOCALES, record

# Spanish Snowball stems "cobro" and "cobrar" alike (cobr-): a charge the customer does not recognise is not the
# collections SOP, which says "cobrar" twice in a short text.
RECORDS = [
    record(
        "cobro.md",
        "Un pago que no reconozco",
        "Si ves en tu extracto un cobro que no reconoces, revisa el comercio y la fecha antes de abrir una disputa "
        "con el equipo de soporte; guarda el justificante.",
        locale="es",
    ),
    record(
        "cobranza.md", "Llamadas de cobranza", "Cobrar la deuda: el agente vuelve a cobrar a los 30 días.", locale="es"
    ),
]


def ranking(tmp_path, config: SearchConfig) -> list[str]:
    backend = WhooshBackend()
    backend.write(tmp_path / "gen", RECORDS, [], None, LOCALES)
    index = backend.open(tmp_path / "gen", config, {})
    visible = index.allowed(visible_audiences("public"), ("es",))
    scores, _ = index.scores("cobro", ("es",), visible, "public")
    keys = index.keys()
    return [keys[d] for d in np.argsort(-scores) if scores[d] > 0]


def test_the_typed_word_outranks_a_stem_sibling(tmp_path):
    assert SearchConfig().exact_weight > 0  # on by default
    assert ranking(tmp_path / "a", SearchConfig()) == ["cobro.md", "cobranza.md"]


def test_without_the_typed_word_the_stem_sibling_wins_here(tmp_path):
    """The case the weight is for: stems alone put the collections SOP first."""
    assert ranking(tmp_path / "b", SearchConfig(exact_weight=0)) == ["cobranza.md", "cobro.md"]
