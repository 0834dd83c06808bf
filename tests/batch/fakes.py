"""Fakes of the two batch APIs as httpx2.MockTransport handlers, with response bodies shaped like the real ones.

Both answer every request (batched or direct) from one `brain`: the ingest tests' scripted model, which is told
the request's kind from its payload. `fate(custom_id, kind)` decides what a batched request gets: "succeeded",
"errored", "expired", "invalid" (a reply that is not JSON) or "cut" (stopped at max_tokens). Results come back in
reverse order, and a batch reports itself done after `polls` status requests. Both list their batches, newest
first. With `die_after_create`, the fake makes the batch and then kills the client (raises Killed) before it
hears the answer: a process killed between submitting a batch and recording its id; with `die_before_create`,
the client is killed before the batch is made.
"""

from __future__ import annotations

import email.parser
import itertools
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx2

from ingest.conftest import scripted_llm
from kwiki.llm.base import Request
from kwiki.llm.blocks import unfence_json

Fate = Callable[[str, str], str]


class Killed(BaseException):
    """Stands in for the process being killed."""


def always_succeeds(custom_id: str, kind: str) -> str:
    return "succeeded"


def kind_of(user: str, structured: bool) -> str:
    payload = unfence_json(user)
    if structured:
        return "summarize" if "summaries" in payload else "extract"
    if "outline" in payload:
        return "update-page"
    return "write-page" if "neighbours" in payload else "overview"


class Brain:
    """The scripted model behind both fakes; counts the requests it answers directly."""

    def __init__(self) -> None:
        self._fake = scripted_llm()

    def answer(self, system: str, user: str, structured: bool) -> str:
        return self._fake.complete(Request(kind_of(user, structured), system, user)).text


