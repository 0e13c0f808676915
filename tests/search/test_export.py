"""`kb export`: heading-sized chunks with metadata, only what the audience may see."""

from __future__ import annotations

import json
from pathlib import Path

from tests.search.conftest import SECRET_WORDS, UNPUBLISHED_WORDS


def export(kb, root: Path, *args: str) -> list[dict]:
    done = kb("export", "--format", "jsonl", *args, cwd=root)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_chunks_follow_headings_and_carry_metadata(kb, indexed_kb: Path):
    chunks = {c["id"]: c for c in export(kb, indexed_kb)}
    top = chunks["card-declined#symptoms"]
    assert top["title"] == "Card payment declined › Symptoms" and top["url"] == "/cards/card-declined/#symptoms"
    assert top["locale"] == "en" and top["audience"] == "public" and top["intents"] == ["declined_card_payment"]
    assert top["text"].startswith("Symptoms\n\nThe merchant terminal shows declined")
    assert {"card-declined#causes", "card-declined#what-to-do"} <= set(chunks)
    assert chunks["reset-password"]["text"].startswith("Reset your password\n\nOpen the sign-in page")
    assert chunks["tarjeta-rechazada#que-hacer"]["locale"] == "es"
    assert chunks["old-card-limits"]["status"] == "deprecated"


def test_public_export_never_contains_hidden_or_unpublished_content(kb, indexed_kb: Path):
    public = json.dumps(export(kb, indexed_kb)).lower()
    assert not any(word in public for word in SECRET_WORDS + UNPUBLISHED_WORDS)
    internal = export(kb, indexed_kb, "--audience", "internal")
    assert {c["audience"] for c in internal} == {"public", "partner", "internal"}
    assert not any(word in json.dumps(internal).lower() for word in UNPUBLISHED_WORDS)


def test_export_usage_errors(kb, indexed_kb: Path):
    assert kb("export", "--format", "csv", cwd=indexed_kb).returncode == 2
    bad = kb("export", "--audience", "all", cwd=indexed_kb)
    assert bad.returncode == 2 and "unknown audience" in bad.stderr
