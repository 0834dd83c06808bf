"""ExtractiveLLM: the offline engine behind kwiki.llm.base.LLM — each request kind to its extractive reply."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from kwiki.errors import ProviderError
from kwiki.llm.base import Reply, Request, Usage
from kwiki.llm.blocks import SOURCE, unfence, unfence_json
from kwiki.offline.answers import answer, compare
from kwiki.offline.extract import extract, summarize
from kwiki.offline.overview import overview
from kwiki.offline.pages import update_page, write_page
from kwiki.payloads import (
    ComparePayload,
    OverviewPayload,
    QueryPayload,
    SummarizePayload,
    UpdatePagePayload,
    WritePagePayload,
)


def _extract(user: str) -> dict[str, Any]:
    blocks = unfence(user, SOURCE)
    if not blocks:
        raise ProviderError(
            "the extract prompt holds no untrusted_source block", "build it with blocks.fence(SOURCE, text)"
        )
    return extract("\n\n".join(blocks))


def _summarize(user: str) -> dict[str, Any]:
    payload = cast(SummarizePayload, _payload(user))
    return summarize(payload["title"], payload["summaries"])


def _payload(user: str) -> dict[str, Any]:
    try:
        payload = unfence_json(user)
    except ValueError as error:
        raise ProviderError(
            f"the prompt holds no readable kwiki_data block ({error})", "build it with blocks.fence_json(payload)"
        ) from error
    if not isinstance(payload, dict):
        raise ProviderError("the kwiki_data block is not a JSON object", "pass a dict to blocks.fence_json")
    return payload


_KINDS: dict[str, Callable[[str], str | dict[str, Any]]] = {
    "extract": _extract,
    "summarize": _summarize,
    "write-page": lambda user: write_page(cast(WritePagePayload, _payload(user))),
    "update-page": lambda user: update_page(cast(UpdatePagePayload, _payload(user))),
    "overview": lambda user: overview(cast(OverviewPayload, _payload(user))),
    "query": lambda user: answer(cast(QueryPayload, _payload(user))),
    "compare": lambda user: compare(cast(ComparePayload, _payload(user))),
}


class ExtractiveLLM:
    """Implements kwiki.llm.base.LLM for every request kind kwiki makes; same input, same reply."""

    @property
    def model(self) -> str:
        return "extractive"

    def complete(self, request: Request) -> Reply:
        kind = _KINDS.get(request.name)
        if kind is None:
            raise ProviderError(
                f"the extractive provider cannot answer a {request.name!r} request",
                f"it knows {', '.join(sorted(_KINDS))}; use a model provider (anthropic, openai) for others",
            )
        try:
            result = kind(request.user)
        except KeyError as error:  # the payload types in kwiki.payloads are the contract with the builders
            raise ProviderError(
                f"the {request.name!r} payload has no field {error}", "build it as its kwiki.payloads TypedDict"
            ) from error
        if isinstance(result, str):
            return Reply(result, None, _usage(request.user, result))
        text = json.dumps(result, ensure_ascii=False)
        return Reply(text, result, _usage(request.user, text))


def _usage(user: str, text: str) -> Usage:
    return Usage(len(user) // 4, len(text) // 4, 0)
