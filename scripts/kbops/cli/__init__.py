"""The `kb` command: a thin shell that parses arguments, calls one library function and renders it.

Exit codes everywhere: 0 clean, 1 findings at error level, 2 usage or configuration error.
"""
from __future__ import annotations

import sys

from kbops.cli._app import app, err
from kbops.errors import KbError

# Each module registers its commands on `app`.
from kbops.cli import content, lint  # noqa: E402,F401
from kbops.cli import search, serve, api_keys, export, site, analytics, governance  # noqa: E402,F401


def main() -> None:
    try:
        app()
    except KbError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            err.print(f"kb: error: {line}", markup=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
