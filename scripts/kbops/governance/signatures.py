"""Signed approvals: the canonical statement a reviewer signs, and its offline verification against governance.yml keys.

A signature is an SSHSIG blob (what `ssh-keygen -Y sign` and git's SSH commit signing produce), namespace
`kbops-approval`, stored base64 in the approval entry. It proves that the holder of an enrolled private key
approved exactly this statement: doc id, content hash, reviewer, date and policy. Copying it to another doc,
another hash, another reviewer or date breaks it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import io
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kbops.model.governance import Governance, SigningKey

log = logging.getLogger(__name__)

NAMESPACE = "kbops-approval"
STATEMENT_VERSION = "kbops-approval v1"
IN_PROCESS_TYPES = frozenset({"ssh-ed25519", "ssh-rsa"})  # what sshsig verifies
ECDSA_HASHES = {"ecdsa-sha2-nistp256": "SHA256", "ecdsa-sha2-nistp384": "SHA384", "ecdsa-sha2-nistp521": "SHA512"}
# security-key (sk-) signatures carry flags and a counter over an application hash: ssh-keygen checks those

VERIFIED, UNSIGNED, INVALID = "verified", "unsigned", "invalid"


def statement(doc_id: str, content_hash: str, reviewer: str, date: str, policy: str) -> bytes:
    """The exact bytes a reviewer signs. One field per line, so no value can pose as another field."""
    fields = (("doc", doc_id), ("hash", content_hash), ("reviewer", reviewer), ("date", date), ("policy", policy))
    lines = [STATEMENT_VERSION] + [f"{name}: {' '.join(str(value).split())}" for name, value in fields]
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Verified:
    """What the signature itself proves: which key signed the statement, or why it proves nothing."""

    fingerprint: str = ""  # of the key embedded in the signature, when the signature parses
    key_type: str = ""
    error: str = ""


@dataclass(frozen=True)
class SignatureCheck:
    """One approval's signature against the reviewer's enrolled keys."""

    state: str  # verified | unsigned | invalid
    reason: str = ""  # for invalid: what is wrong, in words a reviewer can act on
    fingerprint: str = ""  # the signing key, when known
    key_source: str = ""  # where the verifying key is enrolled (governance.yml people.x.keys[0], file:line)

    @property
    def verified(self) -> bool:
        return self.state == VERIFIED


def _ssh_string(data: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(data):
        raise ValueError("truncated")
    size = int.from_bytes(data[offset : offset + 4], "big")
    if offset + 4 + size > len(data):
        raise ValueError("truncated")
    return data[offset + 4 : offset + 4 + size], offset + 4 + size


def fingerprint_of_blob(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@functools.lru_cache(maxsize=1 << 16)
def verify_signature(message: bytes, signature: str) -> Verified:
    """Check that `signature` signs `message` in the kbops-approval namespace. Cached: lint asks once per doc per run."""
    from sshsig.sshsig import SshsigSignature, do_sshsig_verify

    try:
        blob = base64.b64decode("".join(signature.split()), validate=True)
        outer = SshsigSignature(blob)
        key_type = _ssh_string(outer.public_key, 0)[0].decode("ascii")
    except (binascii.Error, ValueError, NotImplementedError, UnicodeDecodeError):
        return Verified(error="it is not an SSH signature (made up or damaged)")
    fingerprint = fingerprint_of_blob(outer.public_key)
    if outer.namespace != NAMESPACE.encode():
        namespace = outer.namespace.decode("ascii", "replace")[:40]
        return Verified(
            fingerprint,
            key_type,
            f"it was made for namespace {namespace!r}, not {NAMESPACE!r} (e.g. a commit signature pasted in)",
        )
    if key_type in ECDSA_HASHES:
        return Verified(fingerprint, key_type, _verify_ecdsa(outer, key_type, message))
    if key_type not in IN_PROCESS_TYPES:
        error = _verify_with_ssh_keygen(message, blob)
        return Verified(fingerprint, key_type, error)
    result: object
    try:
        result = do_sshsig_verify(outer, io.BytesIO(message), NAMESPACE)
    except Exception as exc:
        log.debug("signature rejected: %r", exc)
        result = exc
    if isinstance(result, Exception):
        return Verified(fingerprint, key_type, MISMATCH)
    return Verified(fingerprint, key_type)


MISMATCH = (
    "it does not sign this approval: the doc id, hash, reviewer, date or policy differ from what was signed "
    "(copied from another approval, or edited)"
)


def _verify_ecdsa(outer, key_type: str, message: bytes) -> str:
    """ECDSA (nistp256/384/521) in-process: sshsig's wrapper bytes, the key and the math from `cryptography`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from sshsig.sshsig import SshsigWrapper

    try:
        hash_name = outer.hash_algo.decode("ascii")
        if hash_name not in ("sha256", "sha512"):
            return f"it uses hash {hash_name[:20]!r}, which SSH signatures do not allow"
        digest = hashlib.new(hash_name, message).digest()
        wrapped = SshsigWrapper(namespace=NAMESPACE.encode(), hash_algo=outer.hash_algo, hash=digest).to_bytes()
        key = serialization.load_ssh_public_key(f"{key_type} {base64.b64encode(outer.public_key).decode()}".encode())
        algorithm, offset = _ssh_string(outer.signature, 0)
        if algorithm.decode("ascii") != key_type:
            return MISMATCH
        inner = _ssh_string(outer.signature, offset)[0]
        r, rest = _ssh_string(inner, 0)
        s = _ssh_string(inner, rest)[0]
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return MISMATCH
        key.verify(
            encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big")),
            wrapped,
            ec.ECDSA(getattr(hashes, ECDSA_HASHES[key_type])()),
        )
    except (InvalidSignature, ValueError, UnicodeDecodeError, TypeError):
        return MISMATCH
    return ""


