"""Wrappers around any LLM: response cache, usage meter, call log, debug dump, deadline. All thread-safe."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kwiki import vault
from kwiki.errors import EndpointUnreachable, ProviderError
from kwiki.llm import prices
from kwiki.llm.base import LLM, Reply, Request, Usage
from kwiki.llm.provider_errors import TimedOut


class Meter:
    """Running totals of the calls that passed through a MeteredLLM, failed ones and their billed tokens too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.failed = 0
        self.cache_hits = 0
        self.usage = Usage()
        self.cost = 0.0  # dollars, priced call by call with `pricing` (which `stack` sets)
        self.pricing = prices.OFFLINE
        self.notices: list[str] = []  # lines for the user (e.g. a json_mode fallback); the CLI prints them

    def note(self, notice: str) -> None:
        with self._lock:
            self.notices.append(notice)

    def add(self, reply: Reply, *, batch: bool = False) -> None:
        """Count one reply; `batch`: it came through a batch API, billed at the batch share of the price."""
        with self._lock:
            self.calls += 1
            self.cache_hits += int(reply.cache_hit)
            self._count(reply.usage, batch=batch)

    def add_failure(self, billed: Usage | None) -> None:
        with self._lock:
            self.calls += 1
            self.failed += 1
            self._count(billed or Usage())

    def _count(self, usage: Usage, *, batch: bool = False) -> None:
        self.usage = self.usage + usage
        self.cost += self.pricing.cost(usage, batch=batch) or 0.0

    def snapshot(self) -> dict[str, Any]:
        """Calls, tokens, `cost_usd` (None with `cost_note` saying why when unpriced) and `notices`."""
        with self._lock:
            counts = {"calls": self.calls, "failed": self.failed, "cache_hits": self.cache_hits, **asdict(self.usage)}
            priced = self.pricing.price is not None
            cost = {"cost_usd": round(self.cost, 8) if priced else None, "cost_note": self.pricing.unpriced}
            return {**counts, **cost, "notices": list(self.notices)}


class MeteredLLM:
    """Counts every reply into a Meter; cache hits count as hits with no tokens."""

    def __init__(self, inner: LLM, meter: Meter) -> None:
        self._inner = inner
        self._meter = meter

    @property
    def model(self) -> str:
        return self._inner.model

    def complete(self, request: Request) -> Reply:
        try:
            reply = self._inner.complete(request)
        except ProviderError as err:
            self._meter.add_failure(err.billed)
            raise
        self._meter.add(reply)
        return reply


class CachedLLM:
    """Content-addressed replies: the same request to the same model is answered from disk."""

    def __init__(self, inner: LLM, cache_dir: Path, provider: str) -> None:
        self._inner = inner
        self._cache_dir = cache_dir
        self._provider = provider

    @property
    def model(self) -> str:
        return self._inner.model

    def key(self, request: Request) -> str:
        parts = [self._provider, self.model, request.name, request.system, request.user, request.schema]
        material = json.dumps([*parts, request.max_tokens], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def complete(self, request: Request) -> Reply:
        key = self.key(request)
        cached = _read_cached(cache_path(self._cache_dir, key))
        if cached is not None:
            return cached
        reply = self._inner.complete(request)
        store_reply(self._cache_dir, key, request.name, self.model, reply)
        return reply


def cache_path(cache_dir: Path, key: str) -> Path:
    """Where the reply for a cache key (CachedLLM.key) is stored."""
    return cache_dir / key[:2] / f"{key}.json"


def store_reply(cache_dir: Path, key: str, name: str, model: str, reply: Reply) -> None:
    """Write one reply under its cache key; batch mode stores batch results this way."""
    entry = {"name": name, "model": model, "text": reply.text, "data": reply.data, "usage": asdict(reply.usage)}
    rel_path = cache_path(cache_dir, key).relative_to(cache_dir).as_posix()
    vault.write_text(cache_dir, rel_path, json.dumps(entry, ensure_ascii=False))


def _read_cached(path: Path) -> Reply | None:
    """The stored reply as a hit costing nothing now; a missing or damaged entry is simply a miss."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
        return None
    return Reply(text=entry["text"], data=entry.get("data"), usage=Usage(), cache_hit=True)


class CallLog:
    """Appends one JSON line per call to a file (append-only, so not routed through vault.write_text)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)


