"""kb suggest-queries: queries that led readers to a doc without a contact, proposed as sample_queries."""

from __future__ import annotations

import hashlib
import json

import pytest

from kbops.analytics.options import DeflectionOptions
from kbops.analytics.suggest import eval_before_after, proposed_texts, suggest_queries
from kbops.authoring.sample_queries import add_sample_queries
from kbops.config import load_settings
from tests.analytics.conftest import ev, write_jsonl
from tests.conftest import run_kb
from tests.search.conftest import copy_fixture_kb


def held_out(session: str, share: float = 0.3) -> bool:
    """The split of kbops.analytics.suggest: the first 8 hex digits of MD5(session) modulo 1000."""
    return int(hashlib.md5(session.encode()).hexdigest()[:8], 16) % 1000 < share * 1000


def sessions(prefix: str, count: int, want_held_out: bool) -> list[str]:
    found, i = [], 0
    while len(found) < count:
        name = f"{prefix}-{i}"
        if held_out(name) == want_held_out:
            found.append(name)
        i += 1
    return found


def read(session: str, query: str, doc: str, locale: str = "en", contact: bool = False) -> list[dict]:
    events = [
        ev("2026-11-02T10:00:00Z", "search", session, query=query, results=2, locale=locale),
        ev("2026-11-02T10:01:00Z", "click", session, doc=doc, rank=1, locale=locale),
    ]
    return events + ([ev("2026-11-02T10:30:00Z", "contact", session)] if contact else [])


@pytest.fixture
def case(tmp_path):
    root = copy_fixture_kb(tmp_path / "kb")
    train = iter(sessions("t", 20, False))
    log = []
    for query in ("cant log in", "cant log in", "Cant  log in"):  # 3 sessions, one normalised form
        log += read(next(train), query, "reset-password")
    for _ in range(2):
        log += read(next(train), "forgot my password", "reset-password")  # already a sample query
        log += read(next(train), "password for ana@example.com", "reset-password")  # personal data
        log += read(next(train), "olvidé la contraseña", "reset-password", locale="es")  # not the doc's language
        log += read(next(train), "card refused", "card-declined", contact=True)  # contacted: no evidence
        log += read(next(train), "payment bounced", "card-declined")  # 2 sessions
    log += read(next(train), "locked out", "reset-password")  # 1 session only
    log += read(sessions("h", 1, True)[0], "i cant log in", "reset-password")  # held out
    return root, write_jsonl(tmp_path / "events.jsonl", log)


def test_proposals_by_hand(case):
    root, log = case
    found = suggest_queries(DeflectionOptions(events=(str(log),)), load_settings(root), per_doc=5, min_sessions=2)
    assert [(d.doc, d.queries, d.sessions) for d in found.docs] == [
        ("card-declined", ("payment bounced",), (2,)),
        ("reset-password", ("cant log in",), (3,)),
    ]
    assert found.skipped == {
        "already a sample query": 1,
        "contained personal data": 1,
        "not in the doc's language": 1,
        "fewer than 2 sessions": 1,
    }
    assert [(q.query, q.relevant, q.locale) for q in found.held_out] == [("i cant log in", ("reset-password",), "en")]
    capped = suggest_queries(DeflectionOptions(events=(str(log),)), load_settings(root), per_doc=1, min_sessions=1)
    reset = next(d for d in capped.docs if d.doc == "reset-password")
    assert reset.queries == ("cant log in",)  # 3 sessions beat "locked out" (1)
    assert capped.skipped["over the cap of 1 per doc"] == 1


def test_the_change_touches_only_the_sample_queries_line(case):
    root, log = case
    settings = load_settings(root)
    found = suggest_queries(DeflectionOptions(events=(str(log),)), settings)
    ((path, (before, after)),) = [
        (p, t) for p, t in proposed_texts(settings, found).items() if p.name == "reset-password.md"
    ]
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert changed == [
        (
            "sample_queries: [forgot my password, reset password, locked out of my account]",
            "sample_queries: [forgot my password, reset password, locked out of my account, cant log in]",
        )
    ]
    assert len(before.splitlines()) == len(after.splitlines())


def test_block_lists_keep_comments_and_quotes():
    text = "---\nid: x\nsample_queries:\n  - 'one' # kept\n  - two\ntags: [a]\n---\nbody\n"
    assert add_sample_queries(text, ["it's three", "four: 4"]) == (
        "---\nid: x\nsample_queries:\n  - 'one' # kept\n  - two\n  - it's three\n  - 'four: 4'\ntags: [a]\n---\nbody\n"
    )


def test_eval_before_and_after_on_the_held_out_split(case):
    root, log = case
    settings = load_settings(root)
    found = suggest_queries(DeflectionOptions(events=(str(log),)), settings)
    result = eval_before_after(settings, found)
    assert (result["queries"], result["unseen_phrasings"]) == (1, 1)
    assert result["after"]["mrr"] >= result["before"]["mrr"]
    assert (root / "kb" / "account" / "reset-password.md").read_text().count("cant log in") == 0  # scratch copy only


def test_cli_prints_a_patch_or_writes_and_prints_paths(case):
    root, log = case
    patch = run_kb("suggest-queries", "--events", str(log), cwd=root)
    assert patch.returncode == 0, patch.stderr
    assert (
        "+sample_queries: [forgot my password, reset password, locked out of my account, cant log in]" in patch.stdout
    )
    assert "2 sample queries proposed for 2 doc(s)" in patch.stderr
    docs = ("kb/account/reset-password.md", "kb/cards/card-declined.md")

    def findings() -> set[tuple[str, str]]:
        return {
            (line.split(":")[0], line.split(": ")[1].split()[0])
            for line in run_kb("lint", *docs, cwd=root).stdout.splitlines()
            if line.count(":") >= 3
        }

    lint_before = findings()
    written = run_kb("suggest-queries", "--events", str(log), "--write", "--format", "json", cwd=root)
    data = json.loads(written.stdout)
    assert data["proposed"] == 2 and sorted(data["written"]) == list(docs)
    # The (imperfect) fixture gains no kind of finding; the content hash moves (sample_queries are governed)
    assert findings() == lint_before


def test_given_phrasings_for_one_doc_the_command_of_a_gap_verdict(tmp_path):
    root = copy_fixture_kb(tmp_path / "kb")
    done = run_kb(
        "suggest-queries",
        "--doc",
        "reset-password",
        "--query",
        "forgot my password again",
        "--query",
        "reset password",
        "--query",
        "x",
        "--query",
        "mail me at ana@example.com",
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    # a patch of the flow-style list: only the new phrasing is added ("reset password" is already there)
    assert (
        "+sample_queries: [forgot my password, reset password, locked out of my account, forgot my password again]"
        in done.stdout.splitlines()
    )
    assert ("1 already a sample query, 1 contained personal data, 1 too short or too long") in done.stderr
    assert run_kb("suggest-queries", "--doc", "no-such-doc", "--query", "a query", cwd=root).returncode == 2
    assert run_kb("suggest-queries", "--doc", "reset-password", cwd=root).returncode == 2  # --query missing
