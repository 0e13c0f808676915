"""Is a markup-heavy paragraph too costly to render? Measured, not guessed from a marker count.

Python-Markdown's inline patterns rescan a paragraph once per match: 50,000 `[` on one line take about
ten minutes and 1,000 links in one paragraph 30 s, while a real list of 200 file paths with escaped
backslashes (2,700 "markers") renders in a fraction of a second. So a paragraph with many markers is
rendered once, on its own, in a helper process, and judged by the CPU time it took: within
`CPU_BUDGET` it is rendered as written; past it the helper is stopped at once and the paragraph is
staged as text (and reported). CPU time, not wall time, so a busy machine does not refuse real content.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

CPU_BUDGET = 0.5  # seconds of CPU to render one paragraph alone
_POLL = 0.02


def _render_loop(connection) -> None:
    import markdown

    renderer = markdown.Markdown(extensions=["admonition", "attr_list", "md_in_html", "toc"])
    while True:
        text = connection.recv()
        if text is None:
            return
        renderer.reset()
        renderer.convert(text)
        connection.send(True)


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class _Renderer:
    """One helper process, started on first need, replaced after it is stopped for going over budget."""

    def __init__(self) -> None:
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        mine, theirs = context.Pipe()
        self._process = context.Process(target=_render_loop, args=(theirs,), daemon=True, name="kb-render-budget")
        self._process.start()
        self._connection = mine
        # Warm up (imports, extension set-up) so that its CPU time is not charged to the first paragraph.
        mine.send("warm *up*")
        mine.recv()

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._process, self._connection = None, None

    def within_budget(self, text: str, budget: float) -> bool:
        with self._lock:
            if self._process is None or not self._process.is_alive():
                self._start()
            assert self._process is not None and self._connection is not None
            pid = self._process.pid or 0
            before = _cpu_seconds(pid)
            self._connection.send(text)
            deadline = time.monotonic() + max(60.0, budget * 100)  # a stalled helper: wall-clock safety net
            while not self._connection.poll(_POLL):
                if _cpu_seconds(pid) - before > budget or time.monotonic() > deadline or not self._process.is_alive():
                    self.stop()
                    return False
            self._connection.recv()
            return _cpu_seconds(pid) - before <= budget


_RENDERER = _Renderer()
atexit.register(_RENDERER.stop)


def renders_within_budget(text: str, budget: float = CPU_BUDGET) -> bool:
    """True when Python-Markdown renders `text` alone within `budget` CPU seconds."""
    return _RENDERER.within_budget(text, budget)
