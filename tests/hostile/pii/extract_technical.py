"""Pick the technical-prose corpus (technical.jsonl) from the search-dev articles.

Paragraphs of the Business Central documentation (© Microsoft, CC-BY-4.0, via
../shared/data/search-dev) that hold what personal-data detectors mistake for personal data: GUIDs,
version and format numbers, amounts, dates, number ranges, long digit runs. Paragraphs with a
written e-mail address are left out (those are addresses, not false positives). Deterministic:

    python tests/hostile/pii/extract_technical.py ../shared/data/search-dev > tests/hostile/pii/technical.jsonl
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

TRICKY = {
    "guid": re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    "version": re.compile(r"\b\d+\.\d+\.\d+(?:\.\d+)?\b"),
    "amount": re.compile(r"\b\d{1,3}(?:[.,\u00a0 ]\d{3})+(?:[.,]\d{2})?\b"),
    "date": re.compile(r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})\b"),
    "digits": re.compile(r"\b\d[\d ./\-]{7,}\d\b"),
}
PER_KIND = 30


def main(data: Path) -> None:
    taken: dict[str, int] = {k: 0 for k in TRICKY}
    for locale in ("en", "es", "fr"):
        for line in (data / f"docs.{locale}.jsonl").read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            for paragraph in re.split(r"\n\s*\n", doc["body"]):
                paragraph = paragraph.strip()
                if not 40 <= len(paragraph) <= 1500 or "@" in paragraph:
                    continue
                kinds = [k for k, p in TRICKY.items() if p.search(paragraph)]
                kind = next((k for k in kinds if taken[k] < PER_KIND), None)
                if kind is None:
                    continue
                taken[kind] += 1
                print(
                    json.dumps(
                        {"source": doc["id"], "locale": locale, "shape": kind, "text": paragraph}, ensure_ascii=False
                    )
                )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
