"""The configured provider's batch API, built from the same settings as its direct adapter."""

from __future__ import annotations

from collections.abc import Mapping

from kwiki.batch.api import BatchAPI
from kwiki.config import Config, api_key, key_var
from kwiki.errors import ConfigError
from kwiki.llm.provider import LOCAL_SERVER_KEY


def batch_api(config: Config, env: Mapping[str, str]) -> BatchAPI:
    """Anthropic Message Batches or the OpenAI Batch API; other providers have no batch API."""
    if config.provider == "anthropic":
        from kwiki.llm.anthropic_adapter import AnthropicBatches, AnthropicLLM

        direct = AnthropicLLM(
            config.model,
            _key(config, env),
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=config.max_retries,
        )
        return AnthropicBatches(direct)
    if config.provider == "openai":
        from kwiki.llm.openai_adapter import OpenAIBatches, OpenAILLM

        return OpenAIBatches(
            OpenAILLM(
                config.model,
                _key(config, env),
                base_url=config.base_url,
                json_mode=config.json_mode,
                timeout=config.timeout,
                max_retries=config.max_retries,
            )
        )
    raise ConfigError(
        f"provider '{config.provider}' has no batch API",
        "batch mode needs provider anthropic or openai; drop --batch (or batch = true in kwiki.toml)",
    )


def _key(config: Config, env: Mapping[str, str]) -> str:
    key = api_key(config, env) or (LOCAL_SERVER_KEY if config.provider == "openai" and config.base_url else None)
    if key:
        return key
    var = key_var(config)
    raise ConfigError(f"batch mode needs an API key, and {var} is not set", f"export {var}=…")
