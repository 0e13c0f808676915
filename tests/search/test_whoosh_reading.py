"""The Whoosh backend's bulk reads (doc keys, field lengths) equal Whoosh's per-doc answers, across segments."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kbops.config import load_settings
from kbops.search.config import search_config
from kbops.search.indexer import build_index, index_root
from kbops.search.store import IndexStore
from kbops.search.whoosh.backend import WhooshIndex
from kbops.search.whoosh.scoring import _column_lengths


def test_keys_and_field_lengths_match_per_doc_reads_after_an_incremental_update(fixture_kb: Path):
    pyproject = fixture_kb / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("mrr_floor = 0.5", 'mrr_floor = 0.5\nmodel = "none"'))
    settings = load_settings(fixture_kb)
    build_index(settings)
    changed = fixture_kb / "kb/cards/card-arrival.md"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("ten working days", "seven working days, via courier"),
        encoding="utf-8",
    )
    assert build_index(settings).updated == 1
    generation = IndexStore(index_root(settings)).require_current()
    index = WhooshIndex(generation, search_config(settings), {})
    try:
        reader = index.reader
        assert (
            len(reader.leaf_readers()) == 2 and reader.doc_count_all() > reader.doc_count()
        )  # 2 segments, 1 deleted doc
        expected = [""] * reader.doc_count_all()
        for docnum, fields in reader.iter_docs():
            expected[docnum] = fields["key"]
        assert index.keys() == expected
        fields = [
            name
            for name in index.ix.schema.names()
            if name.rsplit("_", 1)[-1] in index.groups and not name.startswith("spell_")
        ]
        assert len(fields) > 20
        for field in fields:
            per_doc = np.fromiter(
                (reader.doc_field_length(d, field, 0) for d in range(reader.doc_count_all())), dtype=np.float32
            )
            bulk = _column_lengths(reader, field, reader.doc_count_all())
            assert bulk is not None and np.array_equal(bulk, per_doc, equal_nan=True), field
        assert np.nansum(index.scorer.field_lengths("body_en")[0]) > 0
    finally:
        index.close()