class BatchFake:
    """What both fakes share: batches by id, their polls, create/direct counts, fates."""

    def __init__(self, *, polls: int = 1, fate: Fate = always_succeeds) -> None:
        self.brain = Brain()
        self.polls = polls
        self.fate = fate
        self.batches: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.polled: dict[str, int] = {}
        self.creates = 0
        self.direct_calls = 0
        self.forgotten: set[str] = set()
        self.created: dict[str, float] = {}
        self.metadata: dict[str, dict[str, str]] = {}
        self.die_after_create = False
        self.die_before_create = False
        self.after_create: Callable[[], None] = lambda: None  # called once a batch is made, before the answer
        self._ids = itertools.count(1)

    def client(self) -> httpx2.Client:
        return httpx2.Client(transport=httpx2.MockTransport(self._answer))

    def forget(self) -> None:
        """Every batch so far is unknown from now on (404), as when deleted at the provider."""
        self.forgotten.update(self.batches)

    def _answer(self, request: httpx2.Request) -> httpx2.Response:
        if any(batch_id in request.url.path for batch_id in self.forgotten):
            error = {"type": "not_found_error", "message": "batch not found"}
            return httpx2.Response(404, json={"type": "error", "error": error})
        return self(request)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        raise NotImplementedError

    def _new_batch(
        self, items: list[tuple[str, dict[str, Any]]], prefix: str, metadata: dict[str, str] | None = None
    ) -> str:
        if self.die_before_create:
            raise Killed
        self.creates += 1
        batch_id = f"{prefix}{next(self._ids):03d}"
        self.batches[batch_id] = items
        self.polled[batch_id] = 0
        self.created[batch_id] = time.time()
        self.metadata[batch_id] = metadata or {}
        self.after_create()
        if self.die_after_create:
            raise Killed
        return batch_id

    def _poll(self, batch_id: str) -> bool:
        self.polled[batch_id] += 1
        return self._ended(batch_id)

    def _ended(self, batch_id: str) -> bool:
        return self.polled[batch_id] > self.polls

    def _newest_first(self) -> list[str]:
        return sorted(self.batches, key=lambda batch_id: self.created[batch_id], reverse=True)

    def _outcomes(self, batch_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(custom_id, fate, body) for every request, last submitted first."""
        items = self.batches[batch_id]
        return [(cid, self.fate(cid, self._kind(body)), body) for cid, body in reversed(items)]

    def _kind(self, body: dict[str, Any]) -> str:
        raise NotImplementedError


class AnthropicFake(BatchFake):
    """POST/GET /v1/messages/batches[/{id}[/results]] and POST /v1/messages."""

    base_url = "https://api.anthropic.com"  # where results_url points

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if request.method == "POST" and path == "/v1/messages":
            self.direct_calls += 1
            return httpx2.Response(200, json=self._message(json.loads(request.content)))
        if request.method == "POST" and path == "/v1/messages/batches":
            items = [(r["custom_id"], r["params"]) for r in json.loads(request.content)["requests"]]
            return httpx2.Response(200, json=self._batch(self._new_batch(items, "msgbatch_"), ended=False))
        if path == "/v1/messages/batches":
            data = [self._batch(batch_id, ended=self._ended(batch_id)) for batch_id in self._newest_first()]
            first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
            return httpx2.Response(200, json={"data": data, "has_more": False, "first_id": first, "last_id": last})
        parts = path.removeprefix("/v1/messages/batches/").split("/")
        if parts[-1] == "results":
            lines = [json.dumps(self._result(cid, fate, body)) for cid, fate, body in self._outcomes(parts[0])]
            headers = {"content-type": "application/binary"}
            return httpx2.Response(200, content="\n".join(lines).encode(), headers=headers)
        return httpx2.Response(200, json=self._batch(parts[0], ended=self._poll(parts[0])))

    def _kind(self, body: dict[str, Any]) -> str:
        return kind_of(body["messages"][0]["content"], "output_config" in body)

    def _batch(self, batch_id: str, *, ended: bool) -> dict[str, Any]:
        outcomes = self._outcomes(batch_id) if ended else []
        counts = {
            "processing": 0 if ended else len(self.batches[batch_id]),
            "succeeded": 0,
            "errored": 0,
            "canceled": 0,
            "expired": 0,
        }
        for _, fate, _ in outcomes:
            counts["succeeded" if fate in ("succeeded", "invalid", "cut") else fate] += 1
        results_url = f"{self.base_url}/v1/messages/batches/{batch_id}/results" if ended else None
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts,
            "created_at": datetime.fromtimestamp(self.created[batch_id], UTC).isoformat(),
            "expires_at": "2026-12-02T00:00:00Z",
            "ended_at": "2026-12-01T01:00:00Z" if ended else None,
            "results_url": results_url,
            "archived_at": None,
            "cancel_initiated_at": None,
        }

    def _result(self, custom_id: str, fate: str, body: dict[str, Any]) -> dict[str, Any]:
        if fate == "errored":
            error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
            return {"custom_id": custom_id, "result": {"type": "errored", "error": error}}
        if fate == "expired":
            return {"custom_id": custom_id, "result": {"type": "expired"}}
        message = self._message(body, text="not json" if fate == "invalid" else None)
        if fate == "cut":
            message = {**message, "stop_reason": "max_tokens"}
        return {"custom_id": custom_id, "result": {"type": "succeeded", "message": message}}

    def _message(self, body: dict[str, Any], text: str | None = None) -> dict[str, Any]:
        system, user = body["system"][0]["text"], body["messages"][0]["content"]
        text = text if text is not None else self.brain.answer(system, user, "output_config" in body)
        usage = {
            "input_tokens": 100,
            "output_tokens": 20,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        return {
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }


class OpenAIFake(BatchFake):
    """POST /v1/files, GET /v1/files/{id}/content, POST/GET /v1/batches[/{id}], POST /v1/chat/completions."""

    def __init__(self, *, polls: int = 1, fate: Fate = always_succeeds, status_when_done: str = "completed") -> None:
        super().__init__(polls=polls, fate=fate)
        self.status_when_done = status_when_done
        self.files: dict[str, str] = {}

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path, method = request.url.path, request.method
        if method == "POST" and path == "/v1/chat/completions":
            self.direct_calls += 1
            return httpx2.Response(200, json=self._completion(json.loads(request.content)))
        if method == "POST" and path == "/v1/files":
            file_id = f"file-in-{len(self.files) + 1}"
            self.files[file_id] = _uploaded(request)
            return httpx2.Response(
                200,
                json={
                    "id": file_id,
                    "object": "file",
                    "bytes": 1,
                    "created_at": 0,
                    "filename": "kwiki-batch.jsonl",
                    "purpose": "batch",
                    "status": "processed",
                },
            )
        if method == "POST" and path == "/v1/batches":
            created = json.loads(request.content)
            lines = self.files[created["input_file_id"]].splitlines()
            items = [(line["custom_id"], line["body"]) for line in map(json.loads, lines)]
            batch_id = self._new_batch(items, "batch_", created.get("metadata"))
            return httpx2.Response(200, json=self._batch(batch_id, done=False))
        if method == "GET" and path == "/v1/batches":
            data = [self._batch(batch_id, done=self._ended(batch_id)) for batch_id in self._newest_first()]
            return httpx2.Response(200, json={"object": "list", "data": data, "has_more": False})
        if path.startswith("/v1/files/") and path.endswith("/content"):
            return httpx2.Response(200, content=self._file(path.split("/")[3]).encode())
        batch_id = path.removeprefix("/v1/batches/")
        return httpx2.Response(200, json=self._batch(batch_id, done=self._poll(batch_id)))

    def _kind(self, body: dict[str, Any]) -> str:
        return kind_of(body["messages"][1]["content"], "response_format" in body)

    def _batch(self, batch_id: str, *, done: bool) -> dict[str, Any]:
        outcomes = self._outcomes(batch_id)
        failed = sum(fate in ("errored", "expired") for _, fate, _ in outcomes)
        counts = {
            "total": len(outcomes),
            "completed": len(outcomes) - failed if done else 0,
            "failed": failed if done else 0,
        }
        return {
            "id": batch_id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": "file-in",
            "completion_window": "24h",
            "created_at": int(self.created[batch_id]),
            "metadata": self.metadata[batch_id] or None,
            "status": self.status_when_done if done else "in_progress",
            "request_counts": counts,
            "output_file_id": f"out-{batch_id}" if done and self.status_when_done != "failed" else None,
            "error_file_id": f"err-{batch_id}" if done and failed else None,
        }

    def _file(self, file_id: str) -> str:
        kind, batch_id = file_id.split("-", 1)
        lines = []
        for custom_id, fate, body in self._outcomes(batch_id):
            if (fate in ("errored", "expired")) == (kind == "err"):
                lines.append(json.dumps({"id": "batch_req_1", "custom_id": custom_id, **self._line(fate, body)}))
        return "\n".join(lines) + "\n"

    def _line(self, fate: str, body: dict[str, Any]) -> dict[str, Any]:
        if fate == "expired":
            error = {"code": "batch_expired", "message": "not executed before the completion window expired"}
            return {"response": None, "error": error}
        if fate == "errored":
            error = {"message": "The server had an error", "type": "server_error"}
            return {"response": {"status_code": 500, "request_id": "req", "body": {"error": error}}, "error": None}
        completion = self._completion(body, text="not json" if fate == "invalid" else None)
        if fate == "cut":
            completion["choices"][0]["finish_reason"] = "length"
        return {"response": {"status_code": 200, "request_id": "req", "body": completion}, "error": None}

    def _completion(self, body: dict[str, Any], text: str | None = None) -> dict[str, Any]:
        system, user = body["messages"][0]["content"], body["messages"][1]["content"]
        text = text if text is not None else self.brain.answer(system, user, "response_format" in body)
        message = {"role": "assistant", "content": text, "refusal": None}
        usage = {
            "prompt_tokens": 100,
            "completion_tokens": 20,
            "total_tokens": 120,
            "prompt_tokens_details": {"cached_tokens": 0},
        }
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": usage,
        }


def _uploaded(request: httpx2.Request) -> str:
    """The file part of a multipart upload."""
    head = f"content-type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser().parsebytes(head + request.read())
    for part in message.walk():
        if part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    raise AssertionError("no file in the upload")
