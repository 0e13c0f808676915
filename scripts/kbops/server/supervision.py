"""Workers never outlive `kb serve`: a worker process exits when its master dies, even by `kill -9`.

uvicorn's multi-process supervisor starts each worker from its main thread. A master killed with
SIGKILL cannot stop them, and they would go on serving (and holding the port, so a restart fails with
"address already in use"). Each worker therefore asks the Linux kernel to send it SIGTERM when its
parent dies (`prctl(PR_SET_PDEATHSIG)`), checks that the parent did not die before it asked, and
keeps a watchdog thread that notices a changed parent id (other Unix systems, or a kernel that
refuses the request). SIGTERM is uvicorn's graceful shutdown: requests in flight finish, the
listening socket closes.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1


def _set_parent_death_signal(signum: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int, interval: float) -> None:
    stop = threading.Event()
    while not stop.wait(interval):
        if os.getppid() != parent_pid:
            log.warning("the kb serve master (pid %s) is gone; this worker stops", parent_pid)
            os.kill(os.getpid(), signal.SIGTERM)
            return


def exit_with_master(interval: float = 0.5) -> int | None:
    """In a worker process, arrange to stop when the master dies; returns the master's pid (None: not a worker)."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return None  # single-process `kb serve`: nothing to supervise
    _set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent.pid:  # the master died before the request above
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=_watch_parent, args=(parent.pid, interval), name="kb-master-watch", daemon=True).start()
    return parent.pid
