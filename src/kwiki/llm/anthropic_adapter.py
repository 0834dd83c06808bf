"""The Anthropic Messages API behind kwiki's LLM protocol: structured output, prompt caching, clear errors."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

import anthropic
import httpx2
from anthropic.types import Message, MessageParam, TextBlockParam
from anthropic.types.messages import MessageBatchIndividualResponse, MessageBatchRequestCounts
from anthropic.types.messages.batch_create_params import Request as BatchRequest

from kwiki.batch.api import CLOCK_SKEW, BatchResult, BatchStatus, Intent, Lookup, recent
from kwiki.errors import ProviderError
from kwiki.llm import provider_errors
from kwiki.llm.base import CUT, Reply, Request, Usage
from kwiki.llm.prices import family
from kwiki.llm.provider_errors import Endpoint
from kwiki.llm.retry_cap import FirstAnswer, cap_retry_after, connect_timeout
from kwiki.llm.validate import complete_structured

T = TypeVar("T")

# Models that think before they answer unless told not to, each with the setting that stops it. Their thinking
# counts against max_tokens and bills as output, so kwiki's budgets, written for models that answer directly,
# would cut replies. Older models answer directly by default and take no setting; Claude Opus 5.5 and the Fable
# models always think (platform.claude.com/docs/en/models/<model>/whats-new…, read 2026-12-02).
_ANSWER_DIRECTLY: dict[str, dict[str, str]] = {
    "claude-sonnet-5-5": {"type": "between_tools"},  # "disabled" is a 400 on Sonnet 5.5; this is its lowest
    "claude-sonnet-5": {"type": "disabled"},
    "claude-opus-5": {"type": "disabled"},  # accepted at effort high or lower; its default is high
    "claude-haiku-5-5": {"type": "disabled"},  # likewise (default effort medium)
}


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
        thinking = _ANSWER_DIRECTLY.get(family(self._model))
        if thinking is not None:
            params["thinking"] = thinking
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

    def submit(self, requests: Sequence[tuple[str, Request]], token: str) -> str:
        """`token` is not sent: a Message Batch carries no metadata (see `find`)."""
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
        total = _total(counts)
        return BatchStatus(batch_id, batch.processing_status == "ended", total - counts.processing, total)

    def find(self, intent: Intent, known: set[str]) -> Lookup:
        """Message Batches carry no metadata, so the batch is told by shape: created since the intent (less
        CLOCK_SKEW), not on record, with as many requests; once ended, exactly the intent's custom_ids. One ended
        batch with those custom_ids is it; else one such batch still running is taken for it (were it another
        client's, its results match none of ours and our requests go directly then: nothing is paid twice); two
        or more still running are `undecided` until they end."""
        earliest = intent.since - CLOCK_SKEW
        listed = self._call(lambda: recent(self._batches.list(limit=100), lambda b: b.created_at >= earliest))
        alike = [b for b in listed if b.id not in known and _total(b.request_counts) == len(intent.custom_ids)]
        running = [b.id for b in alike if b.processing_status != "ended"]
        ended = [b.id for b in alike if b.processing_status == "ended" and self._custom_ids(b.id) == intent.custom_ids]
        if ended:
            return Lookup(ended[0])
        if len(running) > 1:
            return Lookup(None, undecided=True)
        return Lookup(running[0] if running else None)

    def _custom_ids(self, batch_id: str) -> frozenset[str]:
        try:
            return frozenset(line.custom_id for line in self._call(lambda: list(self._batches.results(batch_id))))
        except _Gone:  # results no longer kept
            return frozenset()

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


def _total(counts: MessageBatchRequestCounts) -> int:
    return counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired


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
