"""The LLM boundary's data types and protocol (docs/design.md §4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

JSONSchema = Mapping[str, Any]


@dataclass(frozen=True)
class Usage:
    """Tokens one call (or many, summed) consumed."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_tokens + other.cached_tokens,
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
    """What came back: text always; `data` parsed and validated when the request had a schema."""

    text: str
    data: dict[str, Any] | None = None
    usage: Usage = field(default_factory=Usage)
    cache_hit: bool = False


class LLM(Protocol):
    """Anything that answers requests. Adapters, the extractive provider, the fake and the wrappers."""

    @property
    def model(self) -> str: ...

    def complete(self, request: Request) -> Reply: ...
