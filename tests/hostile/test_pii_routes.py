"""Every labelled item through every route: the collector (events and logged API searches), lint, analytics.

"Stored" means what lands on disk or in a report: the event log, the lint output, the deflection report
in every format. None may hold a labelled value, as written or as its bare letters and digits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kbops.analytics import render
from kbops.config import load_settings
from kbops.lint.runner import lint
from tests.analytics.conftest import deflection, ev, write_jsonl
from tests.conftest import copy_kb
from tests.hostile.api_support import api_client
from tests.hostile.pii_corpus import labelled, leaked, technical

LABELLED = labelled()


def test_the_collector_stores_no_labelled_item(tmp_path: Path):
    root = tmp_path / "kb"
    with api_client(root, search_rate=0) as client:  # one client, many searches: not a rate-limit test
        for n, item in enumerate(LABELLED):
            batch = [
                {
                    "event": "search",
                    "session": item.value,
                    "user": item.value,
                    "query": item.text,
                    "results": 0,
                    "locale": item.locale if len(item.locale) == 2 else "es",
                },
                {"event": "search", "session": item.text[:128], "query": item.value, "results": 1},
                {"event": "view", "session": f"s-{n}", "doc": item.value},
                {
                    "event": "feedback",
                    "session": f"s-{n}",
                    "doc": "card-declined",
                    "helpful": True,
                    "channel": item.value,
                },
            ]
            response = client.post("/api/events", content=json.dumps(batch))
            assert response.status_code == 202, response.text
            assert [r["index"] for r in response.json()["rejected"]][:1] == [2], item  # a doc id is a slug
            logged = client.get("/api/search", params={"q": item.text, "session": item.value, "user": item.value})
            assert logged.status_code == 200
        stored = "".join(p.read_text(encoding="utf-8") for p in (root / ".kb" / "events").glob("*.jsonl"))
    leaks = {item.value: leaked(item, stored) for item in LABELLED if leaked(item, stored)}
    assert leaks == {}
    assert stored.count('"event":"search"') == 3 * len(LABELLED)  # nothing valid was dropped


def _kb_with(tmp_path: Path, docs: dict[str, str]) -> Path:
    root = copy_kb(tmp_path / "kb", roots=("kb", "sops", "playbooks"))
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(
        pyproject.replace("[tool.kbops.lint]", "[tool.kbops.lint]\nallow_examples = []"), encoding="utf-8"
    )
    for name, body in docs.items():
        front = f"---\nid: {name}\ntitle: Hostile {name}\ntype: article\nstatus: draft\naudience: public\nowner: cards-support\n---\n"
        (root / "kb" / f"{name}.md").write_text(front + body, encoding="utf-8")
    return root


def test_lint_reports_every_labelled_item_on_its_line(tmp_path: Path):
    body = "# Labelled personal data\n\n" + "".join(f"{item.text}\n\n" for item in LABELLED)
    root = _kb_with(tmp_path, {"labelled-pii": body})
    result = lint(load_settings(root), paths=[root / "kb" / "labelled-pii.md"], select=["KB5"], use_cache=False)
    reported = {d.line for d in result.diagnostics if d.path.endswith("labelled-pii.md")}
    first = 1 + 7 + 2  # front-matter (7 lines), heading and blank line
    missed = [item.text for n, item in enumerate(LABELLED) if first + 1 + 2 * n not in reported]
    assert missed == []
    output = "\n".join(d.message for d in result.diagnostics)
    assert [item.value for item in LABELLED if item.value in output and len(item.value) > 8] == []  # masked


def test_lint_finds_nothing_in_technical_prose(tmp_path: Path):
    rows = technical()
    docs = {f"technical-{n}": row["text"] + "\n" for n, row in enumerate(rows)}
    root = _kb_with(tmp_path, docs)
    result = lint(load_settings(root), paths=[root / "kb"], select=["KB5"], use_cache=False)
    assert [str(d) for d in result.diagnostics if "/technical-" in d.path] == []


@pytest.mark.parametrize("field", ["query", "session", "user", "doc", "ts", "event"])
def test_analytics_reports_hold_no_labelled_item(tmp_path: Path, field: str):
    events = []
    for n, item in enumerate(LABELLED):
        base = {"query": "card blocked", "results": 0}
        record = ev("2026-11-02T10:00:00Z", "search", f"s-{n}", f"u-{n}", **base)
        record[field] = item.text if field == "query" else item.value
        events.append(record)
        events.append(
            ev(
                "2026-11-02T10:01:00Z",
                "view",
                f"s-{n}",
                f"u-{n}",
                doc=item.value if field == "doc" else "card-declined",
            )
        )
    report = deflection(write_jsonl(tmp_path / "events.jsonl", events))
    rendered = (
        render.markdown(report) + render.html(report) + json.dumps(report.as_dict(), default=str, ensure_ascii=False)
    )
    leaks = {item.value: leaked(item, rendered) for item in LABELLED if leaked(item, rendered)}
    assert leaks == {}


def test_analytics_pseudonymises_user_ids_that_hold_personal_data(tmp_path: Path):
    from kbops.analytics.engine import _stage, connect
    from kbops.analytics.joins import pseudonymise_users
    from kbops.analytics.options import DeflectionOptions
    from kbops.analytics.sources import expand
    from kbops.identity import user_pseudonym

    items = [item for item in LABELLED if item.kind in ("phone", "card", "email")][:10]
    events = [
        ev("2026-11-02T10:00:00Z", "search", f"s-{n}", item.value, query="card", results=1)
        for n, item in enumerate(items)
    ]
    events.append(ev("2026-11-02T10:00:00Z", "search", "s-plain", "u-7", query="card", results=1))
    path = write_jsonl(tmp_path / "events.jsonl", events)
    options = DeflectionOptions(events=(str(path),), user_salt="s")
    con = connect(options, str(tmp_path))
    try:
        _stage(con, expand(options.events, "events"), options, set())
        pseudonymise_users(con, "s")
        users = {row[0] for row in con.execute('SELECT "user" FROM staged').fetchall()}
    finally:
        con.close()
    # Issue 12's identity rule: every raw id is pseudonymised (personal or not, e.g. the plain "u-7"), the
    # same way on the ticket side; no personal value survives.
    assert users == {user_pseudonym(item.value, "s") for item in items} | {user_pseudonym("u-7", "s")}
    assert not any(item.value in users for item in items)
