"""`kb init`: a new, empty, valid knowledge base (configuration, governance, site, starter pages, CI)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from kbops.authoring import init_files as files
from kbops.authoring.init_answers import InitAnswers
from kbops.config import is_knowledge_base, load_settings
from kbops.errors import UsageError

log = logging.getLogger(__name__)

ROOTS = ("kb", "sops", "playbooks")
KB_FILES = ("governance.yml", "taxonomy.yml", "mkdocs.yml")


@dataclass
class InitResult:
    root: Path
    written: list[str] = field(default_factory=list)  # paths relative to root, in writing order
    owner: str = ""
    team: str = ""


def existing_content(target: Path) -> list[str]:
    """What makes `target` a knowledge base already (so `kb init` refuses to touch it)."""
    found = [name for name in KB_FILES if (target / name).exists()]
    if is_knowledge_base(target) and "governance.yml" not in found:
        found.append("pyproject.toml [tool.kbops]")
    for root in ROOTS:
        folder = target / root
        if folder.is_dir() and next(folder.rglob("*.md"), None) is not None:
            found.append(f"{root}/ (Markdown documents)")
    return found


def init_kb(target: Path, answers: InitAnswers, today: dt.date | None = None) -> InitResult:
    """Write a new knowledge base into `target` (created if missing); refuse one that already has content."""
    target = target.resolve()
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: not a folder")
    already = existing_content(target) if target.is_dir() else []
    if already:
        raise UsageError(
            f"{target}: already a knowledge base ({', '.join(already)}); `kb init` never overwrites one. "
            "Use `kb import` to bring content into it, or pick an empty folder."
        )
    day = (today or dt.date.today()).isoformat()
    result = InitResult(root=target, owner=answers.person, team=answers.team)
    pyproject = target / "pyproject.toml"
    planned = {
        "governance.yml": files.governance(answers),
        "taxonomy.yml": files.taxonomy(answers),
        "mkdocs.yml": files.mkdocs(answers),
        "kb/index.md": files.home_page(answers, day),
        "sops/index.md": files.sops_index(answers, day),
        "playbooks/index.md": files.playbooks_index(answers, day),
        ".pre-commit-config.yaml": files.PRE_COMMIT,
        ".github/workflows/kb-lint.yml": files.ci_workflow(answers),
    }
    if not (target / ".gitignore").exists():
        planned[".gitignore"] = files.GITIGNORE
    if (target / ".pre-commit-config.yaml").exists():
        del planned[".pre-commit-config.yaml"]  # someone's own hooks: left alone (README shows the kb-lint entry)
    target.mkdir(parents=True, exist_ok=True)
    if pyproject.exists():  # a repository's own pyproject: the table is appended, nothing else is touched
        text = pyproject.read_text(encoding="utf-8")
        pyproject.write_text(text.rstrip("\n") + "\n\n" + files.pyproject(answers), encoding="utf-8")
    else:
        pyproject.write_text(files.pyproject(answers), encoding="utf-8")
    result.written.append("pyproject.toml")
    for relpath, text in planned.items():
        path = target / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        result.written.append(relpath)
    result.written.append(_codeowners(target))
    log.debug("kb init wrote %d files under %s", len(result.written), target)
    return result


def _codeowners(target: Path) -> str:
    from kbops.governance.codeowners import CODEOWNERS_PATH, sync_codeowners
    from kbops.model.governance import load_governance
    from kbops.model.loader import load_corpus

    settings = load_settings(target)
    (target / CODEOWNERS_PATH).parent.mkdir(parents=True, exist_ok=True)
    sync_codeowners(target, load_corpus(settings), load_governance(settings.governance_path))
    return CODEOWNERS_PATH.as_posix()
