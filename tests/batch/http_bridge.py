"""A fake batch API served over real HTTP on 127.0.0.1, for tests of the `kwiki` command itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx2

Handler = Callable[[httpx2.Request], httpx2.Response]


class HttpBridge:
    """Every HTTP request becomes an httpx2.Request for `handler` (a MockTransport handler); use with `with`."""

    def __init__(self, handler: Handler) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(handler))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> HttpBridge:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _handler_class(handler: Handler) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()  # the fakes keep plain counters

    class Bridge(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._bridge()

        def do_POST(self) -> None:
            self._bridge()

        def _bridge(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            url = f"http://bridge{self.path}"
            request = httpx2.Request(self.command, url, headers=dict(self.headers), content=body)
            with lock:
                response = handler(request)
            payload = response.read()
            self.send_response(response.status_code)
            self.send_header("content-type", response.headers.get("content-type", "application/json"))
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    return Bridge
