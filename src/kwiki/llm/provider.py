"""Turn a Config into a ready LLM: the provider's adapter (imported only when chosen) in the wrapper stack."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from kwiki.config import KEY_VARS, Config, api_key, key_var
from kwiki.errors import ConfigError
from kwiki.llm.base import LLM
from kwiki.project import Paths

if TYPE_CHECKING:
    from kwiki.llm.wrappers import Meter

# OpenAI-compatible local servers (Ollama, llama.cpp, LM Studio, vLLM) ignore the key, but the SDK wants one
LOCAL_SERVER_KEY = "not-needed"


def build_llm(
    config: Config,
    paths: Paths,
    env: Mapping[str, str],
    *,
    meter: Meter,
    debug_sink: Callable[[str], object] | None,
) -> LLM:
    """The configured LLM inside cache, call log, meter and deadline; `debug_sink` only when KWIKI_DEBUG=1."""
    from kwiki.llm import wrappers

    key = api_key(config, env)
    # only model calls are worth caching: extractive is cheaper to rerun, and fake must follow its script
    cached = config.provider in KEY_VARS
    return wrappers.stack(
        _adapter(config, key),
        provider=config.provider,
        cache_dir=paths.cache_dir if cached else None,
        calls_log=paths.calls_log,
        meter=meter,
        deadline=config.deadline,
        debug_sink=debug_sink if env.get("KWIKI_DEBUG") == "1" else None,
        secrets=(key,) if key else (),
    )


def _adapter(config: Config, key: str | None) -> LLM:
    if config.provider == "anthropic":
        key = _require(config, key)
        from kwiki.llm.anthropic_adapter import AnthropicLLM

        return AnthropicLLM(
            config.model,
            key,
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=config.max_retries,
        )
    if config.provider == "openai":
        key = _require(config, key or (LOCAL_SERVER_KEY if config.base_url else None))
        from kwiki.llm.openai_adapter import OpenAILLM

        return OpenAILLM(
            config.model,
            key,
            base_url=config.base_url,
            json_mode=config.json_mode,
            timeout=config.timeout,
            max_retries=config.max_retries,
        )
    if config.provider == "extractive":
        from kwiki.offline import ExtractiveLLM

        return ExtractiveLLM()
    return _fake(config)


def _fake(config: Config) -> LLM:
    from kwiki.llm.fake import FakeLLM

    if config.fake_replies is None:
        raise ConfigError(
            "provider 'fake' needs a folder of scripted replies",
            'set fake_replies = "path/to/replies" in kwiki.toml or KWIKI_FAKE_REPLIES',
        )
    return FakeLLM.from_dir(config.fake_replies, config.model)


def _require(config: Config, key: str | None) -> str:
    if key:
        return key
    var = key_var(config)
    raise ConfigError(
        f"provider '{config.provider}' needs an API key, and {var} is not set",
        f"export {var}=…, or run offline with KWIKI_PROVIDER=extractive"
        + ("" if config.provider == "anthropic" else ", or point base_url at a local server"),
    )
