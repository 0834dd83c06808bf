"""OpenAI chat completions behind kwiki's LLM protocol, for OpenAI and every OpenAI-compatible server."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import httpx2
import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from kwiki.batch.api import CLOCK_SKEW, BatchResult, BatchStatus, Intent, Lookup, recent
from kwiki.errors import ConfigError, EndpointUnreachable, ProviderError
from kwiki.llm import provider_errors
from kwiki.llm.base import CUT, JSON_MODES, Reply, Request, Usage
from kwiki.llm.provider_errors import Endpoint
from kwiki.llm.retry_cap import FirstAnswer, cap_retry_after, connect_timeout
from kwiki.llm.validate import complete_structured

# Keywords OpenAI's strict mode accepts; a schema using anything else is sent with strict false.
# A batch is over in any of these states; its output and error files hold what was answered.
_BATCH_OVER = frozenset({"completed", "expired", "failed", "cancelled"})
_INTENT = "kwiki_intent"  # the batch metadata key of the token a batch was submitted under
T = TypeVar("T")
_STRICT_KEYWORDS = frozenset(
    {"type", "properties", "required", "additionalProperties", "items", "enum", "description", "title"}
    | {"minItems", "maxItems", "anyOf", "const", "pattern", "format", "minimum", "maximum"}
)


class OpenAILLM:
    """One model behind /v1/chat/completions. The SDK retries 429/5xx; kwiki caps the retry-after wait."""

    def __init__(
        self,
        model: str,
        api_key: str,
        *,
        base_url: str | None = None,
        json_mode: str = "json_schema",
        timeout: float = 120.0,
        max_retries: int = 2,
        max_retry_after: float = 30.0,
        http_client: httpx2.Client | None = None,
        key_variable: str = "OPENAI_API_KEY",
        fall_back: bool = True,
        on_notice: Callable[[str], object] | None = None,
    ) -> None:
        if json_mode not in JSON_MODES:
            raise ConfigError(f"unknown json_mode {json_mode!r}", f"use one of: {', '.join(JSON_MODES)}")
        self._model = model
        self._json_mode = json_mode
        # a server that rejects json_schema is asked in json_object + schema for the rest of the run, once
        self._fall_back = fall_back
        self._on_notice = on_notice
        self._mode_lock = threading.Lock()
        client = http_client if http_client is not None else openai.DefaultHttpxClient()
        self._first_answer = FirstAnswer(client, max_retries, max_retry_after)
        self._client = openai.OpenAI(
            # Local servers ignore the key but the SDK insists on one; a real missing key fails with 401.
            api_key=api_key or "none",
            base_url=base_url,
            timeout=connect_timeout(timeout),
            max_retries=max_retries,
            http_client=cap_retry_after(client, max_retry_after),
        )
        url = str(self._client.base_url).rstrip("/")
        self._endpoint = Endpoint("openai", model, url, key_variable, max_retries, timeout)
        # OpenAI's reasoning models reject max_tokens; compatible servers mostly know only max_tokens.
        is_openai = self._client.base_url.host == "api.openai.com"
        self._limit_key = "max_completion_tokens" if is_openai else "max_tokens"

    @property
    def model(self) -> str:
        return self._model

    def complete(self, request: Request) -> Reply:
        return complete_structured(self._send, request, source=f"model '{self._model}'")

    @property
    def json_mode(self) -> str:
        """The mode in use now: the configured one, or json_object after the server rejected json_schema."""
        return self._json_mode

    def _send(self, request: Request) -> Reply:
        mode = self._json_mode
        try:
            completion = self._create(self._params(request, mode))
        except openai.APIStatusError as err:
            if request.schema is None or mode != "json_schema" or not self._fall_back or not rejects_json_schema(err):
                raise _translate(err, self._endpoint) from err
            self._switch_to_json_object(err)
            return self._send(request)
        except openai.APIError as err:
            raise _translate(err, self._endpoint) from err
        if not isinstance(completion, ChatCompletion):  # the SDK hands back the body when it is not JSON
            raise EndpointUnreachable(
                f"{self._endpoint.url} answered with something that is not an OpenAI-compatible reply: "
                f"{' '.join(str(completion).split())[:80]!r} (a login page, a web interface, another service?)",
                "check base_url: an OpenAI-compatible server's API usually ends in /v1",
            )
        usage = _usage_of(completion)
        if completion.choices and completion.choices[0].finish_reason == "length":
            return Reply(text=completion.choices[0].message.content or "", usage=usage, stop_reason=CUT)
        text = _text_of(completion, request, self._model)
        return Reply(text=text, usage=usage, stop_reason=completion.choices[0].finish_reason)

    def _create(self, params: dict[str, Any]) -> ChatCompletion:
        def attempt(retries: int | None) -> ChatCompletion:
            client = self._client if retries is None else self._client.with_options(max_retries=retries)
            completion: ChatCompletion = client.chat.completions.create(**params)
            return completion

        retried = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
        silent = functools.partial(provider_errors.never_answered, self._endpoint)
        return self._first_answer.send(attempt, openai.APITimeoutError, retried, silent)

    def _switch_to_json_object(self, err: openai.APIStatusError) -> None:
        with self._mode_lock:
            if self._json_mode != "json_schema":  # another thread switched already
                return
            self._json_mode = "json_object"
        if self._on_notice is not None:
            self._on_notice(
                f"{self._endpoint.url} rejected json_mode json_schema (HTTP {err.status_code}); using "
                'json_object with the schema for the rest of the run — set json_mode = "json_object" in '
                "kwiki.toml to skip the failed first try"
            )

    def _params(self, request: Request, mode: str) -> dict[str, Any]:
        system = request.system
        if request.schema is not None and mode in ("json_object", "prompt"):
            system += describe_schema(request.schema)
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system},
            {"role": "user", "content": request.user},
        ]
        params: dict[str, Any] = {"model": self._model, "messages": messages}
        params[self._limit_key] = request.max_tokens
        if request.schema is not None:
            params.update(_structure_params(mode, request.name, request.schema))
        return params


def rejects_json_schema(err: openai.APIStatusError) -> bool:
    """A 400/422/500 naming response_format or json_schema: the server does not take OpenAI's json_schema form.

    llama-cpp-python answers it with HTTP 500 and a validation error naming response_format, other servers
    with 400 or 422.
    """
    if err.status_code not in (400, 422, 500):
        return False
    text = f"{err.message} {err.body}".lower()
    return "response_format" in text or "json_schema" in text


def _structure_params(json_mode: str, name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    label = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "reply"
    strict = strict_allowed(schema)
    if json_mode == "json_schema":
        spec = {"name": label, "schema": dict(schema), "strict": strict}
        return {"response_format": {"type": "json_schema", "json_schema": spec}}
    if json_mode == "json_object":
        # llama.cpp and llama-cpp-python compile this schema into a grammar; servers that ignore it lose nothing
        return {"response_format": {"type": "json_object", "schema": dict(schema)}}
    if json_mode == "tools":
        function = {"name": label, "description": "Return the result.", "parameters": dict(schema)}
        return {
            "tools": [{"type": "function", "function": {**function, "strict": strict}}],
            "tool_choice": {"type": "function", "function": {"name": label}},
        }
    return {}


def describe_schema(schema: Mapping[str, Any]) -> str:
    """The schema as instructions, for servers that cannot enforce it."""
    return (
        "\n\nReply with only one JSON object, no prose and no code fence, that matches this JSON Schema:\n"
        + json.dumps(schema, ensure_ascii=False)
    )


def strict_allowed(schema: Mapping[str, Any]) -> bool:
    """Whether OpenAI's strict mode accepts the schema: closed objects, every key required, known keywords."""
    if not set(schema) <= _STRICT_KEYWORDS:
        return False
    properties: Mapping[str, Any] = schema.get("properties", {})
    if schema.get("type") == "object" and (
        schema.get("additionalProperties") is not False or set(schema.get("required", ())) != set(properties)
    ):
        return False
    children = [*properties.values(), *([schema["items"]] if "items" in schema else [])]
    return all(strict_allowed(child) for child in children)


