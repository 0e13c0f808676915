"""`kb init`, commands outside a knowledge base, and the documented walkthrough init -> import -> lint -> serve."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.conftest import run_kb
from tests.importers.conftest import EXPORT, MAPPING, TODAY, new_kb

NOT_A_KB = "not a kbops knowledge base; cd into one, pass --root, or run `kb init`"


def test_init_makes_a_valid_kb_that_lints_and_builds_at_once(tmp_path):
    root = new_kb(tmp_path / "help")
    for name in (
        "pyproject.toml",
        "governance.yml",
        "taxonomy.yml",
        "mkdocs.yml",
        "kb/index.md",
        "sops/index.md",
        "playbooks/index.md",
        ".github/CODEOWNERS",
        ".pre-commit-config.yaml",
        ".github/workflows/kb-lint.yml",
    ):
        assert (root / name).is_file(), name
    governance = yaml.safe_load((root / "governance.yml").read_text(encoding="utf-8"))
    assert governance["people"]["ana"]["emails"] == ["ana@example.com"]
    assert governance["reviewer_groups"]["content-reviewers"]["members"] == ["ana"]
    assert "@acme/support" in (root / ".github/CODEOWNERS").read_text(encoding="utf-8")
    assert "kb lint" in (root / ".github/workflows/kb-lint.yml").read_text(encoding="utf-8")
    assert "entry: kb lint" in (root / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    done = run_kb("lint", cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors, 0 warnings" in done.stderr
    done = run_kb("build", "--audience", "internal", cwd=root)
    assert done.returncode == 0, done.stderr


def test_init_takes_the_owner_from_git_config(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.name", "Lucía Martín"], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.email", "Lucia.Martin@example.org"], check=True)
    (root / "pyproject.toml").write_text('[project]\nname = "site"\n', encoding="utf-8")
    done = run_kb("init", str(root), input="")
    assert done.returncode == 0, done.stderr
    people = yaml.safe_load((root / "governance.yml").read_text(encoding="utf-8"))["people"]
    assert people == {
        "lucia.martin": {"name": "Lucía Martín", "emails": ["Lucia.Martin@example.org"], "team": "support"}
    }
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith('[project]\nname = "site"\n') and "[tool.kbops]" in text  # appended, nothing lost


def test_init_refuses_a_kb_that_has_content_and_says_what_is_missing(tmp_path):
    root = new_kb(tmp_path / "help")
    before = (root / "governance.yml").read_bytes()
    done = run_kb("init", str(root), "--name", "X", "--email", "x@example.com")
    assert done.returncode == 2 and "already a knowledge base" in done.stderr
    assert (root / "governance.yml").read_bytes() == before
    content = tmp_path / "content"
    (content / "kb").mkdir(parents=True)
    (content / "kb" / "a.md").write_text("# A\n", encoding="utf-8")
    assert run_kb("init", str(content), "--name", "X", "--email", "x@example.com").returncode == 2
    done = run_kb("init", str(tmp_path / "new"), "--email", "not-an-email", "--locales", "en,EN!", "--name", "")
    assert done.returncode == 2
    assert "--email" in done.stderr and "--locales" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "command", [["lint"], ["search", "card"], ["build"], ["index"], ["stale"], ["import", "markdown", "."]]
)
def test_commands_outside_a_kb_say_how_to_get_into_one(tmp_path, command):
    done = run_kb(*command, cwd=tmp_path)
    assert done.returncode == 2
    assert NOT_A_KB in done.stderr and "kb index" not in done.stderr


def test_a_root_that_is_not_a_kb_is_named(tmp_path):
    done = run_kb("--root", str(tmp_path), "lint")
    assert done.returncode == 2 and f"{tmp_path}: {NOT_A_KB}" in done.stderr


@pytest.mark.slow
def test_walkthrough_init_import_lint_serve(tmp_path):
    """README "Bring a help center in": the commands in the order a migrating team runs them."""
    from tests.server.conftest import running_server

    root = new_kb(tmp_path / "help")
    done = run_kb("import", "zendesk", str(EXPORT), "--mapping", str(MAPPING), cwd=root)
    assert done.returncode == 0, done.stderr
    assert "publishable now:" in done.stdout and "held back by" in done.stdout
    lint = run_kb("--today", TODAY, "lint", cwd=root)
    assert lint.returncode in (0, 1) and "Traceback" not in lint.stderr
    article = next(
        p
        for p in (root / "kb").rglob("*.md")
        if "audience: public" in p.read_text(encoding="utf-8")
        and "status: published" in p.read_text(encoding="utf-8")
        and "upstream:" in p.read_text(encoding="utf-8")
        and "translation_of" not in p.read_text(encoding="utf-8")
    )
    meta = yaml.safe_load(article.read_text(encoding="utf-8").split("---")[1])
    with running_server(root, timeout=240) as server, server.client() as client:
        for old in meta["redirect_from"]:  # as Zendesk wrote them: no trailing slash
            page = client.get("/" + old, follow_redirects=True)
            assert page.status_code == 200 and 'http-equiv="refresh"' in page.text, old
            target = page.text.split('rel="canonical" href="', 1)[1].split('"', 1)[0]
            landed = client.get(str(page.url.join(target)), follow_redirects=True)
            assert landed.status_code == 200 and meta["title"].split(" ")[0] in landed.text
        hits = client.get("/api/search", params={"q": meta["title"]}).json()["hits"]
        assert meta["id"] in [hit["id"] for hit in hits]
