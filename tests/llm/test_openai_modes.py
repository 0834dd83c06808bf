"""The request body of every json_mode, pinned, and the one-time fallback from json_schema to json_object."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from kwiki.errors import ProviderError
from kwiki.llm.base import Request
from kwiki.llm.openai_adapter import OpenAILLM, describe_schema

from .loopback import chat_completion
from .mock_http import MockServer

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"title": {"type": "string"}},
    "required": ["title"],
    "additionalProperties": False,
}
MESSAGES = [{"role": "system", "content": "Extract."}, {"role": "user", "content": "the source"}]
DESCRIBED = [{"role": "system", "content": "Extract." + describe_schema(SCHEMA)}, MESSAGES[1]]
# What llama-cpp-python 0.3.x's server answered to response_format {"type": "json_schema"} (seen by hand with
# ../shared/tools/local-llm.sh): its request model knows only text and json_object, and its error handler turns
# the validation error into an HTTP 500. Given {"type": "json_object", "schema": ...} it constrained the reply.
LLAMA_CPP_PYTHON_REJECTION = {
    "error": {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
        "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', 'ctx': {'expected': "
        "\"'text' or 'json_object'\"}}\n\n  File \"/venv/lib/python3.11/site-packages/llama_cpp/server/app.py\", "
        "line 376, in create_chat_completion\n    POST /v1/chat/completions",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}


def ok(content: str = '{"title": "T"}') -> httpx2.Response:
    return httpx2.Response(200, json=chat_completion(content).body)


def local(server: MockServer, json_mode: str = "json_schema", **options: Any) -> OpenAILLM:
    return OpenAILLM(
        "local",
        "",
        base_url="http://127.0.0.1:8080/v1",
        json_mode=json_mode,
        max_retries=0,
        http_client=server.client(),
        **options,
    )


def extract(schema: dict[str, Any] | None = SCHEMA) -> Request:
    return Request(name="extract", system="Extract.", user="the source", schema=schema, max_tokens=100)


BODIES: dict[str, dict[str, Any]] = {
    "json_schema": {
        "messages": MESSAGES,
        "model": "local",
        "max_tokens": 100,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "extract", "schema": SCHEMA, "strict": True},
        },
    },
    "json_object": {
        "messages": DESCRIBED,
        "model": "local",
        "max_tokens": 100,
        "response_format": {"type": "json_object", "schema": SCHEMA},
    },
    "tools": {
        "messages": MESSAGES,
        "model": "local",
        "max_tokens": 100,
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "extract",
                    "description": "Return the result.",
                    "parameters": SCHEMA,
                    "strict": True,
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": "extract"}},
    },
    "prompt": {"messages": DESCRIBED, "model": "local", "max_tokens": 100},
}


@pytest.mark.parametrize("json_mode", sorted(BODIES))
def test_request_body_of_each_json_mode_is_exactly_this(json_mode: str) -> None:
    server = MockServer(ok())
    local(server, json_mode).complete(extract())
    assert server.bodies == [BODIES[json_mode]]


def test_json_schema_rejected_with_500_falls_back_once_to_json_object_with_the_schema() -> None:
    notices: list[str] = []
    server = MockServer(httpx2.Response(500, json=LLAMA_CPP_PYTHON_REJECTION), ok())
    llm = local(server, on_notice=notices.append)
    assert llm.complete(extract()).data == {"title": "T"}
    assert llm.complete(extract()).data == {"title": "T"}
    assert [body.get("response_format", {}).get("type") for body in server.bodies] == [
        "json_schema",
        "json_object",
        "json_object",
    ]
    assert server.bodies[1] == BODIES["json_object"]
    assert llm.json_mode == "json_object"
    [notice] = notices
    assert "rejected json_mode json_schema (HTTP 500)" in notice and 'json_mode = "json_object"' in notice


@pytest.mark.parametrize("status", [400, 422])
def test_json_schema_rejected_with_400_or_422_naming_it_falls_back(status: int) -> None:
    rejection = {"error": {"message": "response_format json_schema is not supported", "type": "invalid"}}
    server = MockServer(httpx2.Response(status, json=rejection), ok())
    assert local(server).complete(extract()).data == {"title": "T"}
    assert server.bodies[1]["response_format"]["type"] == "json_object"


def test_server_error_not_about_response_format_is_not_a_fallback() -> None:
    server = MockServer(httpx2.Response(500, json={"error": {"message": "out of memory", "type": "server"}}))
    with pytest.raises(ProviderError, match="server error 500"):
        local(server).complete(extract())
    assert len(server.requests) == 1


def test_fallback_can_be_turned_off() -> None:
    server = MockServer(httpx2.Response(500, json=LLAMA_CPP_PYTHON_REJECTION))
    with pytest.raises(ProviderError, match="server error 500"):
        local(server, fall_back=False).complete(extract())


def test_text_requests_never_trigger_the_fallback() -> None:
    server = MockServer(httpx2.Response(400, json={"error": {"message": "bad response_format", "type": "x"}}))
    with pytest.raises(ProviderError, match="rejected the request"):
        local(server).complete(extract(schema=None))
    assert json.loads(server.requests[0].content)["messages"] == MESSAGES
