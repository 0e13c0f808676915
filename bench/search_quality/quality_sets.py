"""The quality benchmark's sets: the same docs (title + body) and queries for every engine.

* dev-en / dev-es / dev-fr: ../shared/data/search-dev — real Business Central help articles
  (Microsoft, CC-BY-4.0); a query is the authors' one-sentence summary, which is not in the article.
* support-es / support-fr: ../shared/data/search-support — short Office help answers (Microsoft, CC-BY-4.0)
  under a neutral placeholder title; a query is the answer's own title, the customer's problem in a few words.
* xl-es / xl-fr (and xl-es-own / xl-fr-own): cross-language. The search-dev articles are translations of
  each other (`bc-en-X`, `bc-es-X`, `bc-fr-X`). Corpus: the first N Spanish (French) articles and their
  English originals; the Spanish version of half of them (by a hash of X) is removed. xl-es queries ask
  in Spanish for an article whose Spanish version is gone: the English original is the answer. xl-es-own
  queries ask for one whose Spanish version exists: that version is the answer, its English original
  (same translation family) must not hide it. Searched with other languages allowed, as the API does.
* banking77-sq: banking77 where each bundled doc has, as its sample_queries, a few more Banking77 questions of
  each of its intents (neither dev nor test queries): what writers and `kb suggest-queries` attach to a doc.
* banking77: the bundled KB's English articles visible to `public`, with intents, sample_queries and
  tags removed (the description stays, as the body's first lines for every engine), among the 1,022
  English dev articles as distractors, queried with held-out Banking77 customer questions (PolyAI,
  CC-BY-4.0); a question is relevant to every bundled doc tagged with its intent.

Queries are split in halves deterministically: `dev` (the only half tuning looks at) and `test`
(reported). search-dev and search-support: by a hash of the relevant article's id; Banking77: per intent, a seeded
shuffle, the first `dev_per_intent` questions dev and the next `test_per_intent` test.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO / "scripts"), str(REPO / "bench")]

from kbops.model.markdown import parse_structure  # noqa: E402
from kbops.search.records import IndexRecord, passages, plain_text, split_sections  # noqa: E402


def shared_data() -> Path:
    candidates = [base / "shared" / "data" for base in (REPO.parent, REPO.parent.parent)]
    return next((c for c in candidates if c.is_dir()), candidates[0])


@dataclasses.dataclass(frozen=True)
class Query:
    text: str
    relevant: frozenset[str]
    locale: str
    split: str  # dev | test


@dataclasses.dataclass
class QualitySet:
    name: str
    locale: str
    records: list[IndexRecord]
    queries: list[Query]
    cross_language: bool = False  # search every language (the API's default), not only the query's

    def split(self, name: str) -> list[Query]:
        return [q for q in self.queries if q.split == name]


def record(doc_id: str, title: str, markdown: str, locale: str, key_prefix: str = "") -> IndexRecord:
    """An index record from a title and a Markdown body: headings, plain text and heading-sized passages."""
    headings, _, blocks = parse_structure(markdown, 1)
    sections = split_sections(headings, blocks)
    return IndexRecord(
        key=f"{key_prefix}{doc_id}",
        id=doc_id,
        title=title,
        description="",
        headings=tuple(plain_text(h.text) for h in headings if h.text.strip() and h.text.strip() != title),
        text="\n".join(body for _, body in sections),
        tags=(),
        product="",
        intents=(),
        sample_queries=(),
        type="article",
        audience="public",
        status="published",
        locale=locale,
        path=f"{doc_id}.md",
        url=f"/{doc_id}/",
        content_hash=hashlib.sha256(markdown.encode()).hexdigest(),
        chunks=passages(title, "", sections),
    )


def half(doc_id: str) -> str:
    return "dev" if int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def dev_set(locale: str, data: Path, max_docs: int | None = None) -> QualitySet:
    folder = data / "search-dev"
    docs = [
        json.loads(line)
        for line in (folder / f"docs.{locale}.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    if max_docs:
        docs = docs[:max_docs]
    records = [record(d["id"], d["title"], d["body"], locale) for d in docs]
    known = {r.id for r in records}
    queries = []
    for line in (folder / f"queries.{locale}.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            relevant = frozenset(item["relevant"]) & known
            if relevant:
                queries.append(Query(item["query"], relevant, locale, half(sorted(relevant)[0])))
    return QualitySet(f"dev-{locale}", locale, records, queries)


def support_set(locale: str, data: Path, max_docs: int | None = None) -> QualitySet:
    """support-<locale>: search-support's answers, queried by their own titles (see the module docstring)."""
    folder = data / "search-support"
    docs = [
        json.loads(line)
        for line in (folder / f"docs.{locale}.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    if max_docs:
        docs = docs[:max_docs]
    records = [record(d["id"], d["title"], d["body"], locale) for d in docs]
    known = {r.id for r in records}
    queries = []
    for line in (folder / f"queries.{locale}.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            relevant = frozenset(item["relevant"]) & known
            if relevant:
                queries.append(Query(item["query"], relevant, locale, half(sorted(relevant)[0])))
    return QualitySet(f"support-{locale}", locale, records, queries)


def cross_language_set(locale: str, data: Path, max_docs: int | None = None, own: bool = False) -> QualitySet:
    """xl-<locale> (`own=False`) or xl-<locale>-own: see the module docstring."""
    folder = data / "search-dev"

    def load(name):
        return [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]

    english = {d["id"].split("-", 2)[2]: d for d in load("docs.en.jsonl")}
    theirs = [d for d in load(f"docs.{locale}.jsonl") if d["id"].split("-", 2)[2] in english]
    if max_docs:
        theirs = theirs[:max_docs]
    removed = {
        d["id"] for d in theirs if int(hashlib.sha256(f"xl-{d['id'].split('-', 2)[2]}".encode()).hexdigest(), 16) % 2
    }
    records = []
    for doc in theirs:
        source = english[doc["id"].split("-", 2)[2]]
        records.append(record(source["id"], source["title"], source["body"], "en"))
        if doc["id"] not in removed:
            records.append(
                dataclasses.replace(record(doc["id"], doc["title"], doc["body"], locale), translation_of=source["id"])
            )
    known = {d["id"] for d in theirs}
    queries = []
    for item in load(f"queries.{locale}.jsonl"):
        for relevant in set(item["relevant"]) & known:
            if (relevant in removed) != own:
                answer = f"bc-en-{relevant.split('-', 2)[2]}" if relevant in removed else relevant
                queries.append(Query(item["query"], frozenset([answer]), locale, half(relevant)))
    return QualitySet(f"xl-{locale}" + ("-own" if own else ""), locale, records, queries, cross_language=True)


def banking77_set(
    kb_root: Path,
    data: Path,
    dev_per_intent: int,
    test_per_intent: int,
    seed: int,
    max_distractors: int | None = None,
    sample_per_intent: int = 0,
) -> QualitySet:
    """banking77, or with `sample_per_intent` (banking77-sq) each bundled doc given that many further Banking77
    questions of each of its intents as its sample_queries (never one that is a dev or test query)."""
    from kbops.config import load_settings
    from kbops.model.loader import load_corpus
    from kbops.publishing import select_for_audience

    settings = load_settings(kb_root)
    docs = [d for d in select_for_audience(load_corpus(settings).docs, "public") if d.frontmatter.locale == "en"]
    records: list[IndexRecord] = []
    by_intent: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        fm = doc.frontmatter
        sections = split_sections(doc.headings, doc.blocks)
        records.append(
            IndexRecord(
                key=doc.relpath,
                id=fm.id,
                title=fm.title,
                description="",
                headings=tuple(
                    plain_text(h.text) for h in doc.headings if h.text.strip() and h.text.strip() != fm.title
                ),
                # The description is the article's first lines for every engine (lunr and bm25s read title + text).
                text="\n".join([fm.description or ""] + [body for _, body in sections]).strip(),
                tags=(),
                product="",
                intents=(),
                sample_queries=(),
                type=str(fm.type),
                audience="public",
                status=str(fm.status),
                locale="en",
                path=doc.relpath,
                url="/",
                content_hash=doc.content_hash,
                chunks=passages(fm.title, fm.description or "", sections),
                superseded_by=fm.superseded_by or "",
            )
        )
        for intent in fm.intents:
            by_intent[intent].add(fm.id)
    distractors = dev_set("en", data, max_distractors).records
    rows: dict[str, list[str]] = defaultdict(list)
    with (data / "banking77" / "train.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["category"]].append(row["text"].strip())
    queries = []
    samples: dict[str, list[str]] = defaultdict(list)
    for intent in sorted(by_intent):
        texts = sorted(set(rows.get(intent, [])))
        random.Random(f"{seed}-{intent}").shuffle(texts)
        for number, text in enumerate(texts[: dev_per_intent + test_per_intent]):
            split = "dev" if number < dev_per_intent else "test"
            queries.append(Query(text, frozenset(by_intent[intent]), "en", split))
        start = dev_per_intent + test_per_intent
        for doc_id in by_intent[intent]:
            samples[doc_id] += texts[start : start + sample_per_intent]
    if sample_per_intent:
        records = [dataclasses.replace(r, sample_queries=tuple(samples.get(r.id, ()))) for r in records]
    name = "banking77-sq" if sample_per_intent else "banking77"
    return QualitySet(name, "en", records + distractors, queries)
