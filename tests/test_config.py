"""Config: precedence flag > KWIKI_* > kwiki.toml > default, provider auto-detection, keys, invalid values."""

from __future__ import annotations

from pathlib import Path

import pytest

from kwiki.config import KEYS, Config, env_var, load_config
from kwiki.errors import ConfigError
from kwiki.llm.provider import api_key, key_var


def project(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "kwiki.toml").write_text(toml, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("flag", "env", "toml", "expected", "origin"),
    [
        ("sonnet-flag", "sonnet-env", "sonnet-toml", "sonnet-flag", "flag"),
        (None, "sonnet-env", "sonnet-toml", "sonnet-env", "env KWIKI_MODEL"),
        (None, None, "sonnet-toml", "sonnet-toml", "kwiki.toml"),
        (None, None, None, "claude-sonnet-5-5", "default"),
        ("sonnet-flag", None, "sonnet-toml", "sonnet-flag", "flag"),
    ],
)
def test_model_precedence_flag_then_env_then_toml_then_default(
    tmp_path: Path, flag: str | None, env: str | None, toml: str | None, expected: str, origin: str
) -> None:
    root = project(tmp_path, 'provider = "anthropic"\n' + (f'model = "{toml}"\n' if toml else ""))
    config = load_config(root, {"model": flag}, {"KWIKI_MODEL": env} if env else {})
    assert (config.model, config.origins["model"]) == (expected, origin)


@pytest.mark.parametrize(
    ("env", "toml", "expected", "origin"),
    [
        ({"KWIKI_CONCURRENCY": "8"}, "concurrency = 2\n", 8, "env KWIKI_CONCURRENCY"),
        ({}, "concurrency = 2\n", 2, "kwiki.toml"),
        ({}, "", 4, "default"),
        ({"KWIKI_CONCURRENCY": ""}, "concurrency = 2\n", 2, "kwiki.toml"),  # empty variable = unset
    ],
)
def test_numbers_come_from_env_text_or_toml(
    tmp_path: Path, env: dict[str, str], toml: str, expected: int, origin: str
) -> None:
    config = load_config(project(tmp_path, toml), {}, env)
    assert (config.concurrency, config.origins["concurrency"]) == (expected, origin)


def test_defaults_without_any_project() -> None:
    config = load_config(None, {}, {})
    assert (config.json_mode, config.concurrency, config.max_source_mb) == ("json_schema", 4, 5.0)
    assert (config.timeout, config.max_retries, config.deadline, config.base_url) == (120.0, 2, 3600.0, None)
    assert set(config.origins) == set(KEYS)


def test_toml_integers_are_accepted_for_float_keys(tmp_path: Path) -> None:
    config = load_config(project(tmp_path, "timeout = 30\nmax_source_mb = 0.5\n"), {}, {})
    assert config.timeout == 30.0 and isinstance(config.timeout, float)
    assert config.max_source_mb == 0.5


@pytest.mark.parametrize(
    ("env", "provider", "origin"),
    [
        ({"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o"}, "anthropic", "auto: ANTHROPIC_API_KEY is set"),
        ({"OPENAI_API_KEY": "o"}, "openai", "auto: OPENAI_API_KEY is set"),
        ({}, "extractive", "auto: no API key set"),
        ({"ANTHROPIC_API_KEY": ""}, "extractive", "auto: no API key set"),
    ],
)
def test_provider_is_picked_from_the_keys_that_are_set(env: dict[str, str], provider: str, origin: str) -> None:
    config = load_config(None, {}, env)
    assert (config.provider, config.origins["provider"]) == (provider, origin)
    assert config.notice is not None and f"using provider '{provider}'" in config.notice


def test_a_base_url_without_a_key_picks_the_openai_compatible_provider(tmp_path: Path) -> None:
    """Pointing kwiki at one's own server (Ollama, llama.cpp) gave offline pages, the base_url silently ignored."""
    url = "http://127.0.0.1:11434/v1"
    for config in (
        load_config(None, {"base_url": url}, {}),
        load_config(None, {}, {"KWIKI_BASE_URL": url}),
        load_config(project(tmp_path, f'base_url = "{url}"\n'), {}, {}),
    ):
        assert config.provider == "openai" and config.base_url == url
        assert config.origins["provider"].startswith("auto: base_url is set")
        assert config.notice is not None and "base_url is set, no API key" in config.notice
    assert load_config(None, {"base_url": url}, {"ANTHROPIC_API_KEY": "a"}).provider == "anthropic"
    assert load_config(None, {"base_url": "http://192.168.1.20:8000/v1"}, {}).provider == "openai"
    # a remote one (a company's proxy for another provider) is not guessed at: offline, as before
    assert load_config(None, {"base_url": "https://llm-proxy.example.com/v1"}, {}).provider == "extractive"


