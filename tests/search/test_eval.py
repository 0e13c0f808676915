"""`kb eval`: metrics over labelled queries, worst-query list, the MRR floor as a CI guard."""

from __future__ import annotations

import json
from pathlib import Path

from kbops.config import load_settings
from kbops.search.evaluate import LabelledQuery, evaluate


def test_metrics_are_computed_from_ranks(indexed_kb: Path, engine):
    queries = [
        LabelledQuery("card declined", ("card-declined",), "en"),  # rank 1
        LabelledQuery("card", ("card-arrival", "card-declined"), "en"),  # both within the top 5
        LabelledQuery("nothing like this anywhere", ("card-declined",), "en"),  # not found
    ]
    report = evaluate(load_settings(indexed_kb), queries, engine=engine)
    first_card = report.outcomes[1].rank
    assert report.outcomes[0].rank == 1 and report.outcomes[2].rank is None
    assert report.mrr == (1 + 1 / first_card + 0) / 3
    assert report.recall_at_5 == (1 + 1 + 0) / 3
    assert [o.query.query for o in report.worst()][0] == "nothing like this anywhere"


def test_default_queries_are_the_sample_queries(kb, indexed_kb: Path):
    done = kb("eval", "--format", "json", cwd=indexed_kb)
    report = json.loads(done.stdout)
    assert done.returncode == 0, done.stderr
    assert report["queries"] == 18 and {"mrr", "recall@1", "recall@5", "queries"} <= set(report)


def test_floor_fails_the_run_and_lists_worst_queries(kb, fixture_kb: Path):
    pyproject = fixture_kb / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("mrr_floor = 0.5", "mrr_floor = 0.9"), encoding="utf-8")
    kb("index", cwd=fixture_kb)
    queries = fixture_kb / "queries.jsonl"
    queries.write_text(
        '{"query": "card declined", "relevant": ["card-declined"], "locale": "en"}\n'
        '{"query": "spending limit", "relevant": ["reset-password"], "locale": "en"}\n',
        encoding="utf-8",
    )
    done = kb("eval", "--queries", str(queries), cwd=fixture_kb)
    assert done.returncode == 1
    assert "BELOW FLOOR" in done.stdout and "'spending limit' (en) expected reset-password" in done.stdout


def test_bad_query_lines_are_reported_with_line_numbers(kb, indexed_kb: Path, tmp_path: Path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"query": "card", "relevant": ["card-declined"]}\nnot json\n{"query": "x"}\n', encoding="utf-8")
    done = kb("eval", "--queries", str(queries), cwd=indexed_kb)
    assert done.returncode == 2
    assert "q.jsonl:2: invalid JSON" in done.stderr and "q.jsonl:3:" in done.stderr


def test_bundled_knowledge_base_meets_its_mrr_floor(kb, kb_copy: Path):
    """Search-quality regression guard: the bundled KB's sample queries against [tool.kbops.search] mrr_floor."""
    assert kb("index", cwd=kb_copy).returncode == 0
    done = kb("eval", "--format", "json", cwd=kb_copy)
    report = json.loads(done.stdout)
    assert done.returncode == 0, report["worst"]
    assert report["passed"] and report["mrr"] >= report["mrr_floor"] > 0


def test_eval_as_an_audience_scores_only_what_it_could_find(indexed_kb: Path, engine):
    queries = [
        LabelledQuery("kestrel fraud escalation", ("kestrel-fraud-escalation",), "en"),  # internal only: left out
        LabelledQuery("refund override", ("partner-refund-override", "card-declined"), "en"),  # partner answer dropped
        LabelledQuery("zeppelin", ("upcoming-zeppelin",), "en"),  # a draft: nobody finds it, stays a miss
    ]
    public = evaluate(load_settings(indexed_kb), queries, audience="public", engine=engine)
    assert (public.queries, public.excluded, public.audience) == (2, 1, "public")
    assert [o.query.relevant for o in public.outcomes] == [("card-declined",), ("upcoming-zeppelin",)]
    assert public.outcomes[1].rank is None
    internal = evaluate(load_settings(indexed_kb), queries, audience="internal", engine=engine)
    assert (internal.queries, internal.excluded) == (3, 0)
    assert internal.outcomes[0].rank == 1 and internal.outcomes[1].query.relevant == queries[1].relevant


def test_bundled_kb_eval_as_public_counts_only_public_answers(kb, kb_copy: Path):
    """Before the publishing authority, `kb eval --audience public` scored partner and internal answers too
    (MRR 0.705, exit 1 on the bundled KB); now it scores the sample queries of public docs only."""
    from kbops.model.loader import load_corpus

    docs = [d for d in load_corpus(load_settings(kb_copy)).docs if d.frontmatter is not None]
    published = [d for d in docs if d.get("status") in ("published", "deprecated")]
    public_queries = sum(len(d.frontmatter.sample_queries) for d in published if d.get("audience") == "public")
    other_queries = sum(len(d.frontmatter.sample_queries) for d in published if d.get("audience") != "public")
    assert public_queries and other_queries
    assert kb("index", cwd=kb_copy).returncode == 0
    done = kb("eval", "--audience", "public", "--format", "json", cwd=kb_copy)
    report = json.loads(done.stdout)
    assert done.returncode == 0, report["worst"]
    assert (report["queries"], report["excluded"], report["audience"]) == (public_queries, other_queries, "public")
    public_ids = {d.id for d in published if d.get("audience") == "public"}
    assert all(set(item["relevant"]) <= public_ids for item in report["worst"])
    assert report["passed"] and report["mrr"] >= report["mrr_floor"]
