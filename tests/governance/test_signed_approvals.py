"""Signed approvals on a real git repository: forging is refused or caught, real signatures verify, keys rotate and revoke."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import pytest

from kbops.governance.signatures import NAMESPACE, statement, verify_signature
from kbops.governance.signing import identity_from_file, sign
from tests.conftest import git, run_kb
from tests.governance.conftest import CARL, GOVERNANCE, RITA, WENDY, commit, init_repo, kb_inprocess, make_kb

SOP = "sops/data-deletion.md"
ARTICLE = "kb/card-declined.md"


def keygen(folder: Path, name: str, kind: str = "ed25519") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", f"test-{name}", "-f", str(path)], check=True)
    return path


def public(key: Path) -> str:
    return " ".join(Path(str(key) + ".pub").read_text().split()[:2])


def governance_with(keys: dict[str, list[str]], extra: str = "") -> str:
    """The test governance with `people.X.keys` entries (YAML flow text) and require_signed on regulated-content."""
    text = GOVERNANCE.replace(
        "    require: [{group: compliance, count: 1}]\n",
        "    require: [{group: compliance, count: 1}]\n    require_signed: true\n",
        1,
    )
    for person, entries in keys.items():
        text = re.sub(
            rf"(\n  {person}: \{{.*?)\}}\n", lambda m: f"{m.group(1)}, keys: [{', '.join(entries)}]}}\n", text, count=1
        )
    return text + extra


@pytest.fixture
def signed_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The small test KB in git, with ed25519 keys for Wendy (compliance writer), Rita (compliance) and Carl."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)  # no agent: only --key and git config provide keys
    keys = {name: keygen(tmp_path / "keys", name) for name in ("wendy", "rita", "carl")}
    root = make_kb(tmp_path / "kb-root")
    monkeypatch.setenv("HOME", str(root))  # no user.signingkey from the machine's own git config
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (root / "governance.yml").write_text(
        governance_with({n: [f"{{key: {public(k)}}}"] for n, k in keys.items()}), encoding="utf-8"
    )
    init_repo(root)
    commit(root, "Initial knowledge base", WENDY, date="2026-09-01T10:00:00+00:00")
    return root, keys


def lint_json(root: Path) -> list[dict]:
    result = kb_inprocess("--today", "2026-11-05", "lint", "--no-cache", "--format", "json", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["diagnostics"]


def kb813(root: Path, path: str = SOP) -> list[dict]:
    return [d for d in lint_json(root) if d["code"] == "KB813" and d["path"] == path]


def approve(root: Path, email: str, key: Path | None, *paths: str, today: str = "2026-11-03"):
    args = ["--today", today, "approve", "--as", email, *(["--key", str(key)] if key else []), *(paths or (SOP,))]
    return kb_inprocess(*args, cwd=root)


def test_forged_approvals_are_refused_or_fail_lint_and_the_real_one_passes(signed_kb):
    root, keys = signed_kb
    sop = root / SOP
    sop.write_text(sop.read_text().replace("within 30 days", "within 14 days"), encoding="utf-8")
    commit(root, "Shorter deletion deadline", WENDY, date="2026-11-02T10:00:00+00:00")
    before = sop.read_text()

    # Wendy, the author, approves as Rita with her own key: refused, nothing written
    forged = approve(root, RITA[1], keys["wendy"])
    assert forged.returncode == 2
    assert (
        "which is not enrolled for rita@acme.example" in forged.stderr
        and "it is wendy@acme.example's key" in forged.stderr
    )
    assert "`--as` works only for the holder of that key" in forged.stderr
    # ... and with no key at all: the policy requires a signature, so still refused (exit 1, policy)
    keyless = approve(root, RITA[1], None)
    assert keyless.returncode == 1 and "requires a signed approval and no signing key was found" in keyless.stderr
    assert sop.read_text() == before

    # hand-written approval lines: unsigned, made-up signature, Wendy's own signature of a statement naming Rita
    current = run_hash(root)
    wendy = identity_from_file(keys["wendy"], "test")
    own_sig = sign(root, wendy, statement("data-deletion", current, RITA[1], "2026-11-03", "regulated-content"))
    made_up = base64.b64encode(b"SSHSIG" + b"\x00" * 60).decode()
    for signature, expected in (
        (None, "is unsigned and policy regulated-content requires signed approvals"),
        (made_up, "it is not an SSH signature"),
        (own_sig, "signed with wendy@acme.example's key"),
    ):
        write_entry(sop, before, RITA[1], current, signature, policy="regulated-content")
        found = kb813(root)
        assert len(found) == 1 and expected in found[0]["message"], found
        assert found[0]["severity"] == "error" and found[0]["line"] == entry_line(sop)
        assert any(d["code"] == "KB801" or d["code"] == "KB802" for d in lint_json(root) if d["path"] == SOP)

    # Rita's signed approval of the article, copied into the SOP with the SOP's hash: does not verify
    sop.write_text(before, encoding="utf-8")
    other = root / "sops/data-export.md"
    other.write_text(before.replace("id: data-deletion", "id: data-export"), encoding="utf-8")
    assert approve(root, RITA[1], keys["rita"], "sops/data-export.md").returncode == 0
    copied = re.search(r"signature: (\S+)", other.read_text()).group(1)
    write_entry(sop, before, RITA[1], current, copied, date="2026-11-03", policy="regulated-content")
    found = kb813(root)
    assert len(found) == 1 and "it does not sign this approval" in found[0]["message"], found
    assert "Remove the entry and ask rita@acme.example to run `kb approve sops/data-deletion.md`" in found[0]["message"]

    # the real reviewer signs: accepted, lint has nothing to say about signatures, the approval counts
    sop.write_text(before, encoding="utf-8")
    real = approve(root, RITA[1], keys["rita"])
    assert real.returncode == 0, real.stderr
    assert f"signed with {wendy_fp(keys['rita'])}" in real.stdout
    commit(root, "Compliance approval", RITA, date="2026-11-03T10:00:00+00:00")
    diagnostics = [d for d in lint_json(root) if d["path"] == SOP]
    assert not [d for d in diagnostics if d["code"] in ("KB801", "KB802", "KB804", "KB813")], diagnostics
    # the signature is an ordinary SSHSIG: OpenSSH's own verifier accepts it (git-compatible, no kbops needed)
    assert openssh_verifies(sop, root, RITA[1], keys["rita"])


def test_rotated_key_keeps_old_approvals_a_revoked_key_does_not(signed_kb):
    root, keys = signed_kb
    assert approve(root, RITA[1], keys["rita"]).returncode == 0  # dated 2026-11-03
    commit(root, "Compliance approval", RITA, date="2026-11-03T10:00:00+00:00")
    assert kb813(root) == []

    # Rita rotates on 2026-11-04: the old key is retired (valid_before), a new one enrolled
    new = keygen(root.parent / "keys", "rita-2026")
    rotated = {
        "wendy": [f"{{key: {public(keys['wendy'])}}}"],
        "carl": [f"{{key: {public(keys['carl'])}}}"],
        "rita": [
            f"{{key: {public(keys['rita'])}, valid_before: 2026-11-04}}",
            f"{{key: {public(new)}, valid_after: 2026-11-04}}",
        ],
    }
    (root / "governance.yml").write_text(governance_with(rotated), encoding="utf-8")
    assert kb813(root) == []  # the approval of 2026-11-03 still verifies with the retired key
    # the retired key signs nothing new; the new one does
    other = root / "sops/data-export.md"
    other.write_text((root / SOP).read_text().replace("id: data-deletion", "id: data-export"), encoding="utf-8")
    late = approve(root, RITA[1], keys["rita"], "sops/data-export.md", today="2026-11-05")
    assert late.returncode == 2 and "after the key was retired (2026-11-04" in late.stderr
    assert approve(root, RITA[1], new, "sops/data-export.md", today="2026-11-05").returncode == 0
    other.unlink()

    # the old key is lost: revoked, it verifies nothing, whatever the approval's date
    rotated["rita"][0] = f"{{key: {public(keys['rita'])}, valid_before: 2026-11-04, revoked: 2026-11-05}}"
    (root / "governance.yml").write_text(governance_with(rotated), encoding="utf-8")
    found = kb813(root)
    assert len(found) == 1 and "which is revoked" in found[0]["message"] and found[0]["severity"] == "error"
    # the same through signing.revoked_keys (a fingerprint), e.g. for keys kept in an allowed_signers file
    rotated["rita"][0] = f"{{key: {public(keys['rita'])}, valid_before: 2026-11-04}}"
    (root / "governance.yml").write_text(
        governance_with(rotated, f"signing:\n  revoked_keys: ['{wendy_fp(keys['rita'])}']\n"), encoding="utf-8"
    )
    assert "which is revoked (governance.yml signing.revoked_keys)" in kb813(root)[0]["message"]


def test_signature_over_an_older_content_hash_does_not_count(signed_kb):
    root, keys = signed_kb
    sop = root / SOP
    assert approve(root, RITA[1], keys["rita"]).returncode == 0
    commit(root, "Compliance approval", RITA, date="2026-11-03T10:00:00+00:00")
    sop.write_text(sop.read_text().replace("within 30 days", "within 60 days"), encoding="utf-8")
    commit(root, "Longer deadline", WENDY, date="2026-11-04T10:00:00+00:00")
    codes = {d["code"] for d in lint_json(root) if d["path"] == SOP}
    assert "KB801" in codes  # the signed approval names the old hash: stale
    # pointing the signed entry at the new hash breaks the signature
    text = sop.read_text()
    old = re.search(r"hash: ([0-9a-f]{64})", text).group(1)
    sop.write_text(text.replace(old, run_hash(root)), encoding="utf-8")
    found = kb813(root)
    assert len(found) == 1 and "it does not sign this approval" in found[0]["message"]
    assert {"KB802"} <= {d["code"] for d in lint_json(root) if d["path"] == SOP}


def test_keys_from_git_config_agent_and_allowed_signers_file(signed_kb, monkeypatch: pytest.MonkeyPatch):
    root, keys = signed_kb
    # keys in a git allowed_signers file named by governance.yml, with validity dates as git writes them
    ecdsa = keygen(root.parent / "keys", "rita-ecdsa", "ecdsa")
    allowed = root / "allowed_signers"
    allowed.write_text(
        f'# approval keys\nrita@acme.example namespaces="kbops-approval,git",valid-after="20260101" '
        f'{public(ecdsa)} rita laptop\ncarl@acme.example namespaces="git" {public(keys["carl"])}\n'
    )
    (root / "governance.yml").write_text(governance_with({}, "signing:\n  allowed_signers: allowed_signers\n"))
    # git's user.signingkey (a private key file, ECDSA: signed and verified through ssh-keygen)
    ecdsa.chmod(0o600)
    git(root, "config", "user.signingkey", str(ecdsa))
    git(root, "config", "gpg.format", "ssh")
    monkeypatch.setenv("HOME", str(root))
    result = run_kb(
        "--today",
        "2026-11-03",
        "approve",
        "--as",
        RITA[1],
        SOP,
        cwd=root,
        env={"HOME": str(root), "GIT_CONFIG_NOSYSTEM": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert kb813(root) == []
    # Carl's key is allowed for git commits only: it signs no approval
    git(root, "config", "--unset", "user.signingkey")
    refused = approve(root, CARL[1], keys["carl"], ARTICLE)
    assert refused.returncode == 2 and "not enrolled for carl@acme.example" in refused.stderr

    # ssh-agent: the key enrolled for the reviewer is picked among the agent's keys
    (root / "governance.yml").write_text(governance_with({"carl": [f"{{key: {public(keys['carl'])}}}"]}))
    agent = subprocess.run(
        ["ssh-agent", "-s", "-a", str(root.parent / "agent.sock")], capture_output=True, text=True, check=True
    )
    pid = re.search(r"SSH_AGENT_PID=(\d+)", agent.stdout).group(1)
    try:
        monkeypatch.setenv("SSH_AUTH_SOCK", str(root.parent / "agent.sock"))
        for name in ("wendy", "carl"):
            subprocess.run(["ssh-add", "-q", str(keys[name])], check=True, capture_output=True)
        by_agent = approve(root, CARL[1], None, ARTICLE)
        assert by_agent.returncode == 0, by_agent.stderr
        assert f"signed with {wendy_fp(keys['carl'])}" in by_agent.stdout
    finally:
        subprocess.run(["kill", pid], check=False)
    assert kb813(root, ARTICLE) == []


def test_config_problems_are_reported_together(tmp_path: Path):
    root = make_kb(tmp_path / "kb")
    (root / "allowed_signers").write_text(
        "*@acme.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7iAjofoLPMgiT6rvDycvjeP5p3W1xTI5gBx/J1Imde\n"
        "nobody@acme.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7iAjofoLPMgiT6rvDycvjeP5p3W1xTI5gBx/J1Imde\n"
        'rita@acme.example valid-after="2026" ssh-ed25519 AAAA\n'
    )
    (root / "governance.yml").write_text(
        governance_with(
            {"carl": ["{key: ssh-dss AAAAB3NzaC1kc3M=}"]},
            "signing:\n  allowed_signers: allowed_signers\n  revoked_keys: [not-a-fingerprint]\n",
        )
    )
    result = kb_inprocess("lint", cwd=root)
    assert result.returncode == 2
    for expected in (
        "people.carl.keys[0]: key type 'ssh-dss'",
        "allowed_signers:1: principal '*@acme.example'",
        "allowed_signers:2: principal 'nobody@acme.example' is not an e-mail",
        "allowed_signers:3: '2026': expected YYYYMMDD",
        "'not-a-fingerprint' is not a key fingerprint",
    ):
        assert expected in result.stderr, result.stderr


def test_hostile_signatures_are_findings_not_tracebacks():
    message = statement("doc", "a" * 64, "r@x", "2026-11-02", "p")
    for junk in (
        "",
        "====",
        "not base64 at all!",
        base64.b64encode(b"SSHSIG").decode(),
        base64.b64encode(b"SSHSIG\x00\x00\x00\x01" + b"\xff" * 40).decode(),
        "A" * 5000,
    ):
        assert verify_signature(message, junk).error
    # a well-formed ed25519 signature whose inner algorithm name lies (the library asserts on it)
    key = identity_from_file(keygen_tmp(), "t")
    blob = bytearray(base64.b64decode(sign(Path("."), key, message)))
    at = blob.rfind(b"ssh-ed25519")
    blob[at : at + 11] = b"ssh-ed25518"
    assert "does not sign this approval" in verify_signature(message, base64.b64encode(bytes(blob)).decode()).error


# -- helpers --


def keygen_tmp() -> Path:
    import tempfile

    return keygen(Path(tempfile.mkdtemp(prefix="kbops-key-")), "k")


def wendy_fp(key: Path) -> str:
    return identity_from_file(key, "t").fingerprint


def run_hash(root: Path) -> str:
    from kbops.model.loader import parse_document

    return parse_document(SOP, (root / SOP).read_bytes()).content_hash


def write_entry(
    path: Path,
    base: str,
    reviewer: str,
    content_hash: str,
    signature: str | None,
    date: str = "2026-11-03",
    policy: str | None = None,
) -> None:
    lines = ["approvals:", f"  - reviewer: {reviewer}", f"    date: {date}", f"    hash: {content_hash}"]
    lines += [f"    policy: {policy}"] if policy else []
    lines += [f"    signature: {signature}"] if signature else []
    path.write_text(base.replace("last_reviewed:", "\n".join(lines) + "\nlast_reviewed:", 1), encoding="utf-8")


def entry_line(path: Path) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("  - reviewer:"))


def openssh_verifies(doc: Path, root: Path, email: str, key: Path) -> bool:
    from kbops.model.loader import parse_document

    parsed = parse_document(SOP, doc.read_bytes())
    entry = parsed.get("approvals")[0]
    message = statement(parsed.id, str(entry["hash"]), email, str(entry["date"]), str(entry["policy"]))
    sig = root.parent / "approval.sig"
    sig.write_text(
        "-----BEGIN SSH SIGNATURE-----\n"
        + base64.encodebytes(base64.b64decode(entry["signature"])).decode()
        + "-----END SSH SIGNATURE-----\n"
    )
    allowed = root.parent / "allowed"
    allowed.write_text(f"{email} {public(key)}\n")
    done = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", email, "-n", NAMESPACE, "-s", str(sig)],
        input=message,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0 and b"Good" in done.stdout


def test_unusable_key_files_are_usage_errors(signed_kb):
    root, _ = signed_kb
    (root / "notakey").write_text("hello\n")
    for key, expected in (
        (root / "missing", "cannot read the key"),
        (root / "notakey", "not an SSH private or public key"),
    ):
        result = approve(root, RITA[1], key)
        assert result.returncode == 2 and expected in result.stderr, result.stderr
    explained = kb_inprocess("rule", "KB813", cwd=root)
    assert explained.returncode == 0 and "kbops-approval" in explained.stdout and "How to fix" in explained.stdout


def test_a_kb_that_does_not_sign_yet_is_not_blocked_by_a_git_signing_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """No key enrolled anywhere, no policy requiring signatures: a reviewer's git SSH signing key changes nothing."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    root = make_kb(tmp_path / "kb")
    monkeypatch.setenv("HOME", str(root))
    init_repo(root)
    commit(root, "Initial knowledge base", WENDY, date="2026-09-01T10:00:00+00:00")
    git(root, "config", "gpg.format", "ssh")
    git(root, "config", "user.signingkey", str(keygen(tmp_path / "keys", "carl")))
    result = approve(root, CARL[1], None, ARTICLE)
    assert result.returncode == 0, result.stderr
    assert "the approval is unsigned: anyone with write access could have written it" in result.stderr
    found = kb813(root, ARTICLE)
    assert [d["severity"] for d in found] == ["warning"] and "is unsigned" in found[0]["message"]


def test_lint_cache_follows_the_allowed_signers_file(signed_kb, monkeypatch: pytest.MonkeyPatch):
    """Document-rule results are cached per file; a key removed from the allowed_signers file must still be noticed."""
    root, keys = signed_kb
    monkeypatch.setenv("XDG_CACHE_HOME", str(root.parent / "xdg"))
    allowed = root / "allowed_signers"
    allowed.write_text(f"rita@acme.example {public(keys['rita'])}\n")
    (root / "governance.yml").write_text(governance_with({}, "signing:\n  allowed_signers: allowed_signers\n"))
    assert approve(root, RITA[1], keys["rita"]).returncode == 0

    def cached_kb813() -> list[str]:
        result = kb_inprocess("--today", "2026-11-05", "lint", "--format", "json", cwd=root)
        return [d["message"] for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "KB813"]

    assert cached_kb813() == [] and cached_kb813() == []  # second run from the cache
    allowed.write_text("# Rita's key removed\n")
    found = cached_kb813()
    assert len(found) == 1 and "not enrolled for rita@acme.example" in found[0]
