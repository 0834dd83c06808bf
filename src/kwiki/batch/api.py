"""What batch mode needs from a provider's batch API, and the signal that stops a collecting run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from kwiki.errors import ProviderError
from kwiki.llm.base import LLM, Reply, Request


class Deferred(Exception):
    """Stops a collecting round before anything is applied: its requests go into the next batch.

    Not a KwikiError on purpose: the ingest code turns KwikiErrors into failed sources and pages, and lets
    this through, so the round ends before the point where a run is applied.
    """


class DeferredCall(ProviderError):
    """One request of a parallel phase went into the next batch. A KwikiError, so the phase goes on and every
    request of it is collected; the round's progress hook then stops the run with Deferred at the phase end."""


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
