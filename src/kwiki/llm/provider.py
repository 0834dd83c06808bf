"""The provider table — every fact about a provider in one row — and build_llm, which turns a Config into a
ready LLM: the provider's adapter (its SDK imported only when the first call is made) in the wrapper stack.

Adding a provider is one PROVIDERS row plus its adapter file (CONTRIBUTING.md, "Adding a provider").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kwiki.errors import ConfigError
from kwiki.llm.base import LLM, Reply, Request
from kwiki.project import Paths

if TYPE_CHECKING:
    from kwiki.config import Config
    from kwiki.llm.wrappers import Meter

# OpenAI-compatible local servers (Ollama, llama.cpp, LM Studio, vLLM) ignore the key, but the SDK wants one
LOCAL_SERVER_KEY = "not-needed"
Notice = Callable[[str], object]
Factory = Callable[["Config", str, Notice], LLM]  # (settings, API key or "", where notices go) → the adapter


@dataclass(frozen=True)
class ProviderSpec:
    """One provider: how it is configured, whether its replies are worth caching, how its adapter is built."""

    name: str
    default_model: str
    factory: Factory
    key_var: str | None = None  # the environment variable that holds its API key; None: needs no key
    base_url_var: str | None = None  # the SDK's own base-URL variable, read after KWIKI_BASE_URL
    keyless_with_base_url: bool = False  # a base_url means a local server, which needs no key
    cacheable: bool = True  # replies cost money or time: answer repeats from .kwiki/cache/
    offline: bool = False  # runs no model: no network, no key, no cost

    def needs_key(self, base_url: str | None) -> bool:
        return self.key_var is not None and not (self.keyless_with_base_url and base_url)


def _anthropic(config: Config, key: str, notice: Notice) -> LLM:
    from kwiki.llm.anthropic_adapter import AnthropicLLM

    return AnthropicLLM(
        config.model,
        key,
        base_url=config.base_url,
        timeout=config.timeout,
        max_retries=config.max_retries,
        key_variable=key_var(config) or "",
    )


def _openai(config: Config, key: str, notice: Notice) -> LLM:
    from kwiki.llm.openai_adapter import OpenAILLM

    return OpenAILLM(
        config.model,
        key or LOCAL_SERVER_KEY,
        base_url=config.base_url,
        json_mode=config.json_mode,
        timeout=config.timeout,
        max_retries=config.max_retries,
        key_variable=key_var(config) or "",
        on_notice=notice,
    )


def _extractive(config: Config, key: str, notice: Notice) -> LLM:
    from kwiki.offline import ExtractiveLLM

    return ExtractiveLLM()


def _fake(config: Config, key: str, notice: Notice) -> LLM:
    from kwiki.llm.fake import FakeLLM

    if config.fake_replies is None:
        raise ConfigError(
            "provider 'fake' needs a folder of scripted replies",
            'set fake_replies = "path/to/replies" in kwiki.toml or KWIKI_FAKE_REPLIES',
        )
    return FakeLLM.from_dir(config.fake_replies, config.model)


_ROWS = (
    ProviderSpec("anthropic", "claude-sonnet-5-5", _anthropic, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
    ProviderSpec("openai", "gpt-6.1-terra", _openai, "OPENAI_API_KEY", "OPENAI_BASE_URL", keyless_with_base_url=True),
    # extractive is cheaper to rerun than to cache; fake must follow its script
    ProviderSpec("extractive", "extractive", _extractive, cacheable=False, offline=True),
    ProviderSpec("fake", "fake", _fake, cacheable=False, offline=True),
)
PROVIDERS: Mapping[str, ProviderSpec] = {row.name: row for row in _ROWS}


def key_var(config: Config) -> str | None:
    """The environment variable that holds the API key in effect (None for providers that need none)."""
    spec = PROVIDERS[config.provider]
    return None if spec.key_var is None else config.api_key_env or spec.key_var


def api_key(config: Config, env: Mapping[str, str]) -> str | None:
    var = key_var(config)
    return (env.get(var) or None) if var else None


def build_llm(
    config: Config,
    paths: Paths,
    env: Mapping[str, str],
    *,
    meter: Meter,
    debug_sink: Callable[[str], object] | None,
    planning: bool = False,
) -> LLM:
    """The configured LLM inside cache, call log, meter and deadline; `debug_sink` only when KWIKI_DEBUG=1.

    A missing key fails here, before any work, except when `planning` (`ingest --plan` makes no call: its cost is
    worth seeing before one has a key); the adapter (and its SDK) is built on the first call.
    """
    from kwiki.llm import prices, wrappers

    spec = PROVIDERS[config.provider]
    key = (api_key(config, env) or "") if planning else _require(config, spec, api_key(config, env))
    # offline providers are built now, so their configuration errors stop the command before any work
    inner = (
        spec.factory(config, key, meter.note)
        if spec.offline
        else LazyLLM(lambda: spec.factory(config, key, meter.note), config.model)
    )
    return wrappers.stack(
        inner,
        provider=config.provider,
        cache_dir=paths.cache_dir if spec.cacheable else None,
        calls_log=paths.calls_log,
        meter=meter,
        deadline=config.deadline,
        debug_sink=debug_sink if env.get("KWIKI_DEBUG") == "1" else None,
        secrets=(key,) if key else (),
        pricing=prices.pricing(config.model, offline=spec.offline, override=config.price),
    )


class LazyLLM:
    """Builds its LLM on the first call, so a run with nothing to do never imports an SDK."""

    def __init__(self, build: Callable[[], LLM], model: str) -> None:
        self._build = build
        self._model = model
        self._llm: LLM | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self._model

    def complete(self, request: Request) -> Reply:
        with self._lock:
            if self._llm is None:
                self._llm = self._build()
        return self._llm.complete(request)


def _require(config: Config, spec: ProviderSpec, key: str | None) -> str:
    if key or not spec.needs_key(config.base_url):
        return key or ""
    var = key_var(config)
    local = ", or point base_url at a local server" if spec.keyless_with_base_url else ""
    raise ConfigError(
        f"provider '{config.provider}' needs an API key, and {var} is not set",
        f"export {var}=…, or run offline with KWIKI_PROVIDER=extractive{local}",
    )
