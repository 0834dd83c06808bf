"""The OpenAI adapter end to end against a real HTTP server on 127.0.0.1, in every json_mode."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import openai
import pytest

from kwiki.errors import ProviderError
from kwiki.llm.base import Request
from kwiki.llm.openai_adapter import JSON_MODES, OpenAILLM

from .loopback import Answer, LoopbackServer, chat_completion, rate_limited, script, server_error

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    },
    "required": ["title", "tags"],
    "additionalProperties": False,
}
DATA = {"title": "Verifiability", "tags": ["rl"]}


def like_a_server(body: dict[str, Any]) -> Answer:
    """Put the JSON where each mode expects it; in prompt mode, wrapped the way chatty models do."""
    if "tools" in body:
        return chat_completion(None, tool_arguments=json.dumps(DATA))
    if "response_format" in body:
        return chat_completion(json.dumps(DATA))
    return chat_completion(f"Here you go:\n```json\n{json.dumps(DATA)}\n```")


def local(server: LoopbackServer, json_mode: str = "json_schema", **options: Any) -> OpenAILLM:
    settings: dict[str, Any] = {"timeout": 5.0, "max_retries": 2, "max_retry_after": 0.01, **options}
    return OpenAILLM("loopback", "", base_url=server.base_url, json_mode=json_mode, **settings)


def extract() -> Request:
    return Request(name="extract", system="Extract.", user="the source", schema=SCHEMA, max_tokens=100)


@pytest.mark.parametrize("json_mode", JSON_MODES)
def test_structured_reply_in_every_json_mode(json_mode: str) -> None:
    with LoopbackServer(like_a_server) as server:
        reply = local(server, json_mode).complete(extract())
    assert reply.data == DATA
    assert reply.usage.input_tokens == 12
    [body] = server.chat_bodies()
    assert body["model"] == "loopback"
    assert body["max_tokens"] == 100
    assert server.requests[0].headers["authorization"] == "Bearer none"


def test_json_schema_mode_sends_the_schema_as_response_format() -> None:
    with LoopbackServer(like_a_server) as server:
        local(server, "json_schema").complete(extract())
    [body] = server.chat_bodies()
    assert body["response_format"]["json_schema"] == {"name": "extract", "schema": SCHEMA, "strict": True}
    assert body["messages"][0] == {"role": "system", "content": "Extract."}


def test_json_object_mode_sends_the_schema_and_describes_it_in_the_system_prompt() -> None:
    with LoopbackServer(like_a_server) as server:
        local(server, "json_object").complete(extract())
    [body] = server.chat_bodies()
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    system = body["messages"][0]["content"]
    assert system.startswith("Extract.\n\nReply with only one JSON object")
    assert json.dumps(SCHEMA) in system


def test_tools_mode_forces_one_function_call() -> None:
    with LoopbackServer(like_a_server) as server:
        local(server, "tools").complete(extract())
    [body] = server.chat_bodies()
    assert body["tools"][0]["function"]["parameters"] == SCHEMA
    assert body["tool_choice"] == {"type": "function", "function": {"name": "extract"}}
    assert "response_format" not in body


def test_prompt_mode_sends_no_response_format() -> None:
    with LoopbackServer(like_a_server) as server:
        local(server, "prompt").complete(extract())
    [body] = server.chat_bodies()
    assert "response_format" not in body and "tools" not in body
    assert json.dumps(SCHEMA) in body["messages"][0]["content"]


@pytest.mark.parametrize("json_mode", JSON_MODES)
def test_invalid_json_is_repaired_in_every_json_mode(json_mode: str) -> None:
    bad = chat_completion('{"title": "Verifiability", "tags": "rl"}')
    with LoopbackServer(script(bad, like_a_server)) as server:
        reply = local(server, json_mode).complete(extract())
    assert reply.data == DATA
    repair = server.chat_bodies()[1]["messages"][1]["content"]
    assert "$.tags: expected array, got string" in repair


def test_plain_text_request_over_http() -> None:
    with LoopbackServer(script(chat_completion("# Body\n\nText."))) as server:
        reply = local(server).complete(Request(name="write-page", system="Write.", user="claims"))
    assert reply.text == "# Body\n\nText."
    assert reply.data is None


def test_rate_limit_then_server_error_then_success() -> None:
    responder = script(rate_limited("3600"), server_error("2"), like_a_server)
    with LoopbackServer(responder) as server:
        started = time.monotonic()
        reply = local(server).complete(extract())
    assert reply.data == DATA
    assert len(server.chat_bodies()) == 3
    assert time.monotonic() - started < 3


def test_connection_cut_mid_body_is_retried() -> None:
    cut = Answer(body=chat_completion(json.dumps(DATA)).body, cut=True)
    with LoopbackServer(script(cut, like_a_server)) as server:
        assert local(server).complete(extract()).data == DATA
    assert len(server.chat_bodies()) == 2


def test_slow_server_times_out_with_a_clear_error() -> None:
    slow = Answer(body=chat_completion().body, delay=1.0)
    with LoopbackServer(script(chat_completion("hi"), slow)) as server, pytest.raises(ProviderError) as caught:
        llm = local(server, timeout=0.2, max_retries=0)
        llm.complete(Request(name="query", system="S.", user="U"))
        llm.complete(extract())
    assert "did not answer within 0.2s" in caught.value.message


def test_server_not_running_says_check_base_url() -> None:
    with LoopbackServer() as server:
        url = server.base_url
    with pytest.raises(ProviderError) as caught:
        OpenAILLM("loopback", "", base_url=url, max_retries=0, timeout=1.0).complete(extract())
    assert f"cannot reach {url}" in caught.value.message
    assert "is the server running" in caught.value.hint


def test_models_endpoint_lists_the_servers_models() -> None:
    with LoopbackServer(models=("qwen3", "llama3")) as server:
        client = openai.OpenAI(api_key="x", base_url=server.base_url, max_retries=0)
        assert [model.id for model in client.models.list()] == ["qwen3", "llama3"]
        with urllib.request.urlopen(f"{server.base_url}/models", timeout=2) as response:
            assert json.load(response)["object"] == "list"
