"""A real HTTP server on 127.0.0.1 (ephemeral port) that records every request it gets and
answers with a chosen status: a stand-in Pushgateway for the push tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    url: str
    requests: list[Request] = field(default_factory=list)
    status: int = 200
    answer: bytes = b""


@contextmanager
def recording_server(status: int = 200, answer: bytes = b"") -> Iterator[Recorder]:
    """A running server; `status` / `answer` are what every request gets back."""
    recorder = Recorder("", status=status, answer=answer)

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(size)
            recorder.requests.append(Request(self.command, self.path, dict(self.headers), body))
            self.send_response(recorder.status)
            self.send_header("Content-Length", str(len(recorder.answer)))
            self.end_headers()
            self.wfile.write(recorder.answer)

        do_PUT = do_POST = do_DELETE = do_GET = _record

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
