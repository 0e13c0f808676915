"""A lean HTTP/1.1 load client that times the server by the kernel's clock, not by its own.

A load generator on the same busy cores as the server lags: its threads wait for a core and for the
GIL before they send and after the answer has arrived, and a client-side stopwatch adds that lag to
the server's latency. So every request records three times, all on CLOCK_REALTIME in nanoseconds:

- `written`: just before the request is handed to the kernel (`sendall`; a (re)connection counts:
  its accept queue is the server's wait too);
- `arrived`: when the last bytes of the answer reached the socket, as the kernel stamped them
  (SO_TIMESTAMPNS on the received data), however late the client got round to reading them;
- `read`: when the client had the whole answer in hand.

`arrived - written` is how long the server made the request wait (an upper bound: it includes the
loopback network). `read - arrived` and the delay between the previous answer and the next `written`
are the generator's own lag, reported apart. Responses are parsed with h11 (uvicorn's own parser).
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass

import h11

SO_TIMESTAMPNS = 35  # Linux; the socket module does not name it
_TS = struct.Struct("qq")  # struct timespec


@dataclass
class Answer:
    status: int  # 0: no answer (the error is in `error`)
    headers: dict[str, str]
    written: int
    arrived: int
    read: int
    reconnected: bool
    error: str = ""


class Connection:
    """One kept-alive connection; reconnects when the server closed it (idle timeout) or on error."""

    def __init__(self, host: str, port: int, timeout: float = 30.0, idle_reconnect: float = 4.0):
        self.host, self.port, self.timeout, self.idle_reconnect = host, port, timeout, idle_reconnect
        self.sock: socket.socket | None = None
        self.parser: h11.Connection | None = None
        self.last_used = 0.0

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = self.parser = None

    def _connect(self) -> None:
        self.close()
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock, self.parser = sock, h11.Connection(h11.CLIENT)

    def get(self, target: str, headers: dict[str, str] | None = None) -> Answer:
        # The server closes a kept-alive connection idle past its keep-alive timeout (5 s): open a new
        # one before then rather than race the close.
        reconnect = self.sock is None or time.monotonic() - self.last_used > self.idle_reconnect
        written = time.time_ns()
        try:
            if reconnect:
                self._connect()
            return self._exchange(target, headers or {}, written, reconnect)
        except (OSError, h11.ProtocolError) as exc:
            self.close()
            now = time.time_ns()
            return Answer(0, {}, written, now, now, reconnect, type(exc).__name__)
        finally:
            self.last_used = time.monotonic()

    def _exchange(self, target: str, headers: dict[str, str], written: int, reconnected: bool) -> Answer:
        assert self.sock is not None and self.parser is not None
        request = h11.Request(method="GET", target=target, headers=[("host", self.host), *headers.items()])
        self.sock.sendall(self.parser.send(request) + self.parser.send(h11.EndOfMessage()))
        arrived, status, answer_headers = 0, 0, {}
        while True:
            event = self.parser.next_event()
            if event is h11.NEED_DATA:
                data, ancillary, _flags, _addr = self.sock.recvmsg(65536, socket.CMSG_SPACE(_TS.size))
                for level, kind, value in ancillary:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                        seconds, nanoseconds = _TS.unpack(value[: _TS.size])
                        arrived = seconds * 1_000_000_000 + nanoseconds
                if not data:
                    raise ConnectionResetError("the server closed the connection")
                self.parser.receive_data(data)
            elif isinstance(event, h11.Response):
                status = event.status_code
                answer_headers = {k.decode().lower(): v.decode() for k, v in event.headers}
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionResetError("the server closed the connection")
        read = time.time_ns()
        arrived = arrived or read  # no stamp (not Linux?): the client's own clock, the worst case
        if self.parser.our_state is h11.MUST_CLOSE or self.parser.their_state is h11.MUST_CLOSE:
            self.close()
        else:
            self.parser.start_next_cycle()
        return Answer(status, answer_headers, written, arrived, read, reconnected)
