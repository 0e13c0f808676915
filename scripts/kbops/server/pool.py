"""Searches off the event loop: a bounded pool of search processes, refused at once when it is full.

A search (Whoosh in pure Python, then the embedding model) costs from a few to several hundred
milliseconds of CPU. Run inside the event loop it stalls every other request of the process: health
checks, pages, events. Run in threads it still competes for the GIL and, in one process, serialises
on the searcher's lock. So each `kb serve` worker keeps `search_workers` processes (spawned, each
with its own SearchEngine that follows index swaps) and the event loop only hands them the caller's
parameters and gets back the JSON-ready answer.

Admission is explicit: at most `search_workers` searches run and `search_queue` wait; a search that
finds the queue full, or would by the measured search time (a moving average) not start within
`search_max_wait` seconds, is answered 503 with `Retry-After` at once instead of piling up. A search
not answered within `search_timeout` seconds in all is answered 503 too; its process finishes the work
(it cannot be interrupted halfway) and only then takes the next one. A pool process that dies is
replaced on the next search.

"In all" counts from when the request reached the server (the protocol stamps it, see protocol.py),
not from when its handler began: on a busy machine a request can wait for the event loop too. The 503
leaves `ANSWER_MARGIN` early, so that it reaches the client within the timeout. And the search
processes run at a lower CPU priority (`search_nice`): when the cores are saturated, the event loop
that admits requests, answers health checks and sends the 503s gets the CPU first.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import multiprocessing
import os
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ANSWER_MARGIN = 0.1  # seconds (at most a tenth of the timeout) kept to write the answer before the timeout


class PoolBusy(Exception):
    """No search slot within the wait budget: answer 503 with Retry-After."""

    def __init__(self, reason: str, retry_after: int = 1):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --- inside a pool process -------------------------------------------------------------------------
_ENGINE: Any = None


def _start_worker(root: str, nice: int = 0) -> None:
    """Pool process start-up: stop with the server, yield the CPU to the event loop (`nice`), open the
    settings; the engine opens on first use."""
    global _ENGINE
    if nice:
        try:
            os.nice(nice)
        except (AttributeError, OSError) as exc:  # not on this platform, or not allowed
            log.info("search process %s: could not lower its priority (%s)", os.getpid(), exc)
    from kbops.config import load_settings
    from kbops.search.engine import SearchEngine
    from kbops.server.supervision import exit_with_master

    exit_with_master()
    _ENGINE = SearchEngine(load_settings(Path(root)))


def _warm() -> int:
    """Open the index and load the model now, so that the first caller does not pay for it."""
    try:
        searcher = _ENGINE.searcher()
    except Exception as exc:  # no index yet: searches will say so
        log.info("search process %s: not warmed (%s)", os.getpid(), exc)
        return os.getpid()
    if searcher.queries is not None:
        searcher.queries.vector("warm up")
    return os.getpid()


def _search(params: dict) -> tuple[str, Any]:
    """One search in a pool process: ("ok", result dict) or (error kind, message) for the caller's status code."""
    from kbops.errors import NotFoundError, UsageError

    try:
        request = _ENGINE.request(**params)
        return "ok", (_ENGINE.run(request).to_dict(), request.query)
    except UsageError as exc:
        return "usage", str(exc)
    except NotFoundError as exc:
        return "not_found", str(exc)


# --- in the server's event loop -------------------------------------------------------------------
@dataclass(frozen=True)
class PoolState:
    workers: int
    running: int
    queued: int
    started: bool


