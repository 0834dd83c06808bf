"""The Anthropic adapter through httpx2.MockTransport, with response bodies shaped like the real API's."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import pytest

from kwiki.errors import EndpointUnreachable, ProviderError
from kwiki.llm.anthropic_adapter import AnthropicLLM
from kwiki.llm.base import Request, Usage

from .mock_http import MockServer

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "summary": {"type": "string", "maxLength": 200}},
    "required": ["title", "summary"],
    "additionalProperties": False,
}


def message(
    text: str | None,
    *,
    stop_reason: str = "end_turn",
    input_tokens: int = 20,
    output_tokens: int = 7,
    cache_read: int = 0,
    cache_write: int = 0,
) -> httpx2.Response:
    content = [] if text is None else [{"type": "text", "text": text}]
    usage = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
    }
    body = {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }
    return httpx2.Response(200, json=body, headers={"request-id": "req_01"})


def api_error(status: int, kind: str, text: str, headers: dict[str, str] | None = None) -> httpx2.Response:
    body = {"type": "error", "error": {"type": kind, "message": text}, "request_id": "req_01"}
    return httpx2.Response(status, json=body, headers=headers)


def adapter(server: MockServer, **options: Any) -> AnthropicLLM:
    settings: dict[str, Any] = {"timeout": 5.0, "max_retries": 2, "max_retry_after": 0.01, **options}
    return AnthropicLLM("claude-test", "sk-test", http_client=server.client(), **settings)


def extract(schema: dict[str, Any] | None = SCHEMA) -> Request:
    return Request(name="extract", system="You extract.", user="the source", schema=schema, max_tokens=300)


def test_plain_text_reply_and_request_shape() -> None:
    server = MockServer(message("# A page"))
    reply = adapter(server).complete(extract(schema=None))
    assert reply.text == "# A page"
    assert reply.data is None
    body = server.bodies[0]
    assert body["model"] == "claude-test"
    assert body["max_tokens"] == 300
    assert body["system"] == [{"type": "text", "text": "You extract.", "cache_control": {"type": "ephemeral"}}]
    assert body["messages"] == [{"role": "user", "content": "the source"}]
    assert "output_config" not in body
    assert "thinking" not in body  # claude-test, like Claude 4.x, answers without thinking unless asked


@pytest.mark.parametrize(
    ("model", "thinking"),
    [
        ("claude-sonnet-5-5", {"type": "between_tools"}),  # "disabled" answers 400 on Sonnet 5.5
        ("claude-sonnet-5-5-20261001", {"type": "between_tools"}),
        ("claude-sonnet-5", {"type": "disabled"}),
        ("claude-opus-5", {"type": "disabled"}),
        ("claude-haiku-5-5", {"type": "disabled"}),
        ("claude-sonnet-4-6", None),
        ("claude-opus-5-5", None),  # always thinks; it takes no setting that stops it
    ],
)
def test_models_that_think_by_default_are_asked_to_answer_directly(model: str, thinking: Any) -> None:
    server = MockServer(message('{"title": "T", "summary": "S"}'))
    AnthropicLLM(model, "sk-test", http_client=server.client(), max_retries=0).complete(extract())
    body = server.bodies[0]
    assert body.get("thinking") == thinking
    assert not {"temperature", "top_p", "top_k"} & set(body)  # non-default sampling values are a 400 on 5.x
    assert body["messages"][-1]["role"] == "user"  # no assistant prefill, also a 400 on 5.x


def test_structured_reply_uses_output_config_and_is_parsed() -> None:
    server = MockServer(message('{"title": "BM25", "summary": "A ranking function."}'))
    reply = adapter(server).complete(extract())
    assert reply.data == {"title": "BM25", "summary": "A ranking function."}
    sent = server.bodies[0]["output_config"]["format"]
    assert sent["type"] == "json_schema"
    assert sent["schema"]["required"] == ["title", "summary"]
    assert sent["schema"]["additionalProperties"] is False


def test_usage_counts_cache_reads_and_writes_as_input() -> None:
    server = MockServer(message("ok", input_tokens=20, output_tokens=7, cache_read=300, cache_write=50))
    assert adapter(server).complete(extract(schema=None)).usage == Usage(370, 7, 300, 50)


def test_rate_limit_is_retried_with_retry_after_capped() -> None:
    server = MockServer(api_error(429, "rate_limit_error", "slow down", {"retry-after": "3600"}), message("ok"))
    started = time.monotonic()
    reply = adapter(server).complete(extract(schema=None))
    assert reply.text == "ok"
    assert len(server.bodies) == 2
    assert time.monotonic() - started < 2


def test_rate_limit_after_all_retries_says_lower_concurrency() -> None:
    server = MockServer(api_error(429, "rate_limit_error", "slow down", {"retry-after-ms": "3600000"}))
    with pytest.raises(ProviderError) as caught:
        adapter(server, max_retries=1).complete(extract())
    assert "rate limited after 1 retries" in caught.value.message
    assert "lower --concurrency or wait" in caught.value.hint
    assert len(server.bodies) == 2


def test_server_error_until_retries_are_exhausted() -> None:
    server = MockServer(api_error(500, "api_error", "Internal server error", {"retry-after": "3600"}))
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        adapter(server, max_retries=2).complete(extract())
    assert "server error 500 after 2 retries: Internal server error" in caught.value.message
    assert len(server.bodies) == 3
    assert time.monotonic() - started < 2


def test_reply_cut_at_max_tokens_is_asked_again_with_twice_the_budget() -> None:
    server = MockServer(
        message('{"title": "BM25", "summ', stop_reason="max_tokens", input_tokens=20, output_tokens=300),
        message('{"title": "BM25", "summary": "Short."}', input_tokens=20, output_tokens=9),
    )
    reply = adapter(server).complete(extract())
    assert reply.data == {"title": "BM25", "summary": "Short."}
    assert [body["max_tokens"] for body in server.bodies] == [300, 600]
    assert server.bodies[1]["messages"] == server.bodies[0]["messages"]
    assert reply.usage == Usage(40, 309, 0)


def test_truncated_json_without_the_stop_reason_is_repaired_with_the_error() -> None:
    server = MockServer(
        message('{"title": "BM25", "summ', input_tokens=20, output_tokens=300),
        message('{"title": "BM25", "summary": "Short."}', input_tokens=40, output_tokens=9),
    )
    reply = adapter(server).complete(extract())
    assert reply.data == {"title": "BM25", "summary": "Short."}
    repair = server.bodies[1]["messages"][0]["content"]
    assert repair.startswith("the source")
    assert "ends early" in repair
    assert '{"title": "BM25", "summ' in repair
    assert reply.usage == Usage(60, 309, 0)


def test_schema_invalid_json_twice_is_a_clear_error() -> None:
    server = MockServer(message('{"title": "BM25"}'), message('{"title": "BM25", "summary": 3}'))
    with pytest.raises(ProviderError) as caught:
        adapter(server).complete(extract())
    assert "model 'claude-test' returned invalid JSON for 'extract' twice" in caught.value.message
    assert "$.summary: expected string, got integer" in caught.value.message


def test_refusal_is_a_provider_error() -> None:
    server = MockServer(message(None, stop_reason="refusal"))
    with pytest.raises(ProviderError, match="refused the 'extract' request"):
        adapter(server).complete(extract())
    assert len(server.bodies) == 1


def test_empty_content_is_a_provider_error() -> None:
    server = MockServer(message(None, stop_reason="end_turn"))
    with pytest.raises(ProviderError, match="empty reply to 'extract'"):
        adapter(server).complete(extract(schema=None))


def test_authentication_error_names_the_key_variable() -> None:
    server = MockServer(api_error(401, "authentication_error", "invalid x-api-key"))
    with pytest.raises(ProviderError) as caught:
        adapter(server).complete(extract())
    assert "invalid x-api-key" in caught.value.message
    assert caught.value.hint == "check ANTHROPIC_API_KEY"
    assert len(server.bodies) == 1


def test_unknown_model_says_set_model() -> None:
    server = MockServer(api_error(404, "not_found_error", "model: claude-test"))
    with pytest.raises(ProviderError) as caught:
        adapter(server).complete(extract())
    assert "model 'claude-test' not found" in caught.value.message
    assert "set model in kwiki.toml" in caught.value.hint


def test_unreachable_server_says_check_base_url() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("Connection refused", request=request)

    with pytest.raises(ProviderError) as caught:
        adapter(MockServer(refuse), max_retries=0, base_url="http://127.0.0.1:9").complete(extract())
    assert "cannot reach http://127.0.0.1:9" in caught.value.message
    assert "is base_url right?" in caught.value.hint


def hang(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ReadTimeout("timed out", request=request)


def test_a_server_that_never_answered_is_not_retried_after_a_timeout_and_stops_the_run() -> None:
    server = MockServer(hang)
    with pytest.raises(EndpointUnreachable) as caught:
        adapter(server, max_retries=2, timeout=0.5).complete(extract())
    assert "sent no answer within 0.5s, and has not answered once in this run" in caught.value.message
    assert "raise timeout" in caught.value.hint and len(server.requests) == 1


def test_a_timeout_after_a_first_answer_is_retried_then_says_raise_timeout() -> None:
    server = MockServer(message("hi"), hang)
    llm = adapter(server, max_retries=1, timeout=0.5)
    llm.complete(extract(None))
    with pytest.raises(ProviderError) as caught:
        llm.complete(extract())
    assert "did not answer within 0.5s after 1 retries" in caught.value.message
    assert "raise timeout" in caught.value.hint and len(server.requests) == 3