def _verify_with_ssh_keygen(message: bytes, blob: bytes) -> str:
    """Security-key (sk-) signatures: `ssh-keygen -Y check-novalidate` does the cryptography."""
    program = shutil.which("ssh-keygen")
    if program is None:
        return "its key type needs ssh-keygen (OpenSSH) to verify, and ssh-keygen is not installed"
    armored = "-----BEGIN SSH SIGNATURE-----\n" + base64.encodebytes(blob).decode() + "-----END SSH SIGNATURE-----\n"
    with tempfile.TemporaryDirectory(prefix="kbops-sig-") as folder:
        sig = Path(folder) / "approval.sig"
        sig.write_text(armored, encoding="ascii")
        try:
            done = subprocess.run(
                [program, "-Y", "check-novalidate", "-n", NAMESPACE, "-s", str(sig)],
                input=message,
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"ssh-keygen could not check it ({exc})"
    if done.returncode != 0:
        return MISMATCH
    return ""


def revoked_fingerprints(governance: Governance) -> dict[str, str]:
    """fingerprint -> where it is revoked, for messages."""
    revoked = {fp: "governance.yml signing.revoked_keys" for fp in governance.signing.revoked_keys}
    for person in governance.people.values():
        for key in person.keys:
            if key.revoked is not None:
                revoked.setdefault(key.fingerprint, f"{key.source} (revoked {key.revoked.isoformat()})")
    return revoked


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def key_accepts(key: SigningKey, date: dt.date | None) -> str:
    """ "" when the enrolled key may sign an approval of that date; else why not (validity window)."""
    if date is None:
        return "the approval's date is not a date"
    if key.valid_after is not None and date < key.valid_after:
        return f"the approval is dated {date}, before the key became valid ({key.valid_after}, {key.source})"
    if key.valid_before is not None and date >= key.valid_before:
        return f"the approval is dated {date}, after the key was retired ({key.valid_before}, {key.source})"
    return ""


def check_approval(
    doc_id: str,
    reviewer: str,
    date: str,
    content_hash: str,
    policy: str,
    signature: str | None,
    person: str | None,
    governance: Governance,
) -> SignatureCheck:
    """Does this approval prove itself? A valid signature by one of the reviewer's enrolled, unrevoked keys, in date."""
    if not signature:
        return SignatureCheck(UNSIGNED)
    proof = verify_signature(statement(doc_id, content_hash, reviewer, date, policy), str(signature))
    if proof.error:
        return SignatureCheck(INVALID, f"the signature does not verify: {proof.error}", proof.fingerprint)
    fp = proof.fingerprint
    if person is None:
        return SignatureCheck(
            INVALID, f"{reviewer} is not declared in governance.yml people, so no key can be theirs", fp
        )
    revoked = revoked_fingerprints(governance)
    if fp in revoked:
        return SignatureCheck(INVALID, f"it was signed with key {fp}, which is revoked ({revoked[fp]})", fp)
    own = [k for k in governance.keys_of(person) if k.fingerprint == fp]
    if not own:
        others = sorted({governance.people[p].emails[0] for p, _ in governance.key_owners().get(fp, []) if p != person})
        if others:
            return SignatureCheck(
                INVALID, f"it was signed with {', '.join(others)}'s key {fp}, not one of {reviewer}'s keys", fp
            )
        return SignatureCheck(
            INVALID, f"it was signed with key {fp}, which is not enrolled for {reviewer} in governance.yml", fp
        )
    when = _date(date)
    problems = [key_accepts(k, when) for k in own]
    for key, problem in zip(own, problems):
        if not problem:
            return SignatureCheck(VERIFIED, fingerprint=fp, key_source=key.source)
    return SignatureCheck(INVALID, problems[0], fp)


def describe_signer(check: SignatureCheck) -> str:
    """For reports: "signed SHA256:abc…", "unsigned", "signature invalid: …"."""
    if check.state == VERIFIED:
        return f"signed {check.fingerprint}"
    if check.state == UNSIGNED:
        return "unsigned"
    return f"DOES NOT VERIFY: {check.reason}"
