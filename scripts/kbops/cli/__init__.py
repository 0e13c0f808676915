"""The `kb` command: a thin shell that parses arguments, calls one library function and renders it.

Exit codes everywhere: 0 clean, 1 findings at error level, 2 usage or configuration error.
"""

from __future__ import annotations

import os
import sys

# Each module registers its commands on `app`.
from kbops.cli import (  # noqa: F401  # noqa: E402,F401  # noqa: E402,F401
    analytics,
    api_keys,
    config,
    content,
    export,
    governance,
    importing,
    init,
    lint,
    search,
    serve,
    site,
)
from kbops.cli._app import app
from kbops.errors import KbError


def main() -> None:
    try:
        app()
    except KbError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            _say(f"kb: error: {line}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("KB_DEBUG"):
            raise
        command = next((a for a in sys.argv[1:] if not a.startswith("-")), "kb")
        detail = str(exc).splitlines()[0][:300] if str(exc) else ""
        _say(
            f"kb: internal error in `kb {command}`: {type(exc).__name__}"
            + (f": {detail}" if detail else "")
            + " (hint: this is a bug in kb, not in your files; rerun with KB_DEBUG=1 for the traceback and report it)"
        )
        sys.exit(2)


def _say(line: str) -> None:
    """One line on stderr that always prints, whatever the bytes (non-UTF-8 file names, lone surrogates)."""
    sys.stderr.write(line.encode("utf-8", "backslashreplace").decode("utf-8") + "\n")
    sys.stderr.flush()
