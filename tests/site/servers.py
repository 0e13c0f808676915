"""Real HTTP servers on 127.0.0.1 for browser tests: a static site server and an event capture server."""

from __future__ import annotations

import functools
import json
import threading
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Quiet:
    def log_message(self, format, *args):
        pass


class _StaticHandler(_Quiet, SimpleHTTPRequestHandler):
    pass


class _CaptureHandler(_Quiet, BaseHTTPRequestHandler):
    events: list  # set per server

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")

    def do_OPTIONS(self):
        self.send_response(204)
        self._cors()
        self.end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            data = json.loads(body.decode("utf-8"))
            items = data if isinstance(data, list) else [data]
            self.server.events.extend(
                {"_path": self.path, "_type": self.headers.get("Content-Type"), **e} for e in items
            )
            self.send_response(204)
        except (ValueError, TypeError):
            self.send_response(400)
        self._cors()
        self.end_headers()


class Running:
    """A server on a free port, run in a daemon thread until `close()`."""

    def __init__(self, server: ThreadingHTTPServer):
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_static(folder: Path) -> Running:
    handler = functools.partial(_StaticHandler, directory=str(folder))
    return Running(ThreadingHTTPServer(("127.0.0.1", 0), handler))


def capture_events() -> Running:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CaptureHandler)
    server.events = []  # type: ignore[attr-defined]
    return Running(server)
