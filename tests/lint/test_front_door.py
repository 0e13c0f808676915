"""The pre-commit hook, the example PR workflow and the writer guide's lint section say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from kbops.cli.lint import lint_command
from kbops.lint.formatters import FORMATTERS

REPO = Path(__file__).resolve().parents[2]


def _lint_section() -> str:
    text = (REPO / "docs" / "kb" / "guides" / "writer.md").read_text(encoding="utf-8")
    return re.search(r"<!-- section:lint -->(.*?)<!-- /section:lint -->", text, re.S).group(1)


def test_pre_commit_hook():
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"]) == ("kb-lint", "kb lint", "python")
    files = re.compile(hook["files"])
    assert files.search("kb/cards/lost-card.md") and files.search("sops/banking/manual-load.md")
    assert not files.search("docs/lint-rules.md") and not files.search("kb/img/flow.png")


def test_example_workflow_annotates_changed_docs_and_uploads_sarif():
    workflow = yaml.safe_load((REPO / "docs/kb/examples/github-workflow-kb-lint.yml").read_text())
    steps = workflow["jobs"]["lint"]["steps"]
    commands = [s.get("run", "") for s in steps]
    assert any("kb lint --changed" in c and "--format github" in c for c in commands)
    assert any("--format sarif" in c for c in commands)
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    assert steps[0]["with"]["fetch-depth"] == 0


def test_readme_lint_section_documents_every_option_and_format():
    section = _lint_section()
    import inspect

    for parameter in inspect.signature(lint_command).parameters.values():
        option = parameter.default
        names = getattr(option, "param_decls", None) or ()
        long_names = [n for n in names if n.startswith("--")]
        if long_names:
            assert f"`{long_names[0]}" in section, f"writer guide lint section misses {long_names[0]}"
    for name in FORMATTERS:
        assert f"`{name}`" in section
    for phrase in ("kb-disable-file", "[tool.kbops.lint]", "kb rule --list", "kb schema", ".pre-commit-hooks.yaml"):
        assert phrase in section
