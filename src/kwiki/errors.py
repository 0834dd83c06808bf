"""kwiki's error types: each carries a message that says what went wrong and how to fix it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kwiki.llm.base import Usage


class KwikiError(Exception):
    """Base of every error kwiki raises on purpose; the CLI prints it as one line and exits non-zero."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class UsageError(KwikiError):
    """The command line or its arguments are wrong (exit code 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """kwiki.toml or a KWIKI_* variable holds an invalid value."""


class ProviderError(KwikiError):
    """An LLM call failed after the SDK's retries and kwiki's one repair attempt.

    `billed` is what the provider charged for the attempts that did answer (a reply that failed validation,
    a cut reply), so the usage meter and the call log count it; the validation layer sets it on the way out.
    """

    billed: Usage | None = None


class TruncatedReply(ProviderError):
    """The model's reply was cut at the token limit, even after one retry with a larger budget."""


class EndpointUnreachable(ProviderError):
    """The LLM server cannot be reached (refused, DNS, TLS, no answer): the run stops instead of failing every
    source (exit code 2, like a configuration error: base_url or the network is wrong, not a source)."""

    exit_code = 2
    stopped = "the LLM server is unreachable"  # how log.md names the stop


class EndpointRefused(EndpointUnreachable):
    """The server answers but refuses every call: the API key (401) or the model or URL (404). Each source
    would fail the same way, and log.md would fill with one failure per source: the run stops instead."""

    stopped = "the LLM server refused the API key or the model"


class LockedError(KwikiError):
    """Another kwiki process holds the project lock."""


class UnsafePathError(KwikiError):
    """A write would land outside wiki/ or .kwiki/, or through a symlink."""
