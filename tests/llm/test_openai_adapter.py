"""The OpenAI adapter through httpx2.MockTransport, with response bodies shaped like the real API's."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import pytest

from kwiki.errors import ConfigError, EndpointUnreachable, ProviderError
from kwiki.llm.base import Request, Usage
from kwiki.llm.openai_adapter import OpenAILLM, strict_allowed

from .loopback import chat_completion
from .mock_http import MockServer

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "summary": {"type": "string"}},
    "required": ["title", "summary"],
    "additionalProperties": False,
}


def completion(content: str | None = "ok", **shape: Any) -> httpx2.Response:
    answer = chat_completion(content, **shape)
    return httpx2.Response(answer.status, json=answer.body)


def api_error(status: int, text: str, headers: dict[str, str] | None = None) -> httpx2.Response:
    body = {"error": {"message": text, "type": "invalid_request_error", "param": None, "code": None}}
    return httpx2.Response(status, json=body, headers=headers)


def adapter(server: MockServer, **options: Any) -> OpenAILLM:
    settings: dict[str, Any] = {"timeout": 5.0, "max_retries": 2, "max_retry_after": 0.01, **options}
    return OpenAILLM("gpt-test", "sk-test", http_client=server.client(), **settings)


def summarize(schema: dict[str, Any] | None = SCHEMA) -> Request:
    return Request(name="summarize", system="You summarize.", user="the text", schema=schema, max_tokens=200)


def test_plain_text_reply_and_request_shape_for_openai() -> None:
    server = MockServer(completion("# Answer"))
    reply = adapter(server).complete(summarize(schema=None))
    assert reply.text == "# Answer"
    body = server.bodies[0]
    assert body["messages"] == [
        {"role": "system", "content": "You summarize."},
        {"role": "user", "content": "the text"},
    ]
    assert body["max_completion_tokens"] == 200
    assert "response_format" not in body
    assert server.requests[0].headers["authorization"] == "Bearer sk-test"


def test_compatible_servers_get_max_tokens() -> None:
    server = MockServer(completion())
    adapter(server, base_url="http://127.0.0.1:8080/v1").complete(summarize(schema=None))
    assert server.bodies[0]["max_tokens"] == 200
    assert str(server.requests[0].url) == "http://127.0.0.1:8080/v1/chat/completions"


def test_structured_reply_uses_strict_json_schema() -> None:
    server = MockServer(completion('{"title": "T", "summary": "S"}'))
    assert adapter(server).complete(summarize()).data == {"title": "T", "summary": "S"}
    assert server.bodies[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "summarize", "schema": SCHEMA, "strict": True},
    }


@pytest.mark.parametrize(
    "schema",
    [
        {**SCHEMA, "required": ["title"]},
        {**SCHEMA, "additionalProperties": True},
        {**SCHEMA, "properties": {"title": {"type": "string", "maxLength": 9}, "summary": {"type": "string"}}},
    ],
)
def test_strict_only_when_the_schema_allows_it(schema: dict[str, Any]) -> None:
    assert strict_allowed(SCHEMA)
    assert not strict_allowed(schema)


def test_usage_includes_cached_tokens() -> None:
    server = MockServer(completion("ok", prompt_tokens=2000, completion_tokens=40, cached_tokens=1536))
    assert adapter(server).complete(summarize(schema=None)).usage == Usage(2000, 40, 1536)


def test_usage_includes_cache_writes_which_gpt_5_6_and_later_bill() -> None:
    shape = {"prompt_tokens": 3000, "completion_tokens": 40, "cached_tokens": 0, "cache_write_tokens": 2048}
    server = MockServer(completion("ok", **shape))
    assert adapter(server).complete(summarize(schema=None)).usage == Usage(3000, 40, 0, 2048)


def test_rate_limit_beyond_two_minutes_is_still_retried_after_the_cap() -> None:
    server = MockServer(api_error(429, "Rate limit reached", {"retry-after": "3600"}), completion())
    started = time.monotonic()
    assert adapter(server).complete(summarize(schema=None)).text == "ok"
    assert len(server.requests) == 2
    assert time.monotonic() - started < 2


def test_rate_limit_after_all_retries_says_lower_concurrency_for_openai() -> None:
    server = MockServer(api_error(429, "Rate limit reached", {"retry-after": "1"}))
    with pytest.raises(ProviderError) as caught:
        adapter(server, max_retries=1).complete(summarize())
    assert "rate limited after 1 retries: Rate limit reached" in caught.value.message
    assert caught.value.hint == "lower --concurrency or wait"


def test_server_error_until_retries_are_exhausted_for_openai() -> None:
    server = MockServer(api_error(503, "overloaded", {"retry-after": "3600"}))
    with pytest.raises(ProviderError, match="server error 503 after 2 retries: overloaded"):
        adapter(server).complete(summarize())
    assert len(server.requests) == 3


def test_truncated_json_without_finish_reason_length_is_repaired_for_openai() -> None:
    server = MockServer(
        completion('{"title": "T", "summary": "Lo', prompt_tokens=10, completion_tokens=200),
        completion('{"title": "T", "summary": "Short."}', prompt_tokens=30, completion_tokens=8),
    )
    reply = adapter(server).complete(summarize())
    assert reply.data == {"title": "T", "summary": "Short."}
    repair = server.bodies[1]["messages"][1]["content"]
    assert "ends early" in repair
    assert '{"title": "T", "summary": "Lo' in repair
    assert reply.usage == Usage(40, 208, 0)


def test_schema_invalid_json_twice_is_a_clear_error_for_openai() -> None:
    server = MockServer(completion('{"title": "T"}'))
    with pytest.raises(ProviderError) as caught:
        adapter(server).complete(summarize())
    assert "model 'gpt-test' returned invalid JSON for 'summarize' twice" in caught.value.message
    assert "missing required key 'summary'" in caught.value.message
    assert len(server.requests) == 2


def test_refusal_field_is_a_provider_error() -> None:
    server = MockServer(completion(None, refusal="I can't help with that."))
    with pytest.raises(ProviderError, match=r"refused the 'summarize' request: I can't help"):
        adapter(server).complete(summarize())


def test_empty_content_is_a_provider_error_for_openai() -> None:
    with pytest.raises(ProviderError, match="empty reply to 'summarize'"):
        adapter(MockServer(completion(""))).complete(summarize(schema=None))


def test_authentication_error_names_the_key_variable_for_openai() -> None:
    server = MockServer(api_error(401, "Incorrect API key provided: sk-test."))
    with pytest.raises(ProviderError) as caught:
        adapter(server).complete(summarize())
    assert "Incorrect API key provided" in caught.value.message
    assert caught.value.hint == "check OPENAI_API_KEY"


def test_unknown_model_says_set_model_for_openai() -> None:
    server = MockServer(api_error(404, "The model `gpt-test` does not exist or you do not have access to it."))
    with pytest.raises(ProviderError) as caught:
        adapter(server).complete(summarize())
    assert "model 'gpt-test' not found at https://api.openai.com/v1" in caught.value.message
    assert "set model in kwiki.toml" in caught.value.hint


def test_unknown_json_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown json_mode 'grammar'"):
        OpenAILLM("m", "k", json_mode="grammar")


def test_a_server_answering_with_a_web_page_is_an_unreachable_endpoint_not_a_traceback() -> None:
    """A proxy's login page, a web interface on the API's port, a base_url without /v1: HTTP 200 with HTML, which
    the SDK hands back as a str. That was an AttributeError traceback (`'str' object has no attribute 'usage'`)."""
    page = httpx2.Response(200, text="<html><body>Please log in</body></html>", headers={"content-type": "text/html"})
    server = MockServer(page)
    with pytest.raises(EndpointUnreachable) as caught:
        adapter(server).complete(summarize(schema=None))
    assert "not an OpenAI-compatible reply" in caught.value.message and "Please log in" in caught.value.message
    assert "/v1" in caught.value.hint and caught.value.exit_code == 2