def _text_of(completion: ChatCompletion, request: Request, model: str) -> str:
    if not completion.choices:
        raise ProviderError(f"model '{model}' returned no choices for '{request.name}'", "try another model")
    choice = completion.choices[0]
    message = choice.message
    if message.refusal or choice.finish_reason == "content_filter":
        raise ProviderError(
            f"model '{model}' refused the '{request.name}' request: {message.refusal or 'content filter'}",
            "the source may hold content the model will not process; skip it or try another model",
        )
    calls = [call for call in message.tool_calls or () if call.type == "function"]
    text = calls[0].function.arguments if calls else message.content or ""
    if not text.strip():
        raise ProviderError(
            f"model '{model}' returned an empty reply to '{request.name}' ({choice.finish_reason})",
            "raise max_tokens, or try another json_mode in kwiki.toml",
        )
    return text


def _usage_of(completion: ChatCompletion) -> Usage:
    usage = completion.usage
    if usage is None:
        return Usage()
    details = usage.prompt_tokens_details
    if details is None:
        return Usage(usage.prompt_tokens, usage.completion_tokens)
    # from GPT-5.6 on OpenAI bills cache writes (1.25× input) and reports them apart from the reads
    written = details.cache_write_tokens or 0
    return Usage(usage.prompt_tokens, usage.completion_tokens, details.cached_tokens or 0, written)


