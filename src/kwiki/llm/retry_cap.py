"""Bound the waits the SDKs would otherwise leave open: a server's `retry-after: 3600`, a connect that hangs."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import httpx2

T = TypeVar("T")
Retried = tuple[type[Exception], ...]  # the errors an SDK retries by itself (connection, 429, 5xx)
Silent = Callable[[], Exception]


def cap_retry_after(client: httpx2.Client, seconds: float) -> httpx2.Client:
    """Add a response hook to `client` that clamps retry-after / retry-after-ms to `seconds`.

    Both SDKs read `retry-after-ms` before `retry-after`, so writing the clamped value there is enough;
    the SDKs keep doing the retrying themselves.
    """

    def clamp(response: httpx2.Response) -> None:
        wait = server_wait(response.headers)
        if wait is not None and wait > seconds:
            response.headers["retry-after-ms"] = f"{seconds * 1000:.3f}"

    hooks = client.event_hooks
    client.event_hooks = {**hooks, "response": [*hooks.get("response", []), clamp]}
    return client


def server_wait(headers: httpx2.Headers) -> float | None:
    """Seconds the server asked to wait, read the way the SDKs read it (ms, then seconds, then a date)."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / divisor
        except ValueError:
            continue
    date = email.utils.parsedate_tz(headers.get("retry-after", ""))
    return None if date is None else float(email.utils.mktime_tz(date) - time.time())


CONNECT_SECONDS = 10.0  # a server that is up accepts a connection at once; an address that drops packets never


def connect_timeout(seconds: float) -> httpx2.Timeout:
    """`seconds` for the whole answer (a model may write for minutes), at most CONNECT_SECONDS to connect."""
    return httpx2.Timeout(seconds, connect=min(seconds, CONNECT_SECONDS))


class FirstAnswer:
    """Whether the server has sent any HTTP response in this run. Until it has, a timeout is final.

    A server that accepts connections but never answers would otherwise cost (1 + max_retries) timeouts per call,
    and three silent calls before the run stops (minutes at the default timeout). So the first attempt goes out
    without the SDK's retries: a timeout with no answer yet raises `silent()`; an error the SDK would retry
    (connection, 429, 5xx) is retried as usual, with the retries that are left, after the server's retry-after.
    """

    def __init__(self, client: httpx2.Client, max_retries: int, max_wait: float) -> None:
        self._seen = threading.Event()
        self._retries, self._max_wait = max_retries, max_wait
        hooks = client.event_hooks
        client.event_hooks = {**hooks, "response": [*hooks.get("response", []), lambda _: self._seen.set()]}

    def send(self, attempt: Callable[[int | None], T], timeout: type[Exception], retried: Retried, silent: Silent) -> T:
        """`attempt(n)` sends with n SDK retries (None: the client's own); `silent()` is raised on no answer."""
        if self._seen.is_set():
            return attempt(None)
        try:
            return attempt(0)
        except timeout:
            if not self._seen.is_set():
                raise silent() from None
            if not self._retries:
                raise
        except retried as err:
            if not self._retries:
                raise
            time.sleep(self._wait(err))
        return attempt(self._retries - 1)

    def _wait(self, err: Exception) -> float:
        response = getattr(err, "response", None)  # the SDKs' status errors carry the httpx response
        wait = server_wait(response.headers) if isinstance(response, httpx2.Response) else None
        return max(0.0, min(self._max_wait, FIRST_RETRY_SECONDS if wait is None else wait))


FIRST_RETRY_SECONDS = 0.5  # the SDKs' own first backoff
