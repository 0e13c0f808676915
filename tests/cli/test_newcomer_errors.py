"""Errors that say what to do: each case a newcomer hit, run through the real `kb` command."""

from __future__ import annotations

import socket

from tests.conftest import run_kb


def test_a_mistyped_id_gets_a_did_you_mean(kb_copy):
    result = run_kb("diff", "card-payment-decline", cwd=kb_copy)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no doc with id or path 'card-payment-decline'; did you mean 'card-payment-declined'" in result.stderr
    nothing_close = run_kb("history", "zzzz-qqqq", cwd=kb_copy)
    assert nothing_close.returncode == 2 and "did you mean" not in nothing_close.stderr


def _doc(title_line: str) -> str:
    return "\n".join(
        [
            "---",
            "id: lost-card-now",
            title_line,
            "description: What to do when a card is lost.",
            "type: article",
            "status: draft",
            "audience: public",
            "owner: cards-support",
            "---",
            "# Lost card",
            "",
            "Freeze it in the app.",
            "",
        ]
    )


def test_yaml_colon_in_a_value_says_quote_it(kb_copy):
    path = kb_copy / "kb/cards/lost-card-now.md"
    path.write_text(_doc("title: Lost card: what to do now"), encoding="utf-8")
    result = run_kb("lint", "kb/cards/lost-card-now.md", cwd=kb_copy)
    assert result.returncode == 1
    assert (
        "kb/cards/lost-card-now.md:3:1: KB002 invalid YAML front-matter: mapping values are not allowed in this "
        "context; a value containing ': ' must be quoted: title: \"Lost card: what to do now\""
    ) in result.stdout


def test_yaml_unterminated_quote_is_reported_where_it_opens(kb_copy):
    path = kb_copy / "kb/cards/lost-card-now.md"
    path.write_text(_doc('title: "Lost card: what to do now'), encoding="utf-8")
    result = run_kb("lint", "kb/cards/lost-card-now.md", cwd=kb_copy)
    assert result.returncode == 1
    assert (
        "kb/cards/lost-card-now.md:3:1: KB002 invalid YAML front-matter: this quoted value is never closed"
        in result.stdout
    )


def test_port_in_use_is_a_clear_usage_error_before_anything_starts(kb_copy):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_kb("serve", "--port", str(port), cwd=kb_copy, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"cannot serve on 127.0.0.1:{port}: port {port} is already in use" in result.stderr
    assert "serving" not in result.stderr and "building" not in result.stderr and "Traceback" not in result.stderr
    assert not (kb_copy / ".kb" / "index").exists()  # refused before indexing or building anything


def test_new_sop_without_product_refuses_and_lists_products(kb_copy):
    before = sorted(p.relative_to(kb_copy) for p in (kb_copy / "sops").rglob("*"))
    result = run_kb("new", "sop", "--title", "Refund a double charge", cwd=kb_copy)
    assert result.returncode == 2
    assert "kb new sop needs --product" in result.stderr and "cards" in result.stderr
    assert sorted(p.relative_to(kb_copy) for p in (kb_copy / "sops").rglob("*")) == before
    made = run_kb("new", "sop", "--title", "Refund a double charge", "--product", "cards", cwd=kb_copy)
    assert made.returncode == 0 and made.stdout.strip() == "sops/cards/refund-a-double-charge.md"
    assert "owner: cards-support (the team owning most cards docs; choose another with --owner)" in made.stderr