def _translate(err: openai.APIError, endpoint: Endpoint) -> ProviderError:
    if isinstance(err, openai.APITimeoutError):
        return provider_errors.timed_out(endpoint)
    if isinstance(err, openai.APIConnectionError):
        return provider_errors.unreachable(endpoint, str(err.__cause__ or err))
    if isinstance(err, openai.APIStatusError):
        body = err.body if isinstance(err.body, dict) else {}
        message = str(body.get("message") or err.message)
        return provider_errors.status_error(endpoint, err.status_code, message)
    return ProviderError(f"openai: {err.message}", "KWIKI_DEBUG=1 shows the request")


# --- the Batch API (kwiki ingest --batch) -------------------------------------------------------------------


class OpenAIBatches:
    """OpenAI's Batch API for the model of `direct`: a JSONL file of /v1/chat/completions bodies."""

    def __init__(self, direct: OpenAILLM) -> None:
        self._direct = direct
        self._client = direct._client

    @property
    def direct(self) -> OpenAILLM:
        return self._direct

    def submit(self, requests: Sequence[tuple[str, Request]], token: str) -> str:
        """`token` goes along as the batch's metadata, by which `find` knows it."""
        url, mode = "/v1/chat/completions", self._direct.json_mode
        lines = [
            json.dumps({"custom_id": custom_id, "method": "POST", "url": url, "body": self._direct._params(r, mode)})
            for custom_id, r in requests
        ]
        content = ("\n".join(lines) + "\n").encode("utf-8")
        uploaded = self._call(lambda: self._client.files.create(file=("kwiki-batch.jsonl", content), purpose="batch"))
        batch = self._call(
            lambda: self._client.batches.create(
                input_file_id=uploaded.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
                metadata={_INTENT: token},
            )
        )
        return batch.id

    def find(self, intent: Intent, known: set[str]) -> Lookup:
        """The batch whose metadata carries the intent's token, among those created since the intent."""
        earliest = (intent.since - CLOCK_SKEW).timestamp()
        listed = self._call(lambda: recent(self._client.batches.list(limit=100), lambda b: b.created_at >= earliest))
        mine = [b.id for b in listed if (b.metadata or {}).get(_INTENT) == intent.token and b.id not in known]
        return Lookup(mine[0] if mine else None)

    def status(self, batch_id: str) -> BatchStatus:
        try:
            batch = self._call(lambda: self._client.batches.retrieve(batch_id))
        except _Gone:  # deleted, or made with another key: over, with no results (its requests go direct)
            return BatchStatus(batch_id, True, 0, 0)
        counts = batch.request_counts
        finished, total = (counts.completed + counts.failed, counts.total) if counts else (0, 0)
        return BatchStatus(batch_id, batch.status in _BATCH_OVER, finished, total)

    def results(self, batch_id: str) -> Iterator[BatchResult]:
        try:
            batch = self._call(lambda: self._client.batches.retrieve(batch_id))
            files = [self._file_text(f) for f in (batch.output_file_id, batch.error_file_id) if f]
        except _Gone:
            return
        for text in files:
            for line in text.splitlines():
                try:
                    yield _batch_line(json.loads(line), self._direct.model)
                except ValueError:  # a blank or damaged line: that request counts as unanswered, sent directly
                    continue

    def _file_text(self, file_id: str) -> str:
        return self._call(lambda: self._client.files.content(file_id).text)

    def _call(self, send: Callable[[], T]) -> T:
        try:
            return send()
        except openai.NotFoundError as err:
            known = _translate(err, self._direct._endpoint)
            raise _Gone(known.message, known.hint) from err
        except openai.APIError as err:
            raise _translate(err, self._direct._endpoint) from err


class _Gone(ProviderError):
    """The provider does not know the batch or file (any more)."""


def _batch_line(line: dict[str, Any], model: str) -> BatchResult:
    custom_id = str(line.get("custom_id", ""))
    response = line.get("response") or {}
    if response.get("status_code") != 200:
        error = line.get("error") or (response.get("body") or {}).get("error") or {}
        return BatchResult(custom_id, None, f"{error.get('code', 'error')}: {error.get('message', '')}")
    completion = ChatCompletion.model_validate(response["body"])
    if completion.choices and completion.choices[0].finish_reason == "length":  # cut: sent again directly
        return BatchResult(custom_id, None, "cut at max_tokens")
    try:
        text = _text_of(completion, Request("batched request", "", ""), model)
    except ProviderError as err:
        return BatchResult(custom_id, None, err.message)
    return BatchResult(custom_id, Reply(text=text, usage=_usage_of(completion)))
