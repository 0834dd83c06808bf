"""The Anthropic Messages API behind kwiki's LLM protocol: structured output, prompt caching, clear errors."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

import anthropic
import httpx2
from anthropic.types import Message, MessageParam, TextBlockParam
from anthropic.types.messages import MessageBatchIndividualResponse
from anthropic.types.messages.batch_create_params import Request as BatchRequest

from kwiki.batch.api import BatchResult, BatchStatus
from kwiki.errors import ProviderError
from kwiki.llm import provider_errors
from kwiki.llm.base import CUT, Reply, Request, Usage
from kwiki.llm.provider_errors import Endpoint
from kwiki.llm.retry_cap import FirstAnswer, cap_retry_after, connect_timeout
from kwiki.llm.validate import complete_structured

T = TypeVar("T")


class AnthropicLLM:
    """One Anthropic model. The SDK retries 429/5xx itself; kwiki only caps how long a retry may wait."""

    def __init__(
        self,
        model: str,
        api_key: str,
        *,
        base_url: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 2,
        max_retry_after: float = 30.0,
        http_client: httpx2.Client | None = None,
        key_variable: str = "ANTHROPIC_API_KEY",
    ) -> None:
        self._model = model
        client = http_client if http_client is not None else anthropic.DefaultHttpxClient()
        self._first_answer = FirstAnswer(client, max_retries, max_retry_after)
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url,
            timeout=connect_timeout(timeout),
            max_retries=max_retries,
            http_client=cap_retry_after(client, max_retry_after),
        )
        url = str(self._client.base_url).rstrip("/")
        self._endpoint = Endpoint("anthropic", model, url, key_variable, max_retries, timeout)

    @property
    def model(self) -> str:
        return self._model

    def complete(self, request: Request) -> Reply:
        return complete_structured(self._send, request, source=f"model '{self._model}'")

    def _send(self, request: Request) -> Reply:
        try:
            message = self._create(self._params(request))
        except anthropic.APIError as err:
            raise _translate(err, self._endpoint) from err
        if message.stop_reason == "max_tokens":  # cut: whatever text there is must not pass for a reply
            return Reply(text=_joined(message), usage=_usage_of(message), stop_reason=CUT)
        stop = message.stop_reason or ""
        return Reply(text=_text_of(message, request), usage=_usage_of(message), stop_reason=stop)

    def _create(self, params: dict[str, Any]) -> Message:
        def attempt(retries: int | None) -> Message:
            client = self._client if retries is None else self._client.with_options(max_retries=retries)
            message: Message = client.messages.create(**params)
            return message

        retried = (anthropic.APIConnectionError, anthropic.RateLimitError, anthropic.InternalServerError)
        silent = functools.partial(provider_errors.never_answered, self._endpoint)
        return self._first_answer.send(attempt, anthropic.APITimeoutError, retried, silent)

    def _params(self, request: Request) -> dict[str, Any]:
        # The system prompt is the fixed prefix shared by every call of a kind, so it is what we cache.
        system: list[TextBlockParam] = [
            {"type": "text", "text": request.system, "cache_control": {"type": "ephemeral"}}
        ]
        messages: list[MessageParam] = [{"role": "user", "content": request.user}]
        params: dict[str, Any] = {
            "model": self._model,
            "max_tokens": request.max_tokens,
            "system": system,
            "messages": messages,
        }
        if request.schema is not None:
            schema = anthropic.transform_schema(dict(request.schema))
            params["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        return params


def _text_of(message: Message, request: Request) -> str:
    if message.stop_reason == "refusal":
        raise ProviderError(
            f"model '{message.model}' refused the '{request.name}' request",
            "the source may hold content the model will not process; skip it or try another model",
        )
    text = _joined(message)
    if not text.strip():
        raise ProviderError(
            f"model '{message.model}' returned an empty reply to '{request.name}' ({message.stop_reason})",
            "raise max_tokens or try another model",
        )
    return text


def _joined(message: Message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


def _usage_of(message: Message) -> Usage:
    # Anthropic counts cache reads and writes apart from input_tokens; kwiki's input is all of them.
    usage = message.usage
    cached = usage.cache_read_input_tokens or 0
    written = usage.cache_creation_input_tokens or 0
    return Usage(usage.input_tokens + cached + written, usage.output_tokens, cached, written)


def _translate(err: anthropic.APIError, endpoint: Endpoint) -> ProviderError:
    if isinstance(err, anthropic.APITimeoutError):
        return provider_errors.timed_out(endpoint)
    if isinstance(err, anthropic.APIConnectionError):
        return provider_errors.unreachable(endpoint, str(err.__cause__ or err))
    if isinstance(err, anthropic.APIStatusError):
        return provider_errors.status_error(endpoint, err.status_code, err.api_message or err.message)
    return ProviderError(f"anthropic: {err.message}", "see KWIKI_DEBUG=1 for the request")


# --- Message Batches (kwiki ingest --batch) ------------------------------------------------------------------


class AnthropicBatches:
    """Message Batches for the model of `direct`: the same request parameters, at the batch price."""

    def __init__(self, direct: AnthropicLLM) -> None:
        self._direct = direct
        self._batches = direct._client.messages.batches

    @property
    def direct(self) -> AnthropicLLM:
        return self._direct

    def submit(self, requests: Sequence[tuple[str, Request]]) -> str:
        items = [
            cast(BatchRequest, {"custom_id": custom_id, "params": self._direct._params(request)})
            for custom_id, request in requests
        ]
        return self._call(lambda: self._batches.create(requests=items)).id

    def status(self, batch_id: str) -> BatchStatus:
        try:
            batch = self._call(lambda: self._batches.retrieve(batch_id))
        except _Gone:  # deleted, or made with another key: over, with no results (its requests go direct)
            return BatchStatus(batch_id, True, 0, 0)
        counts = batch.request_counts
        finished = counts.succeeded + counts.errored + counts.canceled + counts.expired
        return BatchStatus(batch_id, batch.processing_status == "ended", finished, finished + counts.processing)

    def results(self, batch_id: str) -> Iterator[BatchResult]:
        try:
            lines = self._call(lambda: list(self._batches.results(batch_id)))
        except _Gone:
            return
        for line in lines:
            yield _batch_result(line)

    def _call(self, send: Callable[[], T]) -> T:
        try:
            return send()
        except anthropic.NotFoundError as err:
            known = _translate(err, self._direct._endpoint)
            raise _Gone(known.message, known.hint) from err
        except anthropic.APIError as err:
            raise _translate(err, self._direct._endpoint) from err


class _Gone(ProviderError):
    """The provider does not know the batch (any more)."""


def _batch_result(line: MessageBatchIndividualResponse) -> BatchResult:
    result = line.result
    if result.type == "errored":
        return BatchResult(line.custom_id, None, f"errored: {result.error.error.message}")
    if result.type != "succeeded":
        return BatchResult(line.custom_id, None, result.type)
    if result.message.stop_reason == "max_tokens":  # cut: sent again directly, where a cut reply is handled
        return BatchResult(line.custom_id, None, "cut at max_tokens")
    try:
        text = _text_of(result.message, Request("batched request", "", ""))
    except ProviderError as err:
        return BatchResult(line.custom_id, None, err.message)
    return BatchResult(line.custom_id, Reply(text=text, usage=_usage_of(result.message)))
