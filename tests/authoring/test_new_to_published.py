"""Acceptance: `kb new` -> fill the sections -> publish -> link it from an index -> `kb lint` is clean."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import git, run_kb

# What a writer types into each section, by the section heading the template produced.
ARTICLE_SECTIONS = {
    "Before you start": "You need the Northwind Spend app and the damaged card, if you still have it.",
    "Steps": (
        "1. Open the app and tap **Cards**.\n"
        "2. Tap the damaged card and then **Report a card problem**.\n"
        "3. Choose **Damaged** and confirm the delivery address.\n\n"
        "The replacement is free and arrives within the usual delivery time. The old card stops working when you activate the new one."
    ),
    "If it does not work": (
        "If the app does not offer **Report a card problem**, ask your company admin to order the replacement "
        "from the web dashboard."
    ),
}
SOP_SECTIONS = {
    "Purpose": "A damaged card blocks a cardholder's spending, so agents must order the replacement during the first contact.",
    "Scope": "Physical cards with a broken chip, a cracked body or a worn magnetic stripe. Lost or stolen cards follow their own procedure.",
    "Procedure": (
        "1. Verify the cardholder with the in-app prompt.\n"
        "2. Check in the console that the card is active and not frozen for fraud.\n"
        "3. Order the replacement with the reason **Damaged** and confirm the delivery address with the cardholder.\n"
        "4. Tell the cardholder that the old card keeps working until the new one is activated."
    ),
    "Escalation": (
        "| Situation | Escalate to | First response |\n"
        "|---|---|---|\n"
        "| The console refuses the replacement | Cards Support | 4 working hours |"
    ),
}

CASES = {
    "article": dict(
        args=["article", "--title", "Replace a damaged card", "--product", "cards"],
        sections=ARTICLE_SECTIONS,
        fields=dict(
            description="How to get a free replacement when your card's chip or body is damaged.",
            tags=["delivery"],
            intents=["card_not_working", "contactless_not_working"],
            sample_queries=["My card is not working.", "my card is broken", "chip damaged need new card"],
        ),
        index="kb/index.md",
        heading="## Cards",
        link="- [Replace a damaged card](cards/replace-a-damaged-card.md)",
    ),
    "sop": dict(
        args=[
            "sop",
            "--title",
            "Order a replacement for a damaged card",
            "--audience",
            "partner",
            "--product",
            "cards",
        ],
        sections=SOP_SECTIONS,
        fields=dict(
            description="How agents order a free replacement for a damaged card during the first contact.",
            tags=["agent-tools"],
            intents=["card_not_working"],
            sample_queries=["replace damaged card", "chip broken order new card", "card cracked replacement"],
        ),
        index="kb/agents/index.md",
        heading="## Procedures",
        link="- [Order a replacement for a damaged card](id:order-a-replacement-for-a-damaged-card)",
    ),
}


def fill_sections(body: str, sections: dict[str, str]) -> str:
    """Replace everything under each H2 (template guidance and example sentences) with the writer's text."""
    title = re.search(r"^# .+$", body, re.M).group(0)
    headings = re.findall(r"^## (.+)$", body, re.M)
    assert sorted(headings) == sorted(sections), headings
    intro = "A damaged card can be replaced for free in a few taps."
    parts = [title, "", intro]
    for heading in headings:
        parts += ["", f"## {heading}", "", sections[heading]]
    return "\n".join(parts) + "\n"


def publish(path: Path, fields: dict, sections: dict[str, str]) -> None:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(front)
    meta.update(fields, status="published", last_reviewed=dt.date.today().isoformat(), review_every="1y")
    text = "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + fill_sections(body, sections)
    path.write_text(text, encoding="utf-8")


def link_from_index(index: Path, heading: str, link: str) -> None:
    text = index.read_text(encoding="utf-8")
    assert heading in text
    index.write_text(text.replace(heading + "\n\n", f"{heading}\n\n{link}\n", 1), encoding="utf-8")


WRITER = ("Ana García", "ana.garcia@northwind-spend.example")  # support-ops
REVIEWER = ("Lucía Martín", "lucia.martin@northwind-spend.example")  # content-reviewers, cards-support


def error_findings(kb_root: Path) -> set[tuple[str, str]]:
    """(path, code) of every error-level finding of a full `kb lint` run."""
    result = run_kb("lint", "--format", "json", cwd=kb_root)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    return {(d["path"], d["code"]) for d in report["diagnostics"] if d["severity"] == "error"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_new_fill_publish_lint_clean(git_kb: Path, case: str):
    """A writer scaffolds, fills and publishes a doc; a reviewer approves it; lint has nothing to say about it.

    The rest of the bundled KB is held to its own state (`baseline`): when the bundled KB is clean, as it
    must be on main, this is exactly "`kb lint` exits 0".
    """
    spec = CASES[case]
    baseline = error_findings(git_kb)
    created = run_kb("new", *spec["args"], cwd=git_kb)
    assert created.returncode == 0, created.stderr
    relpath = created.stdout.strip()
    path = git_kb / relpath

    publish(path, spec["fields"], spec["sections"])
    link_from_index(git_kb / spec["index"], spec["heading"], spec["link"])
    git(git_kb, "add", "-A")
    git(git_kb, "commit", "-q", "-m", f"Add {relpath}", author=WRITER)

    # Four-eyes: a reviewer who did not write the change approves the new doc and the edited index.
    # the bundled KB requires signed approvals: Lucía signs with her DEMO-ONLY key
    key = Path(__file__).parents[1] / "governance" / "demo_keys" / "lucia.martin"
    approved = run_kb("approve", relpath, spec["index"], "--as", REVIEWER[1], "--key", str(key), cwd=git_kb)
    assert approved.returncode == 0, approved.stdout + approved.stderr
    git(git_kb, "commit", "-q", "-am", f"Approve {relpath}", author=REVIEWER)

    after = error_findings(git_kb)
    assert not {f for f in after if f[0] in (relpath, spec["index"])}, after
    assert after <= baseline, after - baseline
    if not baseline:
        final = run_kb("lint", cwd=git_kb)
        assert final.returncode == 0, final.stdout + final.stderr

    # And the linter really looks at the new doc: breaking it is caught.
    path.write_text(path.read_text(encoding="utf-8").replace("status: published", "status: publishd"), encoding="utf-8")
    assert (relpath, "KB103") in error_findings(git_kb)
