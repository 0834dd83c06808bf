"""A scriptable OpenAI-compatible HTTP server on 127.0.0.1 for tests: real sockets, real response shapes.

    with LoopbackServer(script(rate_limited(), chat_completion('{"title": "x"}'))) as server:
        llm = OpenAILLM("loopback", "key", base_url=server.base_url, max_retry_after=0.01)
        ...
        server.requests[0].body["messages"]

A responder gets the parsed JSON body of each POST /v1/chat/completions and returns an Answer (status,
headers, body, optional delay, or a body cut off mid-way). GET /v1/models lists the server's models.

A `handler` (an httpx2.MockTransport handler, e.g. the batch API fakes in tests/batch/fakes.py) serves every
request instead, on the same socket: `server.origin` is then the base URL the fake's routes hang off.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx2

from kwiki.llm import wrappers
from kwiki.llm.base import LLM
from kwiki.llm.openai_adapter import OpenAILLM
from kwiki.project import Paths


@dataclass(frozen=True)
class Answer:
    """One HTTP response. `cut` sends the headers and half the body, then closes the connection."""

    status: int = 200
    body: Mapping[str, Any] | str = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut: bool = False


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: dict[str, Any]


Responder = Callable[[dict[str, Any]], Answer]
Handler = Callable[[httpx2.Request], httpx2.Response]


def chat_completion(
    content: str | None = "ok",
    *,
    tool_arguments: str | None = None,
    refusal: str | None = None,
    finish_reason: str = "stop",
    prompt_tokens: int = 12,
    completion_tokens: int = 5,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
    model: str = "loopback",
) -> Answer:
    """A 200 with a chat.completion exactly as OpenAI shapes it."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": refusal}
    if tool_arguments is not None:
        function = {"name": "reply", "arguments": tool_arguments}
        message["tool_calls"] = [{"id": "call_1", "type": "function", "function": function}]
        finish_reason = "tool_calls"
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached_tokens, "cache_write_tokens": cache_write_tokens},
    }
    choice = {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
    body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model}
    return Answer(body={**body, "choices": [choice], "usage": usage})


def error(status: int, message: str, *, headers: Mapping[str, str] | None = None) -> Answer:
    """An error response shaped like OpenAI's."""
    body = {"error": {"message": message, "type": "error", "param": None, "code": None}}
    return Answer(status=status, body=body, headers=headers or {})


def rate_limited(retry_after: str = "1") -> Answer:
    return error(429, "Rate limit reached", headers={"retry-after": retry_after})


def server_error(retry_after: str | None = None) -> Answer:
    headers = {"retry-after": retry_after} if retry_after else None
    return error(500, "The server had an error", headers=headers)


def script(*answers: Answer | Responder) -> Responder:
    """Answers in order, one per request; the last one repeats. A callable entry is asked for its answer."""
    served = itertools.count()
    lock = threading.Lock()

    def respond(body: dict[str, Any]) -> Answer:
        with lock:
            index = min(next(served), len(answers) - 1)
        answer = answers[index]
        return answer if isinstance(answer, Answer) else answer(body)

    return respond


class LoopbackServer:
    """An OpenAI-compatible server in a background thread; use as a context manager."""

    def __init__(
        self,
        respond: Responder | None = None,
        *,
        models: tuple[str, ...] = ("loopback",),
        handler: Handler | None = None,
    ) -> None:
        self.respond = respond or (lambda body: chat_completion())
        self.models = models
        self.handler = handler
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval, so leaving the `with` block doesn't wait half a second for shutdown.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        """`handler`'s response, one request at a time (the fakes keep plain counters)."""
        assert self.handler is not None
        with self._lock:
            return self.handler(request)

    def record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)

    def chat_bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.body for r in self.requests if r.path.endswith("/chat/completions")]

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _handler_for(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if server.handler is not None:
                self._bridge(b"")
                return
            server.record(Received("GET", self.path, _lowered(self.headers), {}))
            if self.path.rstrip("/").endswith("/v1/models"):
                data = [{"id": m, "object": "model", "created": 0, "owned_by": "me"} for m in server.models]
                self._send(Answer(body={"object": "list", "data": data}))
            else:
                self._send(error(404, f"no route {self.path}"))

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            if server.handler is not None:
                self._bridge(raw)
                return
            body = json.loads(raw or b"{}")
            server.record(Received("POST", self.path, _lowered(self.headers), body))
            if not self.path.endswith("/v1/chat/completions"):
                self._send(error(404, f"no route {self.path}"))
                return
            self._send(server.respond(body))

        def _bridge(self, raw: bytes) -> None:
            request = httpx2.Request(self.command, server.origin + self.path, headers=dict(self.headers), content=raw)
            response = server.handle(request)
            headers = {"content-type": response.headers.get("content-type", "application/json")}
            self._send(Answer(response.status_code, response.read().decode("utf-8"), headers))

        def _send(self, answer: Answer) -> None:
            time.sleep(answer.delay)
            payload = (answer.body if isinstance(answer.body, str) else json.dumps(answer.body)).encode()
            # A client that timed out has hung up by now; that is the point of the test, not an error.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(answer.status)
                if "content-type" not in answer.headers:
                    self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload[: len(payload) // 2] if answer.cut else payload)
                self.wfile.flush()
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet, so pytest output stays readable."""

    return Handler


def _lowered(headers: Message) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def loopback_llm(server: LoopbackServer, paths: Paths, *, timeout: float = 5.0) -> LLM:
    """The real OpenAI adapter against `server`, wrapped as ingest wraps it (cache, call log, meter), fast retries."""
    inner = OpenAILLM("loopback", "key", base_url=server.base_url, max_retries=2, max_retry_after=0.01, timeout=timeout)
    return wrappers.stack(
        inner,
        provider="openai",
        cache_dir=paths.cache_dir,
        calls_log=paths.calls_log,
        meter=wrappers.Meter(),
        deadline=None,
        debug_sink=None,
        secrets=(),
    )
