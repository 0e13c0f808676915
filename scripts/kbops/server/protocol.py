"""uvicorn's h11 protocol with TCP_NODELAY on every connection.

With several workers uvicorn hands each worker a shared listening socket whose `proto` is 0, so
asyncio skips its usual TCP_NODELAY; a response's separate header and body writes then wait for the
client's delayed ACK — about 40 ms per request. Setting the option ourselves removes that stall.
"""
from __future__ import annotations

import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (OSError, AttributeError):
                pass  # not TCP (e.g. a Unix socket): nothing to tune
        super().connection_made(transport)
