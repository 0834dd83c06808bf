"""SDK failures as ProviderErrors whose hint says how to fix them, for both SDK adapters."""

from __future__ import annotations

from dataclasses import dataclass

from kwiki.errors import EndpointRefused, EndpointUnreachable, ProviderError


class TimedOut(ProviderError):
    """The server took the request but gave no answer within `timeout`, after the SDK's retries."""


@dataclass(frozen=True)
class Endpoint:
    """What an error message needs to know about the adapter that failed."""

    provider: str
    model: str
    url: str
    key_variable: str
    max_retries: int
    timeout: float


def status_error(endpoint: Endpoint, status: int, message: str) -> ProviderError:
    """A non-2xx answer the SDK gave up on."""
    where = f"{endpoint.provider} ({endpoint.url})"
    if status == 401:  # the key, for every call alike: the run stops
        return EndpointRefused(f"{where} refused the API key: {message}", f"check {endpoint.key_variable}")
    if status == 403:  # may be this request only (a moderation flag on its text): that source fails, not the run
        return ProviderError(f"{where} refused the request (HTTP 403): {message}", f"check {endpoint.key_variable}")
    if status == 404:
        return EndpointRefused(
            f"model '{endpoint.model}' not found at {endpoint.url}: {message}",
            "set model in kwiki.toml (and check base_url: compatible servers usually end in /v1)",
        )
    if status == 429:
        return ProviderError(
            f"{where} rate limited after {endpoint.max_retries} retries: {message}",
            "lower --concurrency or wait",
        )
    if status >= 500:
        return ProviderError(
            f"{where} server error {status} after {endpoint.max_retries} retries: {message}",
            "the server is failing; try again later",
        )
    return ProviderError(f"{where} rejected the request ({status}): {message}", "KWIKI_DEBUG=1 shows it")


def unreachable(endpoint: Endpoint, reason: str) -> EndpointUnreachable:
    """Refused, DNS, TLS: no source can succeed, so the run stops (exit 2) instead of failing each one."""
    return EndpointUnreachable(
        f"cannot reach {endpoint.url} after {endpoint.max_retries} retries: {reason}",
        f"is the server running / is base_url right? (base_url is {endpoint.url}; `kwiki status` shows where "
        "it was set) — nothing was changed, run again when it answers",
    )


def timed_out(endpoint: Endpoint) -> TimedOut:
    return TimedOut(
        f"{endpoint.provider} ({endpoint.url}) did not answer within {endpoint.timeout:g}s "
        f"after {endpoint.max_retries} retries",
        "raise timeout in kwiki.toml, or use a faster model",
    )


def never_answered(endpoint: Endpoint) -> EndpointUnreachable:
    """The server took the connection but sent nothing, and has answered no call of this run: the run stops."""
    return EndpointUnreachable(
        f"{endpoint.provider} ({endpoint.url}) accepted the connection but sent no answer within "
        f"{endpoint.timeout:g}s, and has not answered once in this run",
        "is the server stuck, or still loading the model? `kwiki status` probes it; for a model slower than that, "
        "raise timeout in kwiki.toml — nothing was changed, run again when it answers",
    )
