"""A reply cut at the token limit is asked for again with a larger budget, then fails; never passes as whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from kwiki.errors import ProviderError, TruncatedReply
from kwiki.llm.anthropic_adapter import AnthropicLLM
from kwiki.llm.base import Request, Usage
from kwiki.llm.fake import Cut, FakeLLM
from kwiki.llm.openai_adapter import OpenAILLM
from kwiki.llm.wrappers import CallLog, LoggedLLM, Meter, MeteredLLM

from .loopback import chat_completion
from .mock_http import MockServer

SCHEMA: dict[str, Any] = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}


def page(schema: dict[str, Any] | None = None) -> Request:
    return Request(name="write-page", system="Write.", user="the claims", schema=schema, max_tokens=100)


def anthropic_message(text: str, stop_reason: str, output_tokens: int) -> httpx2.Response:
    body = {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 30, "output_tokens": output_tokens},
    }
    return httpx2.Response(200, json=body)


def openai_completion(text: str, finish_reason: str, completion_tokens: int) -> httpx2.Response:
    answer = chat_completion(text, finish_reason=finish_reason, prompt_tokens=30, completion_tokens=completion_tokens)
    return httpx2.Response(answer.status, json=answer.body)


def anthropic(server: MockServer) -> AnthropicLLM:
    return AnthropicLLM("claude-test", "k", http_client=server.client(), max_retries=0)


def openai_llm(server: MockServer) -> OpenAILLM:
    return OpenAILLM("gpt-test", "k", http_client=server.client(), max_retries=0)


def test_anthropic_reply_cut_twice_fails_the_call_with_what_it_was_billed() -> None:
    server = MockServer(anthropic_message("# A page that goes on and", "max_tokens", 100))
    with pytest.raises(TruncatedReply) as caught:
        anthropic(server).complete(page())
    assert "cut its reply to 'write-page' at the token limit twice (100 then 200 tokens)" in caught.value.message
    assert [body["max_tokens"] for body in server.bodies] == [100, 200]
    assert caught.value.billed == Usage(60, 200)


def test_openai_finish_reason_length_is_a_cut_reply_retried_with_a_larger_budget() -> None:
    server = MockServer(openai_completion("# A page that", "length", 100), openai_completion("# A page.", "stop", 5))
    reply = openai_llm(server).complete(page())
    assert reply.text == "# A page."
    assert not reply.cut
    assert [body["max_completion_tokens"] for body in server.bodies] == [100, 200]
    assert reply.usage == Usage(60, 105)


def test_openai_reply_cut_twice_is_never_returned() -> None:
    server = MockServer(openai_completion('{"title": "Cut', "length", 100))
    with pytest.raises(TruncatedReply) as caught:
        openai_llm(server).complete(page(SCHEMA))
    assert len(server.requests) == 2
    assert caught.value.billed == Usage(60, 200)


def test_fake_cut_reply_reports_the_stop_reason_and_fails_twice() -> None:
    fake = FakeLLM({"write-page": Cut("# Half a page")})
    with pytest.raises(TruncatedReply):
        fake.complete(page())
    assert [request.max_tokens for request in fake.requests] == [100, 200]


def test_fake_reply_cut_at_a_small_budget_succeeds_with_the_larger_one() -> None:
    fake = FakeLLM({"write-page": lambda request: Cut("# Half") if request.max_tokens < 200 else "# Whole"})
    reply = fake.complete(page())
    assert (reply.text, reply.stop_reason) == ("# Whole", "end")


def test_meter_and_call_log_count_what_a_failed_call_was_billed(tmp_path: Path) -> None:
    meter, log = Meter(), tmp_path / "calls.jsonl"
    fake = FakeLLM({"extract": ['{"nope": 1}', "not json", {"title": "T"}]})
    llm = LoggedLLM(MeteredLLM(fake, meter), CallLog(log))
    extract = Request(name="extract", system="S.", user="U" * 40, schema=SCHEMA)
    with pytest.raises(ProviderError, match="invalid JSON"):
        llm.complete(extract)
    llm.complete(extract)
    billed = sum((len(r.system) + len(r.user)) // 4 for r in fake.requests)
    assert meter.snapshot()["input_tokens"] == billed
    assert (meter.calls, meter.failed) == (2, 1)
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert sum(record["input_tokens"] for record in logged) == billed
    assert "error" in logged[0] and logged[0]["output_tokens"] > 0
