"""Signing an approval with the reviewer's own SSH key: `--key FILE`, git's `user.signingkey`, or an ssh-agent key.

Unencrypted ed25519/RSA key files are signed in-process (with `cryptography`); passphrase-protected
keys, agent-held keys and other key types go through `ssh-keygen -Y sign`, as git does for SSH commit
signatures (it prompts for the passphrase on the terminal).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kbops.errors import UsageError
from kbops.governance.signatures import NAMESPACE, fingerprint_of_blob
from kbops.model.governance import key_fingerprint, key_problem

if TYPE_CHECKING:  # cryptography is imported only when a key is loaded
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from cryptography.hazmat.primitives.serialization import SSHPrivateKeyTypes

PUBLIC_PREFIXES = ("ssh-", "ecdsa-", "sk-")


@dataclass(frozen=True)
class SigningIdentity:
    """A key the person running `kb approve` holds, and how to sign with it."""

    public_key: str  # "TYPE BASE64"
    origin: str  # for messages: "--key ~/.ssh/id_ed25519", "git config user.signingkey", "ssh-agent"
    private_file: Path | None = None  # sign with ssh-keygen -f (or in-process when `in_process`)
    in_process: Ed25519PrivateKey | RSAPrivateKey | None = (
        None  # a cryptography private key, when the file is unencrypted ed25519/RSA
    )

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_key)


def _git_config(root: Path, name: str) -> str | None:
    import git

    try:
        value = git.Git(str(root)).config("--get", name)
    except (git.GitCommandError, git.GitCommandNotFound, OSError):
        return None
    return value.strip() or None


def _ssh_program(root: Path) -> str:
    program = _git_config(root, "gpg.ssh.program") or "ssh-keygen"
    found = shutil.which(program)
    if found is None:
        raise UsageError(f"cannot sign: {program} (OpenSSH) is not installed; pass an unencrypted key with --key FILE")
    return found


def _public_line(text: str) -> str:
    parts = text.split()
    return " ".join(parts[:2])


def identity_from_file(path: Path, origin: str) -> SigningIdentity:
    """A key file: a private key (OpenSSH or PEM), or a public key whose private half is in ssh-agent."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    path = path.expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{origin}: cannot read the key: {exc.strerror or exc}") from None
    text = data.decode("utf-8", "replace").strip()
    if text.startswith(PUBLIC_PREFIXES):
        line = _public_line(text)
        if key_problem(line):
            raise UsageError(f"{origin}: {key_problem(line)}")
        return SigningIdentity(line, origin + " (private half in ssh-agent)", path)
    key: SSHPrivateKeyTypes | PrivateKeyTypes
    try:
        key = serialization.load_ssh_private_key(data, password=None)
    except TypeError:  # encrypted: ssh-keygen asks for the passphrase on the terminal
        pub = Path(str(path) + ".pub")
        if not pub.is_file():
            raise UsageError(
                f"{origin}: the key is passphrase-protected and {pub.name} is missing next to it"
            ) from None
        return SigningIdentity(_public_line(pub.read_text(encoding="utf-8", errors="replace")), origin, path)
    except (ValueError, UnsupportedAlgorithm) as exc:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (TypeError, ValueError, UnsupportedAlgorithm):
            raise UsageError(f"{origin}: not an SSH private or public key ({exc})") from None
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    if isinstance(key, (ed25519.Ed25519PrivateKey, rsa.RSAPrivateKey)):
        return SigningIdentity(_public_line(public), origin, path, key)
    return SigningIdentity(_public_line(public), origin, path)


def agent_keys() -> list[str]:
    """Public keys ssh-agent holds (`ssh-add -L`); none when no agent runs."""
    program = shutil.which("ssh-add")
    if not os.environ.get("SSH_AUTH_SOCK") or program is None:
        return []
    try:
        done = subprocess.run([program, "-L"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return (
        [_public_line(l) for l in done.stdout.splitlines() if l.startswith(PUBLIC_PREFIXES)]
        if done.returncode == 0
        else []
    )


def find_signing_identity(root: Path, key_file: Path | None, wanted: set[str]) -> SigningIdentity | None:
    """The key to sign with: --key FILE, else git's user.signingkey, else an agent key (one of `wanted` first)."""
    if key_file is not None:
        return identity_from_file(Path(key_file), f"--key {key_file}")
    configured = _git_config(root, "user.signingkey")
    if configured and _git_config(root, "gpg.format") == "ssh":  # as git: user.signingkey is a GPG key id otherwise
        literal = configured[len("key::") :] if configured.startswith("key::") else configured
        if literal.startswith(PUBLIC_PREFIXES):
            line = _public_line(literal)
            if key_problem(line) is None:
                return SigningIdentity(line, "git config user.signingkey (private half in ssh-agent)")
        elif Path(configured).expanduser().is_file():
            return identity_from_file(Path(configured), f"git config user.signingkey ({configured})")
    keys = agent_keys()
    for line in keys:
        if key_fingerprint(line) in wanted:
            return SigningIdentity(line, "ssh-agent")
    return SigningIdentity(keys[0], "ssh-agent") if keys else None


def _string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def _sign_in_process(identity: SigningIdentity, message: bytes) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding

    key = identity.in_process
    wrapper = (
        b"SSHSIG"
        + _string(NAMESPACE.encode())
        + _string(b"")
        + _string(b"sha512")
        + _string(hashlib.sha512(message).digest())
    )
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = _string(b"ssh-ed25519") + _string(key.sign(wrapper))
    else:
        assert key is not None  # callers sign in process only when the identity holds a key
        raw = _string(b"rsa-sha2-512") + _string(key.sign(wrapper, padding.PKCS1v15(), hashes.SHA512()))
    public_blob = base64.b64decode(identity.public_key.split()[1])
    blob = (
        b"SSHSIG"
        + (1).to_bytes(4, "big")
        + _string(public_blob)
        + _string(NAMESPACE.encode())
        + _string(b"")
        + _string(b"sha512")
        + _string(raw)
    )
    assert fingerprint_of_blob(public_blob) == identity.fingerprint
    return base64.b64encode(blob).decode("ascii")


def sign(root: Path, identity: SigningIdentity, message: bytes) -> str:
    """The SSHSIG signature of `message` (namespace kbops-approval), base64 on one line."""
    if identity.in_process is not None:
        return _sign_in_process(identity, message)
    program = _ssh_program(root)
    with tempfile.TemporaryDirectory(prefix="kbops-sign-") as folder:
        key_file = identity.private_file
        agent = key_file is None or identity.origin.endswith("(private half in ssh-agent)")
        if key_file is None:
            key_file = Path(folder) / "key.pub"
            key_file.write_text(identity.public_key + "\n", encoding="ascii")
        command = [program, "-Y", "sign", "-n", NAMESPACE, "-f", str(key_file)] + (["-U"] if agent else [])
        try:
            done = subprocess.run(command, input=message, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError(f"signing with {identity.origin} failed: {exc}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(
            f"signing with {identity.origin} failed: {detail[-1] if detail else 'ssh-keygen exited ' + str(done.returncode)}"
        )
    armored = done.stdout.decode("ascii", "replace")
    body = [l for l in armored.splitlines() if l and not l.startswith("-----")]
    return "".join(body)