class SearchPool:
    """The server side of the pool: admission (run now, queue with a deadline, or refuse) and recovery."""

    def __init__(
        self, root: Path, workers: int, queue: int, max_wait: float, timeout: float = 2.0, nice: int = 0
    ) -> None:
        self.root, self.workers, self.queue, self.max_wait, self.timeout = str(root), workers, queue, max_wait, timeout
        self.nice = nice
        self.service_time = 0.2  # seconds a search takes here, a moving average of the measured ones
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._running = 0
        self._waiting: collections.deque[asyncio.Future] = collections.deque()
        self._warm: list[concurrent.futures.Future] = []

    def start(self) -> None:
        """Spawn the processes and warm them in the background (the event loop does not wait)."""
        if self._executor is None:
            self._executor = concurrent.futures.ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.root, self.nice),
            )
            self._warm = [self._executor.submit(_warm) for _ in range(self.workers)]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    @property
    def ready(self) -> bool:
        return bool(self._warm) and all(f.done() for f in self._warm)

    def state(self) -> PoolState:
        return PoolState(self.workers, self._running, len(self._waiting), self.ready)

    async def search(self, params: dict, arrived: float | None = None) -> tuple[str, Any]:
        """Run a search in a pool process; `arrived` (time.monotonic()) is when the request reached the
        server, its handler's start when not given. PoolBusy when it cannot be answered in time."""
        deadline = (arrived or time.monotonic()) + self.timeout - min(ANSWER_MARGIN, self.timeout / 10)
        if time.monotonic() >= deadline:
            raise PoolBusy(f"the request waited {self.timeout:g} s for the server before its search began")
        await self._slot(deadline)
        handed_over = False
        try:
            running = self._submit(params)
            left = deadline - time.monotonic()
            try:
                return await asyncio.wait_for(asyncio.shield(running), max(left, 0.01))
            except TimeoutError:
                # The process is still busy with it: the slot is freed when it is done, not now.
                running.add_done_callback(lambda _f: self._release())
                handed_over = True
                raise PoolBusy(f"the search took longer than {self.timeout:g} s", retry_after=2) from None
            except asyncio.CancelledError:  # the client went away: same as above
                running.add_done_callback(lambda _f: self._release())
                handed_over = True
                raise
        finally:
            if not handed_over:
                self._release()

    async def _slot(self, deadline: float) -> None:
        if self._running < self.workers and not self._waiting:
            self._running += 1
            return
        if len(self._waiting) >= self.queue:
            raise PoolBusy(f"the search queue is full ({self.workers} running, {len(self._waiting)} waiting)")
        expected = (len(self._waiting) + 1) / self.workers * self.service_time
        if expected > self.max_wait:
            raise PoolBusy(
                f"searches take {self.service_time:.2f} s now: a slot would take about {expected:.1f} s",
                retry_after=max(1, round(expected)),
            )
        granted = asyncio.get_running_loop().create_future()
        self._waiting.append(granted)
        try:
            await asyncio.wait_for(asyncio.shield(granted), max(0.0, min(self.max_wait, deadline - time.monotonic())))
        except TimeoutError:
            if granted.done() and not granted.cancelled():
                return  # the slot came at the last moment: use it
            granted.cancel()
            self._forget(granted)
            raise PoolBusy(f"no search slot within {self.max_wait:g} s") from None
        except asyncio.CancelledError:  # the client went away while waiting
            if granted.done() and not granted.cancelled():
                self._release()
            else:
                granted.cancel()
                self._forget(granted)
            raise

    def _forget(self, granted: asyncio.Future) -> None:
        try:
            self._waiting.remove(granted)
        except ValueError:
            pass

    def _release(self) -> None:
        """Hand the slot to the oldest waiter still waiting, else free it."""
        while self._waiting:
            granted = self._waiting.popleft()
            if not granted.done():
                granted.set_result(None)  # the slot passes on: _running is unchanged
                return
        self._running -= 1

    def _submit(self, params: dict) -> asyncio.Future:
        self.start()
        assert self._executor is not None
        started = time.monotonic()
        executor = self._executor
        outer = asyncio.get_running_loop().create_future()

        def finished(inner: asyncio.Future) -> None:
            if outer.done():
                return
            if inner.cancelled():
                outer.set_exception(PoolBusy("the search was cancelled"))
            elif isinstance(inner.exception(), BrokenProcessPool):
                self._restart(executor, started)
                outer.set_exception(PoolBusy("the search process restarted; try again", retry_after=2))
            elif (error := inner.exception()) is not None:
                outer.set_exception(error)
            else:
                self.service_time = 0.8 * self.service_time + 0.2 * (time.monotonic() - started)
                outer.set_result(inner.result())

        asyncio.wrap_future(executor.submit(_search, params)).add_done_callback(finished)
        return outer

    def _restart(self, broken: concurrent.futures.ProcessPoolExecutor, started: float) -> None:
        """A search process died (killed, out of memory): replace the pool once."""
        if self._executor is not broken:
            return
        log.error("a search process died after %.1f s; restarting the search pool", time.monotonic() - started)
        self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)
        self.start()
