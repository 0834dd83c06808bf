"""`kwiki ingest --batch`: the normal ingest, run in rounds whose missing replies come from provider batches.

The response cache is the store of batch results. A round runs the whole ingest with a CollectingLLM inside the
cache: every request the cache cannot answer is noted and stops the round (Deferred) before anything is applied.
The noted requests go out as one batch (custom_id = cache key), recorded in the state, polled with backoff;
each result is validated and written into the cache, and what failed is sent directly in the next round.
Extraction, then page writes, then the overview each take a round; the first round that needs nothing new is
an ordinary ingest answered entirely from the cache, and it applies. Interrupted at any point, the next run
first collects the batches still in flight instead of submitting them again: each batch is recorded as an intent
before its submit goes out, so even a run killed while submitting leaves a record, and the next run asks the
provider for that batch (BatchAPI.find) before sending its requests again.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime

from kwiki.batch.api import BatchAPI, BatchesStillRunning, BatchResult, BatchStatus, Deferred, Intent, Lookup
from kwiki.batch.chunks import later_chunks
from kwiki.batch.collect import CollectingLLM, Progress
from kwiki.batch.store import BatchStore, Recorded, batch_db
from kwiki.errors import LockedError
from kwiki.ingest import IngestOptions, IngestReport, ingest
from kwiki.llm.base import LLM, Reply, Request
from kwiki.llm.validate import parse_json_reply
from kwiki.llm.wrappers import CachedLLM, CallLog, DeadlineLLM, LoggedLLM, Meter, cache_path, store_reply
from kwiki.lock import ProjectLock
from kwiki.project import Paths

# Anthropic takes up to 100,000 requests or 256 MB per batch, OpenAI 50,000 or 200 MB; stay well inside both.
MAX_REQUESTS = 10_000
MAX_CHARS = 50_000_000


@dataclass(frozen=True)
class Polling:
    """How long to wait between polls: `first`, growing by `factor` up to `longest` (seconds); `clock` measures
    the deadline (seconds, monotonic)."""

    first: float = 10.0
    factor: float = 1.5
    longest: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class Waiting:
    """One poll of one batch, for the progress display; `next_poll` is 0 once the batch is done."""

    status: BatchStatus
    next_poll: float


BatchProgress = Callable[[Waiting], None]


@dataclass(frozen=True)
class BatchSummary:
    """The applied ingest, and how its replies came: batches submitted now, resumed from an earlier run."""

    report: IngestReport
    submitted: tuple[str, ...]
    resumed: tuple[str, ...]
    batched: int
    direct: int
    failed: tuple[str, ...] = ()  # why batch requests fell back to direct calls


@dataclass
class _Tally:
    submitted: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    batched: int = 0
    direct: int = 0
    failed: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # every request batched by this run


class BatchRunner:
    """Ingests `paths` through `api`; replies and their usage are counted into `meter` and the call log.

    `deadline` (seconds from the start of `ingest`) bounds the waiting: a batch still running then stays
    recorded, and BatchesStillRunning ends the run; direct calls obey it as in a direct ingest."""

    def __init__(
        self,
        paths: Paths,
        api: BatchAPI,
        provider: str,
        *,
        meter: Meter,
        polling: Polling | None = None,
        on_wait: BatchProgress | None = None,
        deadline: float | None = None,
    ) -> None:
        self._paths = paths
        self._api = api
        self._provider = provider
        self._model = api.direct.model
        self._meter = meter
        self._polling = polling or Polling()
        self._on_wait = on_wait
        self._deadline = deadline
        self._ends = math.inf
        self._direct: LLM = api.direct if deadline is None else DeadlineLLM(api.direct, deadline)
        self._log = CallLog(paths.calls_log)
        self._keys = CachedLLM(api.direct, paths.cache_dir, provider)
        self._tally = _Tally()
        self._lock = threading.Lock()
        self._batch_dir = paths.state_dir / "batch"  # its own lock: one batch run at a time, `kwiki query` free

    def ingest(self, options: IngestOptions, progress: Progress | None = None) -> BatchSummary:
        """The whole batch run; LockedError at once if another batch run of the project is under way."""
        if self._deadline is not None:
            self._ends = self._polling.clock() + self._deadline
        with ProjectLock(self._batch_dir, "ingest --batch"), BatchStore.open(batch_db(self._paths)) as store:
            self._resolve(store)
            for flight in store.in_flight(self._provider, self._model):
                self._collect(store, flight.batch_id)
                self._tally.resumed.append(flight.batch_id)
            while True:
                collector = self._collector(store)
                cached = CachedLLM(collector, self._paths.cache_dir, self._provider)
                try:
                    report = ingest(self._paths, cached, options, collector.progress(progress))
                except Deferred:
                    self._submit(store, collector.pending())
                    continue
                if collector.pending():  # deferred calls that ended as failures instead: the next round redoes them
                    self._submit(store, collector.pending())
                    continue
                store.clear_collected(self._provider, self._model)
                return self._summary(report)

    def collect_finished(self) -> tuple[list[str], list[str]]:
        """For a direct ingest: collect the batches in flight that are done, without waiting for the others.

        Returns (collected, still in flight); the collected results are in the cache for the ingest to use."""
        collected: list[str] = []
        waiting: list[str] = []
        with ExitStack() as stack:
            try:
                stack.enter_context(ProjectLock(self._batch_dir, "ingest"))
            except LockedError:  # a batch run is under way and collects them itself
                return collected, waiting
            store = stack.enter_context(BatchStore.open(batch_db(self._paths)))
            waiting.extend(self._resolve(store, wait=False))
            for flight in store.in_flight(self._provider, self._model):
                if not self._api.status(flight.batch_id).done:
                    waiting.append(flight.batch_id)
                    continue
                self._collect(store, flight.batch_id)
                collected.append(flight.batch_id)
            store.clear_collected(self._provider, self._model)
        return collected, waiting

    def _resolve(self, store: BatchStore, *, wait: bool = True) -> list[str]:
        """Intents left by a run killed while submitting: the batch the provider made for each, or none (then its
        requests go out again in this run's rounds). Undecided ones are looked up again until decided (`wait`,
        within the deadline), or kept for a later run and returned."""
        known = store.known_ids()
        undecided = []
        for intent in store.intents(self._provider, self._model):
            lookup = self._find(intent, known) if wait else self._api.find(intent, known)
            if lookup.undecided:
                undecided.append(intent.token)
            elif lookup.batch_id is None:
                store.drop(intent.token)
            else:
                store.submitted(intent.token, lookup.batch_id)
                known.add(lookup.batch_id)
        return undecided

    def _find(self, intent: Intent, known: set[str]) -> Lookup:
        pauses = self._pauses()
        while (lookup := self._api.find(intent, known)).undecided:
            pause = next(pauses)
            if pause <= 0:
                raise BatchesStillRunning(
                    f"the batch an interrupted run was submitting ({len(intent.custom_ids)} requests) cannot be told"
                    f" apart yet from other batches of that size still running ({self._deadline or 0:g}s deadline)",
                    "the next `kwiki ingest --batch` looks again once they have ended; raise `deadline` to wait longer",
                )
            self._polling.sleep(pause)
        return lookup

    def _collector(self, store: BatchStore) -> CollectingLLM:
        # what already went into a batch of this run and still misses the cache failed there: send it directly
        direct_keys = store.failed(self._provider, self._model) | self._tally.keys
        logged = LoggedLLM(self._direct, self._log)
        return CollectingLLM(logged, self._keys.key, direct_keys, self._count_direct)

    def _count_direct(self, reply: Reply) -> None:
        self._meter.add(reply)
        with self._lock:  # called from the ingest's worker threads
            self._tally.direct += 1

    def _submit(self, store: BatchStore, pending: Sequence[tuple[str, Request]]) -> None:
        extra = later_chunks(self._paths.raw, self._paths.schema, pending, self._keys.key)
        known = {key for key, _ in pending} | self._tally.keys
        pending = [*pending, *(i for i in extra if i[0] not in known and not self._is_cached(i[0]))]
        batch_ids = []
        for part in _parts(pending):
            intent = store.intend(self._provider, self._model, part)  # durable before the submit goes out
            batch_id = self._api.submit(part, intent.token)
            store.submitted(intent.token, batch_id)
            self._tally.keys.update(key for key, _ in part)
            self._tally.submitted.append(batch_id)
            batch_ids.append(batch_id)
        for batch_id in batch_ids:
            self._collect(store, batch_id)

    def _is_cached(self, key: str) -> bool:
        return cache_path(self._paths.cache_dir, key).is_file()

    def _collect(self, store: BatchStore, batch_id: str) -> None:
        """Wait for the batch, then put every usable result in the cache; the rest is marked failed."""
        self._wait(batch_id)
        recorded = store.requests(batch_id)
        failed = set(recorded)
        for result in self._api.results(batch_id):
            spec = recorded.get(result.custom_id)
            reply = _usable(result, spec)
            if spec is None or reply is None:
                self._tally.failed.append(f"{spec.name if spec else 'unknown'}: {result.error or 'invalid reply'}")
                continue
            store_reply(self._paths.cache_dir, result.custom_id, spec.name, self._model, reply)
            self._count_batched(spec.name, reply, batch_id)
            failed.discard(result.custom_id)
        store.collected(batch_id, failed)

    def _wait(self, batch_id: str) -> None:
        pauses = self._pauses()
        while True:
            status = self._api.status(batch_id)
            pause = 0.0 if status.done else next(pauses)
            if self._on_wait is not None:
                self._on_wait(Waiting(status, max(pause, 0.0)))
            if status.done:
                return
            if pause <= 0:
                raise _still_running(status, self._deadline)
            self._polling.sleep(pause)

    def _pauses(self) -> Iterator[float]:
        """Seconds to the next poll, backing off; 0 or less once the deadline has passed."""
        delay = self._polling.first
        while True:
            yield min(delay, self._ends - self._polling.clock())
            delay = min(delay * self._polling.factor, self._polling.longest)

    def _count_batched(self, name: str, reply: Reply, batch_id: str) -> None:
        self._meter.add(reply, batch=True)
        self._tally.batched += 1
        record = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "name": name, "model": self._model}
        cost = self._meter.pricing.cost(reply.usage, batch=True)
        priced = {} if cost is None else {"cost_usd": round(cost, 8)}
        self._log.append({**record, **asdict(reply.usage), **priced, "batch": batch_id})

    def _summary(self, report: IngestReport) -> BatchSummary:
        t = self._tally
        return BatchSummary(report, tuple(t.submitted), tuple(t.resumed), t.batched, t.direct, tuple(t.failed))


def _still_running(status: BatchStatus, deadline: float | None) -> BatchesStillRunning:
    return BatchesStillRunning(
        f"batch {status.batch_id} is still running at the provider ({status.finished} of {status.total} requests"
        f" done) after the {deadline or 0:g}s deadline",
        "it stays recorded: the next `kwiki ingest --batch` collects it without resubmitting (a plain `kwiki"
        " ingest` uses it once it has finished); raise `deadline` in kwiki.toml to wait longer",
    )


def _usable(result: BatchResult, spec: Recorded | None) -> Reply | None:
    """The reply, parsed and checked against the request's schema; None when there is none or it is invalid."""
    if result.reply is None or spec is None or spec.schema is None:
        return result.reply if spec is not None else None
    try:
        return replace(result.reply, data=parse_json_reply(result.reply.text, spec.schema))
    except ValueError:
        return None  # sent again directly, where the adapter gives the model one chance to repair it


def _parts(pending: Sequence[tuple[str, Request]]) -> Iterator[list[tuple[str, Request]]]:
    part: list[tuple[str, Request]] = []
    chars = 0
    for item in pending:
        size = len(item[1].system) + len(item[1].user)
        if part and (len(part) >= MAX_REQUESTS or chars + size > MAX_CHARS):
            yield part
            part, chars = [], 0
        part.append(item)
        chars += size
    if part:
        yield part
