"""The LLM boundary's data types and protocol (docs/design.md §4)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, get_args

JSONSchema = Mapping[str, Any]
# How an OpenAI-compatible server is asked for structured output (README "Providers" says which takes which)
JsonMode = Literal["json_schema", "json_object", "tools", "prompt"]
JSON_MODES: tuple[str, ...] = get_args(JsonMode)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # in a str, any surrogate is a lone one: a pair decodes to one
CUT = "max_tokens"  # Reply.stop_reason of a reply that hit the token limit, whatever the provider calls it


@dataclass(frozen=True)
class Usage:
    """Tokens one call (or many, summed) consumed."""

    input_tokens: int = 0  # every prompt token, cached ones included
    output_tokens: int = 0
    cached_tokens: int = 0  # of input_tokens, read from the provider's prompt cache
    cache_write_tokens: int = 0  # of input_tokens, written to the prompt cache (Anthropic, OpenAI GPT-5.6+ bill them)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_tokens + other.cached_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
        )


@dataclass(frozen=True)
class Request:
    """One call: `name` identifies the kind ("extract", "write-page", "overview", "query", "compare")."""

    name: str
    system: str
    user: str
    schema: JSONSchema | None = None
    max_tokens: int = 4096


@dataclass(frozen=True)
class Reply:
    """What came back: text always; `data` parsed and validated when the request had a schema.

    `stop_reason` is the provider's word for why the reply ended, except that a reply cut at the token limit
    (Anthropic `max_tokens`, OpenAI `length`) always says CUT, so callers never take it for a whole reply.
    """

    text: str
    data: dict[str, Any] | None = None
    usage: Usage = field(default_factory=Usage)
    cache_hit: bool = False
    stop_reason: str = "end"

    def __post_init__(self) -> None:
        # A JSON reply may escape half a surrogate pair (`\ud83d`): valid JSON, but a string no file can hold.
        # Made U+FFFD here, where every reply enters, it can neither crash the cache write nor wedge the run.
        object.__setattr__(self, "text", _LONE_SURROGATE.sub("\ufffd", self.text))
        if self.data is not None and not _encodable(self.data):
            object.__setattr__(self, "data", _without_surrogates(self.data))

    @property
    def cut(self) -> bool:
        return self.stop_reason == CUT


class LLM(Protocol):
    """Anything that answers requests. Adapters, the extractive provider, the fake and the wrappers."""

    @property
    def model(self) -> str: ...

    def complete(self, request: Request) -> Reply: ...


def _encodable(data: dict[str, Any]) -> bool:
    """Whether parsed JSON holds no lone surrogate: one C-speed pass, where walking it costs Python's per value."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):  # walked then, whatever it holds
        return False
    return True


def _without_surrogates(value: Any) -> Any:
    """`value` (parsed JSON) with every lone surrogate in its strings, keys included, made U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value
