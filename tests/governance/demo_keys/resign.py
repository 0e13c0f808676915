"""Re-sign the bundled KB's current approvals with the DEMO-ONLY keys of this folder (same reviewer, date and hash).

For maintainers of the bundled KB only: after an edit of bundled content that kept its approvals (or a change of
the statement format), `python -m tests.governance.demo_keys.resign` writes `policy` and `signature` again.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from kbops.config import load_settings
from kbops.governance.approvals import set_approval
from kbops.governance.policy import approval_records, signed_policy
from kbops.governance.signatures import statement
from kbops.governance.signing import identity_from_file, sign
from kbops.model.governance import load_governance
from kbops.model.loader import load_corpus

KEYS = Path(__file__).parent
REPO = KEYS.parents[2]


def resign(root: Path = REPO) -> list[str]:
    settings = load_settings(root)
    governance = load_governance(settings.governance_path)
    changed = []
    for doc in load_corpus(settings).docs:
        path = root / doc.relpath
        text = path.read_text(encoding="utf-8")
        for record in approval_records(doc, governance):
            if not record.current or record.person is None or record.signature.verified:
                continue
            identity = identity_from_file(KEYS / record.person, "demo key")
            policy = signed_policy(record.person, doc, governance)
            signature = sign(root, identity, statement(doc.id or "", record.hash, record.reviewer, record.date, policy))
            text, _ = set_approval(
                text,
                {record.reviewer.lower()},
                record.reviewer,
                dt.date.fromisoformat(record.date),
                record.hash,
                policy,
                signature,
            )
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8")
            changed.append(doc.relpath)
    return changed


if __name__ == "__main__":
    for relpath in resign(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO):
        print(f"re-signed {relpath}")
