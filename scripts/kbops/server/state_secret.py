"""Secrets kept in the server's state folder, created once and shared by every worker process."""

from __future__ import annotations

import os
import time
from pathlib import Path


def read_or_create_secret(path: Path, nbytes: int) -> bytes:
    """The hex secret stored at `path`, written (mode 0600, `nbytes` random bytes) by whichever process comes first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker is writing it right now
            value = path.read_bytes().strip()
            if value:
                return value
            time.sleep(0.01)
        raise
    value = os.urandom(nbytes).hex().encode()
    os.write(fd, value)
    os.close(fd)
    return value