class LoggedLLM:
    """Writes every call, failed ones too, to a CallLog with its tokens, cost (when priced) and duration."""

    def __init__(self, inner: LLM, log: CallLog, pricing: prices.Pricing = prices.OFFLINE) -> None:
        self._inner = inner
        self._log = log
        self._pricing = pricing

    @property
    def model(self) -> str:
        return self._inner.model

    def complete(self, request: Request) -> Reply:
        started = time.monotonic()
        record: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "name": request.name,
            "model": self.model,
        }
        try:
            reply = self._inner.complete(request)
        except ProviderError as err:
            billed = self._usage(err.billed or Usage())
            self._log.append({**record, **billed, "duration_ms": _ms_since(started), "error": str(err)})
            raise
        usage = self._usage(reply.usage)
        self._log.append({**record, **usage, "duration_ms": _ms_since(started), "cache_hit": reply.cache_hit})
        return reply

    def _usage(self, usage: Usage) -> dict[str, Any]:
        cost = self._pricing.cost(usage)
        return asdict(usage) | ({} if cost is None else {"cost_usd": round(cost, 8)})


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


class DebugLLM:
    """KWIKI_DEBUG=1: every request and reply in full to a sink (e.g. sys.stderr.write), secrets redacted."""

    def __init__(self, inner: LLM, sink: Callable[[str], object], secrets: Sequence[str]) -> None:
        self._inner = inner
        self._sink = sink
        self._secrets = [secret for secret in secrets if secret]
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self._inner.model

    def complete(self, request: Request) -> Reply:
        self._dump("request", {"model": self.model, **asdict(request)})
        try:
            reply = self._inner.complete(request)
        except ProviderError as err:
            self._dump("error", {"name": request.name, "error": str(err)})
            raise
        self._dump("reply", {"name": request.name, **asdict(reply)})
        return reply

    def _dump(self, kind: str, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
        for secret in self._secrets:
            text = text.replace(secret, "[REDACTED]")
        with self._lock:
            self._sink(f"--- kwiki {kind} ---\n{text}\n")


class DeadlineLLM:
    """One overall deadline for a command: once it has passed, every further call fails fast."""

    def __init__(self, inner: LLM, seconds: float) -> None:
        self._inner = inner
        self._seconds = seconds
        self._ends = time.monotonic() + seconds

    @property
    def model(self) -> str:
        return self._inner.model

    def complete(self, request: Request) -> Reply:
        if time.monotonic() >= self._ends:
            raise ProviderError(
                f"the {self._seconds:g}s deadline for LLM calls has passed; '{request.name}' was not sent",
                "raise `deadline` in kwiki.toml; unfinished sources stay pending for the next run",
            )
        return self._inner.complete(request)


class ReachableLLM:
    """Stops calling a server that cannot be reached: once it was unreachable (after the SDK's retries), or has
    let `max_silent` calls in a row time out, every further call fails at once with EndpointUnreachable."""

    def __init__(self, inner: LLM, max_silent: int = 3) -> None:
        self._inner = inner
        self._max_silent = max_silent
        self._silent = 0
        self._down: EndpointUnreachable | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self._inner.model

    def complete(self, request: Request) -> Reply:
        if self._down is not None:
            raise EndpointUnreachable(self._down.message, self._down.hint)
        try:
            reply = self._inner.complete(request)
        except EndpointUnreachable as err:
            self._down = err
            raise
        except TimedOut as err:
            self._timed_out(err)
            raise
        with self._lock:
            self._silent = 0
        return reply

    def _timed_out(self, err: TimedOut) -> None:
        with self._lock:
            self._silent += 1
            if self._silent >= self._max_silent and self._down is None:
                self._down = EndpointUnreachable(
                    f"{err.message}, {self._silent} calls in a row: the server accepts but does not answer",
                    "check that it is not stuck or overloaded; nothing was changed, run again when it answers",
                )
        if self._down is not None:
            raise self._down from err


def stack(
    inner: LLM,
    *,
    provider: str,
    cache_dir: Path | None,
    calls_log: Path | None,
    meter: Meter,
    deadline: float | None,
    debug_sink: Callable[[str], object] | None,
    secrets: Sequence[str],
    pricing: prices.Pricing = prices.OFFLINE,
) -> LLM:
    """Debug(Deadline(Logged(Metered(Cached(Reachable(inner)))))): the meter and log see cache hits as hits."""
    llm: LLM = ReachableLLM(inner)
    if cache_dir is not None:
        llm = CachedLLM(llm, cache_dir, provider)
    meter.pricing = pricing
    llm = MeteredLLM(llm, meter)
    if calls_log is not None:
        llm = LoggedLLM(llm, CallLog(calls_log), pricing)
    if deadline is not None:
        llm = DeadlineLLM(llm, deadline)
    if debug_sink is not None:
        llm = DebugLLM(llm, debug_sink, secrets)
    return llm
