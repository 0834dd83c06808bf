"""Bound the waits the SDKs would otherwise leave open: a server's `retry-after: 3600`, a connect that hangs."""

from __future__ import annotations

import email.utils
import time

import httpx2


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
