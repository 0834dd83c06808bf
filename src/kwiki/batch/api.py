"""What batch mode needs from a provider's batch API, and the signal that stops a collecting run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from kwiki.llm.base import LLM, Reply, Request


class Deferred(Exception):
    """A request went into the next batch instead of being sent: the run stops here and applies nothing.

    It is not a KwikiError on purpose, so the ingest code, which turns KwikiErrors into failed sources and
    pages, lets it through and never reaches the point where the run is applied.
    """


@dataclass(frozen=True)
class BatchStatus:
    """One poll: `done` once the provider has stopped processing (ended, completed, expired, failed...)."""

    batch_id: str
    done: bool
    finished: int
    total: int


@dataclass(frozen=True)
class BatchResult:
    """One request's outcome: a reply, or None with why (errored, expired, canceled, refused)."""

    custom_id: str
    reply: Reply | None
    error: str = ""


class BatchAPI(Protocol):
    """A provider's batch endpoints for one model; `direct` sends single requests to the same model."""

    @property
    def direct(self) -> LLM: ...

    def submit(self, requests: Sequence[tuple[str, Request]]) -> str: ...

    def status(self, batch_id: str) -> BatchStatus: ...

    def results(self, batch_id: str) -> Iterator[BatchResult]: ...