def test_extractive_notice_says_why_and_how_to_change() -> None:
    assert load_config(None, {}, {}).notice == (
        "using provider 'extractive' (no ANTHROPIC_API_KEY or OPENAI_API_KEY set); "
        "set provider in kwiki.toml or KWIKI_PROVIDER to change"
    )


def test_configured_provider_has_no_notice(tmp_path: Path) -> None:
    config = load_config(project(tmp_path, 'provider = "openai"\n'), {}, {"ANTHROPIC_API_KEY": "a"})
    assert (config.provider, config.model, config.notice) == ("openai", "gpt-6.1-terra", None)
    assert config.origins["provider"] == "kwiki.toml"


def test_default_model_follows_the_provider() -> None:
    for provider, model in [("anthropic", "claude-sonnet-5-5"), ("openai", "gpt-6.1-terra"), ("fake", "fake")]:
        assert load_config(None, {"provider": provider}, {}).model == model


def test_extractive_ignores_a_model_configured_for_another_provider(tmp_path: Path) -> None:
    root = project(tmp_path, 'provider = "anthropic"\nmodel = "claude-opus-4-1"\n')
    config = load_config(root, {}, {"KWIKI_PROVIDER": "extractive"})
    assert (config.provider, config.model) == ("extractive", "extractive")


TOML_URL = 'base_url = "http://toml/v1"\n'


@pytest.mark.parametrize(
    ("flags", "env", "toml", "expected", "origin"),
    [
        ({"base_url": "http://flag/v1"}, {"KWIKI_BASE_URL": "http://env/v1"}, "", "http://flag/v1", "flag"),
        ({}, {"KWIKI_BASE_URL": "http://env/v1"}, TOML_URL, "http://env/v1", "env KWIKI_BASE_URL"),
        ({}, {"OPENAI_BASE_URL": "http://sdk/v1"}, TOML_URL, "http://toml/v1", "kwiki.toml"),
        ({}, {"OPENAI_BASE_URL": "http://sdk/v1"}, "", "http://sdk/v1", "env OPENAI_BASE_URL"),
        ({}, {"ANTHROPIC_BASE_URL": "http://other/v1"}, "", None, "default"),
    ],
)
def test_base_url_precedence_ends_with_the_sdk_variable_of_the_provider(
    tmp_path: Path, flags: dict[str, object], env: dict[str, str], toml: str, expected: str | None, origin: str
) -> None:
    root = project(tmp_path, 'provider = "openai"\n' + toml)
    config = load_config(root, flags, env)
    assert (config.base_url, config.origins["base_url"]) == (expected, origin)


def test_relative_fake_replies_resolve_against_the_project(tmp_path: Path) -> None:
    config = load_config(project(tmp_path, 'provider = "fake"\nfake_replies = "replies"\n'), {}, {})
    assert config.fake_replies == tmp_path / "replies"


def test_api_key_is_read_from_the_provider_variable_or_api_key_env(tmp_path: Path) -> None:
    env = {"ANTHROPIC_API_KEY": "sk-ant", "GROQ_API_KEY": "gsk"}
    assert api_key(load_config(None, {"provider": "anthropic"}, env), env) == "sk-ant"
    named = load_config(project(tmp_path, 'provider = "openai"\napi_key_env = "GROQ_API_KEY"\n'), {}, env)
    assert (key_var(named), api_key(named, env)) == ("GROQ_API_KEY", "gsk")
    assert api_key(load_config(None, {"provider": "openai"}, env), env) is None
    assert key_var(load_config(None, {"provider": "extractive"}, env)) is None


def test_every_key_has_a_kwiki_env_variable() -> None:
    env = {env_var(name): "1" for name in ("concurrency", "max_retries", "timeout", "deadline", "max_source_mb")}
    config = load_config(None, {}, env)
    assert (config.concurrency, config.max_retries, config.timeout) == (1, 1, 1.0)
    assert env_var("api_key_env") == "KWIKI_API_KEY_ENV"


