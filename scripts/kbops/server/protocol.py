"""uvicorn's h11 protocol with TCP_NODELAY on every connection and a header-read timeout.

TCP_NODELAY: with several workers uvicorn hands each worker a shared listening socket whose `proto`
is 0, so asyncio skips its usual TCP_NODELAY; a response's separate header and body writes then wait
for the client's delayed ACK — about 40 ms per request. Setting the option ourselves removes that stall.

Header-read timeout: uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but has
no limit on how long a client may take to send a request's headers, so a client that sends one byte
every few seconds ("slowloris") holds a connection open forever. Here a connection must complete its
request line and headers within `header_timeout` seconds of connecting or of the first byte of a
following request on a kept-alive connection; otherwise it is closed.

Arrival stamp: each request's scope carries (in `state`) when its bytes were read, before its handler
waits for the event loop; the search's time budget (`search_timeout`) counts from there.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import MutableMapping
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

ARRIVED = "kbops.arrived"  # scope["state"] key: time.monotonic() when the request was read
HEADER_TIMEOUT = 10.0  # seconds, unless $KB_HEADER_TIMEOUT says otherwise (`kb serve` sets it from the config)


def header_timeout() -> float:
    # Read from the environment: uvicorn's worker processes get the protocol class by import, not a configured copy.
    try:
        return float(os.environ.get("KB_HEADER_TIMEOUT", HEADER_TIMEOUT))
    except ValueError:
        return HEADER_TIMEOUT


def arrived_at(scope: MutableMapping[str, Any]) -> float:
    """time.monotonic() when the request reached the server (the handler's start when it was not stamped)."""
    return float(scope.get("state", {}).get(ARRIVED, 0.0)) or time.monotonic()


def server_timing(started: float) -> str:
    """A Server-Timing value: the server's own time since `started` (waiting, queue, search, logging), apart
    from the network and the client."""
    return f"search;dur={1000 * (time.monotonic() - started):.1f}"


class NoDelayH11Protocol(H11Protocol):
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (OSError, AttributeError):
                pass  # not TCP (e.g. a Unix socket): nothing to tune
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        arrived, before = time.monotonic(), getattr(self, "scope", None)
        super().data_received(data)
        scope = getattr(self, "scope", None)
        if scope is not None and scope is not before and isinstance(scope.get("state"), dict):
            scope["state"][ARRIVED] = arrived  # a request began in these bytes; its task has not run yet
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._arm_header_timer()  # a request has begun (or is awaited): its headers have a deadline
        else:
            self._disarm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_timer()

    def connection_lost(self, exc) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(header_timeout(), self._headers_too_slow)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete):
            if not self.transport.is_closing():
                self.transport.close()
