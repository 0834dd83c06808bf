"""The retry-after cap: server waits read as the SDKs read them, and clamped on the way in."""

from __future__ import annotations

import email.utils
import time

import httpx2
import pytest

from kwiki.llm.retry_cap import cap_retry_after, server_wait


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "20"}, 20.0),
        ({"retry-after-ms": "250", "retry-after": "20"}, 0.25),
        ({}, None),
        ({"retry-after": "soon"}, None),
    ],
)
def test_server_wait_reads_ms_then_seconds(headers: dict[str, str], expected: float | None) -> None:
    assert server_wait(httpx2.Headers(headers)) == expected


def test_server_wait_reads_an_http_date() -> None:
    later = email.utils.formatdate(time.time() + 600, usegmt=True)
    wait = server_wait(httpx2.Headers({"retry-after": later}))
    assert wait is not None and 590 < wait <= 601


def clamped(headers: dict[str, str], cap: float) -> httpx2.Headers:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(429, headers=headers))
    with cap_retry_after(httpx2.Client(transport=transport), cap) as client:
        return client.get("http://llm.test/").headers


def test_long_waits_are_clamped_and_short_ones_kept() -> None:
    assert server_wait(clamped({"retry-after": "3600"}, 30)) == 30
    assert server_wait(clamped({"retry-after-ms": "500"}, 30)) == 0.5
    assert "retry-after-ms" not in clamped({}, 30)