def errors_of(tmp_path: Path, toml: str, env: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(project(tmp_path, toml), {}, env or {})
    return caught.value


def test_unknown_key_names_file_key_and_the_likely_fix(tmp_path: Path) -> None:
    error = errors_of(tmp_path, "concurency = 3\n")
    assert str(tmp_path / "kwiki.toml") in error.message and "'concurency'" in error.message
    assert "did you mean 'concurrency'?" in error.hint


def test_a_table_is_refused_because_keys_are_top_level(tmp_path: Path) -> None:
    error = errors_of(tmp_path, '[kwiki]\nmodel = "x"\n')
    assert "unknown key 'kwiki'" in error.message and "top-level keys only" in error.hint


@pytest.mark.parametrize("line", ['api_key = "sk-ant-123"', 'anthropic_api_key = "sk"', 'openai_key = "sk"'])
def test_an_api_key_in_the_file_is_refused_with_the_env_fix(tmp_path: Path, line: str) -> None:
    error = errors_of(tmp_path, line + "\n")
    assert "never reads keys" in error.message and "ANTHROPIC_API_KEY" in error.hint
    assert "sk" not in error.message + error.hint  # the key itself is not echoed


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('concurrency = "four"\n', ["concurrency must be a whole number from 1 to 64", "'four'", "concurrency = 4"]),
        ("concurrency = 0\n", ["concurrency must be a whole number from 1 to 64", "got 0"]),
        ("concurrency = true\n", ["concurrency must be a whole number"]),
        ('provider = "claude"\n', ["provider must be one of anthropic, openai, extractive, fake", "'claude'"]),
        ('json_mode = "xml"\n', ["json_mode must be one of json_schema, json_object, tools, prompt"]),
        ('base_url = "localhost:11434"\n', ["base_url must be an http:// or https:// URL"]),
        ("timeout = -1\n", ["timeout must be a number of seconds > 0"]),
        ("max_retries = 1.5\n", ["max_retries must be a whole number ≥ 0"]),
        ('api_key_env = "MY KEY"\n', ["api_key_env must be the name of an environment variable"]),
    ],
)
def test_wrong_values_in_the_file_name_file_key_and_an_example(tmp_path: Path, toml: str, words: list[str]) -> None:
    error = errors_of(tmp_path, toml)
    text = f"{error.message} — {error.hint}"
    assert str(tmp_path / "kwiki.toml") in error.message
    for word in words:
        assert word in text


def test_unparsable_toml_names_the_line(tmp_path: Path) -> None:
    error = errors_of(tmp_path, 'provider = "openai"\nmodel = gpt-5-mini\n')
    assert "is not valid TOML" in error.message and "line 2" in error.message
    assert "strings need quotes" in error.hint


def test_bad_env_value_names_the_variable(tmp_path: Path) -> None:
    error = errors_of(tmp_path, "", {"KWIKI_TIMEOUT": "soon"})
    assert error.message == "KWIKI_TIMEOUT must be a number of seconds > 0, got 'soon'"
    assert error.hint == "set e.g. KWIKI_TIMEOUT=120"


def test_bad_flag_value_names_the_flag() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(None, {"provider": "gemini"}, {})
    assert caught.value.message.startswith("--provider must be one of")
    assert caught.value.hint == "pass e.g. --provider anthropic"


def test_a_bad_value_is_reported_even_when_a_higher_layer_overrides_it(tmp_path: Path) -> None:
    error = errors_of(tmp_path, 'concurrency = "x"\n', {"KWIKI_CONCURRENCY": "3"})
    assert "concurrency must be" in error.message


def test_config_error_is_a_usage_error_with_exit_code_2(tmp_path: Path) -> None:
    assert errors_of(tmp_path, "nope = 1\n").exit_code == 2


def test_config_is_frozen() -> None:
    config: Config = load_config(None, {}, {})
    with pytest.raises(AttributeError):
        config.model = "other"  # type: ignore[misc]


def test_a_price_in_the_environment_is_json_and_the_hint_says_so() -> None:
    """The hint suggested the TOML table, which the variable then rejected."""
    with pytest.raises(ConfigError) as caught:
        load_config(None, {}, {"KWIKI_PRICE": "{ input = 3.0, output = 15.0 }"})
    example = caught.value.hint.removeprefix("set e.g. KWIKI_PRICE=").removesuffix(" (JSON)").strip("'")
    assert load_config(None, {}, {"KWIKI_PRICE": example}).price == {"input": 3.0, "output": 15.0}


def test_concurrency_in_kwiki_toml_has_the_flags_bounds(tmp_path: Path) -> None:
    """`concurrency = 1000` was accepted from kwiki.toml while `-c` stops at 64."""
    with pytest.raises(ConfigError, match="from 1 to 64"):
        load_config(project(tmp_path, "concurrency = 1000\n"), {}, {})
    assert load_config(project(tmp_path, "concurrency = 64\n"), {}, {}).concurrency == 64
