"""KB805, KB809: every doc's owner is still active, and .github/CODEOWNERS says the same (undeclared owners: KB120)."""

from __future__ import annotations

from kbops.governance import codeowners as codeowners_mod
from kbops.governance.policy import owner_people
from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.model.document import Document
from kbops.model.loader import Corpus


@rule("KB805", "owner-not-declared")
def owner_not_declared(doc: Document, ctx: LintContext):
    """The doc's owner is no longer active: an inactive person, or a team without active members.

    What it checks:
        A person owner is active; a team owner has at least one active member. An owner that is not
        declared at all is KB120's finding (one finding per mistake), not this rule's.

    Why it matters:
        Ownership drives reviews, the stale report and CODEOWNERS. When a team is renamed or a person
        leaves, their docs silently stop being reviewed unless someone notices.

    Bad:
        owner: ivan              # people: {ivan: {active: false}} since he left

    Good:
        owner: cards-support

    How to fix:
        Hand the doc to a declared team (prefer teams over people), or declare the owner in governance.yml.
    """
    owner = doc.get("owner")
    if not doc.parsed or not isinstance(owner, str) or not owner or doc.get("status") == "archived":
        return
    governance = ctx.governance
    line = doc.line_of("owner")
    if not governance.is_owner(owner):
        return  # undeclared: KB120 (unknown-owner) reports it, with the closest declared name
    if owner in governance.people and not governance.people[owner].active:
        yield Finding(line, f"owner {owner!r} is marked inactive in governance.yml; hand the doc to a team")
    elif owner in governance.teams and not owner_people(owner, governance):
        yield Finding(line, f"owner team {owner!r} has no active members in governance.yml")


@rule("KB809", "codeowners-out-of-sync", kind="corpus")
def codeowners_out_of_sync(corpus: Corpus, ctx: LintContext):
    """.github/CODEOWNERS does not match the docs' owners.

    What it checks:
        When `.github/CODEOWNERS` exists, every doc has the line `kb codeowners` would write (owner team
        handles plus those of required reviewer groups), and no line names a file that no longer exists.
        Knowledge bases without the file are not checked.

    Why it matters:
        The forge asks CODEOWNERS for reviews; if it drifts from governance.yml, pull requests request the
        wrong people and the forge's protection no longer matches the approval policy.

    Bad:
        /sops/refunds.md @northwind/support-ops     # the doc's owner is now banking-ops

    Good:
        /sops/refunds.md @northwind/banking-ops

    How to fix:
        Run `kb codeowners` and commit the result.
    """
    present = ctx.codeowners
    if present is None:
        return
    where = codeowners_mod.CODEOWNERS_PATH.as_posix()
    for pattern, handles in codeowners_mod.expected_entries(corpus, ctx.governance).items():
        found = present.get(pattern)
        if found is None:
            yield Finding(1, f"missing line {pattern} {' '.join(handles)}; run `kb codeowners`", path=where)
        elif found[1] != handles:
            yield Finding(
                found[0],
                f"{pattern} lists {' '.join(found[1]) or 'nobody'}, expected {' '.join(handles)}; run `kb codeowners`",
                path=where,
            )
    for pattern, (line, _) in present.items():
        if pattern.startswith("/") and pattern.endswith(".md") and "*" not in pattern:
            if not (ctx.settings.root / pattern.lstrip("/").replace("\\ ", " ")).exists():
                yield Finding(line, f"{pattern} names a file that does not exist; run `kb codeowners`", path=where)
