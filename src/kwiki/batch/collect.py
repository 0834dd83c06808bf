"""The LLM a collecting round runs with: every request the cache cannot answer is noted for the next batch."""

from __future__ import annotations

import threading
from collections.abc import Callable, Set

from kwiki.batch.api import Deferred
from kwiki.llm.base import LLM, Reply, Request


class CollectingLLM:
    """Sits inside the response cache. A miss is recorded under its cache key and stops the run with Deferred;
    a key in `direct_keys` (its batch request failed, or was already batched) is sent directly instead."""

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
        self._lock = threading.Lock()
        self._pending: dict[str, Request] = {}

    @property
    def model(self) -> str:
        return self._direct.model

    def complete(self, request: Request) -> Reply:
        key = self._key_of(request)
        if key in self._direct_keys:
            reply = self._direct.complete(request)
            self._on_direct(reply)
            return reply
        with self._lock:
            self._pending[key] = request
        raise Deferred(f"'{request.name}' goes into the next batch")

    def pending(self) -> list[tuple[str, Request]]:
        """The requests collected so far, by cache key, in a stable order."""
        with self._lock:
            return sorted(self._pending.items())
