"""The LLM a collecting round runs with: every request the cache cannot answer is noted for the next batch."""

from __future__ import annotations

import threading
from collections.abc import Callable, Set

from kwiki.batch.api import Deferred, DeferredCall
from kwiki.llm.base import LLM, Reply, Request

Progress = Callable[[str, str, int, int], None]  # ingest's progress callback: (phase, item, done, total)

# Which request kinds depend on which: a request is only worth batching if no earlier kind is still missing.
_STAGES = {"extract": 0, "summarize": 1, "write-page": 2, "update-page": 2, "overview": 3}
_LAST = 99


class CollectingLLM:
    """Sits inside the response cache. A miss is recorded under its cache key and deferred; a key in
    `direct_keys` (its batch request failed, or was already batched) is sent directly instead.

    A miss on the round's own thread (a lone call, like the overview) stops the run at once with Deferred. A miss
    in a worker thread raises DeferredCall, so the other requests of that parallel phase are still made and
    collected; `progress` stops the run at the end of the phase. Stopping there, not at the first miss, matters:
    an exception out of a thread pool's map cancels the requests not yet started, and they would wait a round.
    """

    def __init__(
        self,
        direct: LLM,
        key_of: Callable[[Request], str],
        direct_keys: Set[str],
        on_direct: Callable[[Reply], None],
    ) -> None:
        self._direct = direct
        self._key_of = key_of
        self._direct_keys = direct_keys
        self._on_direct = on_direct
        self._owner = threading.current_thread()
        self._lock = threading.Lock()
        self._pending: dict[str, Request] = {}
        self._earliest = _LAST + 1  # the earliest stage with a deferred request

    @property
    def model(self) -> str:
        return self._direct.model

    def complete(self, request: Request) -> Reply:
        key = self._key_of(request)
        if key in self._direct_keys:
            reply = self._direct.complete(request)
            self._on_direct(reply)
            return reply
        stage = _STAGES.get(request.name, _LAST)
        with self._lock:
            if stage <= self._earliest:  # a later kind is built on replies still missing: it waits a round
                self._pending[key] = request
            self._earliest = min(self._earliest, stage)
        if threading.current_thread() is self._owner:
            raise Deferred(request.name)
        raise DeferredCall(f"'{request.name}' goes into the next batch", "")

    def pending(self) -> list[tuple[str, Request]]:
        """The requests collected so far, by cache key, in a stable order."""
        with self._lock:
            return sorted(self._pending.items())

    def progress(self, inner: Progress | None) -> Progress:
        """`inner`, and at the end of a phase in which a request was deferred, Deferred."""

        def report(phase: str, item: str, done: int, total: int) -> None:
            if inner is not None:
                inner(phase, item, done, total)
            if done >= total and self.pending():
                raise Deferred(phase)

        return report
