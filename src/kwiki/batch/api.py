"""What batch mode needs from a provider's batch API, and the signal that stops a collecting run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Protocol, TypeVar

from kwiki.errors import KwikiError, ProviderError
from kwiki.llm.base import LLM, Reply, Request

# How much earlier than an intent's time (our clock) the provider may stamp its batch (its clock) and still have
# it taken for that intent's batch: a generous allowance for a laptop clock running ahead.
CLOCK_SKEW = timedelta(minutes=15)


T = TypeVar("T")


def recent(listed: Iterable[T], is_recent: Callable[[T], bool]) -> list[T]:
    """The leading items of a provider's list (newest first) that `is_recent` accepts: reading, and so paging,
    stops at the first older one."""
    return list(takewhile(is_recent, listed))


class Deferred(Exception):
    """Stops a collecting round before anything is applied: its requests go into the next batch.

    Not a KwikiError on purpose: the ingest code turns KwikiErrors into failed sources and pages, and lets
    this through, so the round ends before the point where a run is applied.
    """


class DeferredCall(ProviderError):
    """One request of a parallel phase went into the next batch. A KwikiError, so the phase goes on and every
    request of it is collected; the round's progress hook then stops the run with Deferred at the phase end."""


class BatchesStillRunning(KwikiError):
    """`ingest --batch` stopped waiting at its deadline; the batch stays recorded for the next run (exit code 3)."""

    exit_code = 3


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


@dataclass(frozen=True)
class Intent:
    """A batch recorded before its submit request goes out: `token` travels with it where the provider keeps
    metadata; `since` (UTC, our clock) and the requests' `custom_ids` identify it where the provider keeps none."""

    token: str
    since: datetime
    custom_ids: frozenset[str]


@dataclass(frozen=True)
class Lookup:
    """What the provider shows for an intent: its batch, or none made (`batch_id` None), or `undecided` (batches
    that could be it are still running and cannot be told apart yet: look again once they have ended)."""

    batch_id: str | None
    undecided: bool = False


class BatchAPI(Protocol):
    """A provider's batch endpoints for one model; `direct` sends single requests to the same model."""

    @property
    def direct(self) -> LLM: ...

    def submit(self, requests: Sequence[tuple[str, Request]], token: str) -> str: ...

    def find(self, intent: Intent, known: set[str]) -> Lookup:
        """The batch submitted for `intent` by a run that died before hearing its id (never one of `known`)."""
        ...

    def status(self, batch_id: str) -> BatchStatus: ...

    def results(self, batch_id: str) -> Iterator[BatchResult]: ...
