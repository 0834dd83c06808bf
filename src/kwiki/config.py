"""Settings: flags, KWIKI_* variables and kwiki.toml merged into one Config that knows where each came from.

kwiki.toml holds top-level keys only (no tables). Precedence: flag > KWIKI_<KEY> > kwiki.toml > default.
API keys are read from the environment only, never from kwiki.toml.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from kwiki.errors import ConfigError
from kwiki.llm.base import JSON_MODES, JsonMode
from kwiki.llm.prices import LONG_PROMPT_FIELDS, PRICE_FIELDS
from kwiki.llm.provider import PROVIDERS
from kwiki.project import CONFIG_NAME

# the names of kwiki.llm.provider.PROVIDERS, spelled out for the type checker (a test keeps the two equal)
Provider = Literal["anthropic", "openai", "extractive", "fake"]
KEY_VARS: Mapping[str, str] = {s.name: s.key_var for s in PROVIDERS.values() if s.key_var is not None}
CHANGE_PROVIDER = "set provider in kwiki.toml or KWIKI_PROVIDER to change"


@dataclass(frozen=True)
class Config:
    """The settings in effect; `origins` says where each value came from (flag, env, kwiki.toml, default)."""

    provider: Provider
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    json_mode: JsonMode = "json_schema"
    concurrency: int = 4
    max_source_mb: float = 5.0
    timeout: float = 120.0
    max_retries: int = 2
    deadline: float = 3600.0
    fake_replies: Path | None = None
    commit: bool = False  # `kwiki ingest` commits what it changed under wiki/ (gitops.py)
    batch: bool = False  # `kwiki ingest` goes through the provider's batch API (batch/)
    source_images: bool = False  # images a source itself holds stay images; else they become links
    price: Mapping[str, object] | None = None  # dollars per million tokens for the model in effect (prices.toml)
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)
    notice: str | None = None  # one line for stderr when kwiki picked the provider itself


@dataclass(frozen=True)
class _Key:
    """One setting: its Python type, what a valid value looks like, and a valid example (TOML syntax)."""

    kind: type
    expect: str
    example: str
    choices: tuple[str, ...] = ()
    pattern: str = ""
    minimum: float | None = None  # inclusive
    maximum: float | None = None  # inclusive
    positive: bool = False
    text_example: str = ""  # as an environment variable or flag gives it, where that is not the TOML example


KEYS: Mapping[str, _Key] = {
    "provider": _Key(str, f"one of {', '.join(PROVIDERS)}", '"anthropic"', choices=tuple(PROVIDERS)),
    "model": _Key(str, "a model name", '"claude-sonnet-5-5"', pattern=r"\S.*"),
    "base_url": _Key(str, "an http:// or https:// URL", '"http://localhost:11434/v1"', pattern=r"https?://\S+"),
    "api_key_env": _Key(
        str, "the name of an environment variable", '"GROQ_API_KEY"', pattern=r"[A-Za-z_][A-Za-z0-9_]*"
    ),
    "json_mode": _Key(str, f"one of {', '.join(JSON_MODES)}", '"json_schema"', choices=JSON_MODES),
    "concurrency": _Key(int, "a whole number from 1 to 64 (as --concurrency takes)", "4", minimum=1, maximum=64),
    "max_source_mb": _Key(float, "a number > 0", "5", positive=True),
    "timeout": _Key(float, "a number of seconds > 0", "120", positive=True),
    "max_retries": _Key(int, "a whole number ≥ 0", "2", minimum=0),
    "deadline": _Key(float, "a number of seconds > 0", "3600", positive=True),
    "fake_replies": _Key(Path, "a folder path", '"tests/replies"', pattern=r".+"),
    "commit": _Key(bool, "true or false", "true"),
    "batch": _Key(bool, "true or false", "true"),
    "source_images": _Key(bool, "true or false", "true"),
    "price": _Key(
        dict,
        f"a table of dollars per million tokens with input and output (and {', '.join(PRICE_FIELDS[2:])}; "
        "long_prompt is a table of above and the four prices)",
        "{ input = 3.0, output = 15.0 }",
        text_example='\'{"input": 3.0, "output": 15.0}\' (JSON)',
    ),
}


@dataclass(frozen=True)
class _Layer:
    """Values from one place (flags, environment, file), already checked, with the origin of each."""

    values: Mapping[str, object]
    origins: Mapping[str, str]


def env_var(name: str) -> str:
    return f"KWIKI_{name.upper()}"


def load_config(root: Path | None, flags: Mapping[str, object | None], env: Mapping[str, str]) -> Config:
    """Merge the layers; every layer is checked in full, so a bad value is reported even when overridden."""
    layers = (_flag_layer(flags), _env_layer(env), _toml_layer(root))
    values: dict[str, object] = {}
    origins: dict[str, str] = {}
    for name in KEYS:
        for layer in layers:
            if name in layer.values:
                values[name], origins[name] = layer.values[name], layer.origins[name]
                break
    notice = None
    if "provider" not in values:
        own = origins.get("base_url") if _own_server(str(values.get("base_url", ""))) else None
        values["provider"], origins["provider"], notice = _auto_provider(env, own)
    provider = cast(Provider, values["provider"])
    _fill_model(provider, values, origins)
    _fill_base_url(provider, values, origins, env)
    origins = {name: origins.get(name, "default") for name in KEYS}
    # every value was checked against its key's type above, which mypy cannot follow through the dict
    return Config(**values, origins=origins, notice=notice)  # type: ignore[arg-type]


def _own_server(url: str) -> bool:
    """Whether a base_url is a server of one's own (this machine, the local network): one that speaks OpenAI's API
    with no key. A remote one (a company proxy, another provider's API) is not guessed at."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _auto_provider(env: Mapping[str, str], base_url_from: str | None) -> tuple[str, str, str]:
    for provider, var in KEY_VARS.items():
        if env.get(var):
            return provider, f"auto: {var} is set", _notice(provider, f"{var} is set")
    if base_url_from is not None:  # a server of one's own (Ollama, llama.cpp, vLLM): it speaks OpenAI's API
        return "openai", f"auto: base_url is set ({base_url_from})", _notice("openai", "base_url is set, no API key")
    keys = " or ".join(KEY_VARS.values())
    return "extractive", "auto: no API key set", _notice("extractive", f"no {keys} set")


def _notice(provider: str, reason: str) -> str:
    return f"using provider '{provider}' ({reason}); {CHANGE_PROVIDER}"


def _fill_model(provider: Provider, values: dict[str, object], origins: dict[str, str]) -> None:
    # extractive runs no model, so a model configured for another provider would only mislead `status`
    if provider == "extractive" and values.get("model", "extractive") != "extractive":
        values["model"], origins["model"] = "extractive", "provider extractive runs no model"
    elif "model" not in values:
        values["model"], origins["model"] = PROVIDERS[provider].default_model, "default"


def _fill_base_url(
    provider: Provider, values: dict[str, object], origins: dict[str, str], env: Mapping[str, str]
) -> None:
    var = PROVIDERS[provider].base_url_var
    if "base_url" in values or var is None or not env.get(var):
        return
    values["base_url"] = _check("base_url", env[var], var, f"set e.g. {var}=")
    origins["base_url"] = f"env {var}"


def _flag_layer(flags: Mapping[str, object | None]) -> _Layer:
    values: dict[str, object] = {}
    for name, raw in flags.items():
        if name not in KEYS:
            raise ValueError(f"load_config got an unknown flag {name!r}")  # a caller bug, not user input
        if raw is not None:
            flag = "--" + name.replace("_", "-")
            values[name] = _check(name, raw, flag, f"pass e.g. {flag} ")
    return _Layer(values, dict.fromkeys(values, "flag"))


def _env_layer(env: Mapping[str, str]) -> _Layer:
    values: dict[str, object] = {}
    for name in KEYS:
        var = env_var(name)
        if env.get(var):  # an empty variable counts as unset, as in most shells' habits
            values[name] = _check(name, env[var], var, f"set e.g. {var}=")
    return _Layer(values, {name: f"env {env_var(name)}" for name in values})


def _toml_layer(root: Path | None) -> _Layer:
    path = root / CONFIG_NAME if root is not None else None
    if path is None or not path.is_file():
        return _Layer({}, {})
    values: dict[str, object] = {}
    for name, raw in _read_toml(path).items():
        _refuse_unknown(path, name)
        values[name] = _check(name, raw, f"{path}: {name}", f"set e.g. {name} = ", toml=True)
    if isinstance(values.get("fake_replies"), Path):
        values["fake_replies"] = path.parent / cast(Path, values["fake_replies"])
    return _Layer(values, dict.fromkeys(values, CONFIG_NAME))


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        hint = 'fix that line; strings need quotes, e.g. model = "gpt-6.1-terra"'
        raise ConfigError(f"{path} is not valid TOML: {exc}", hint) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", "make it a readable UTF-8 text file") from None


def _refuse_unknown(path: Path, name: str) -> None:
    if name in KEYS:
        return
    if "key" in name.split("_") or "token" in name.split("_"):
        vars_ = " or ".join(KEY_VARS.values())
        raise ConfigError(
            f"{path}: {name} looks like an API key, and kwiki never reads keys from {CONFIG_NAME}",
            f"delete it from {CONFIG_NAME} (rotate it if the file was shared) and set {vars_} in the "
            "environment, or name your own variable with api_key_env",
        )
    close = difflib.get_close_matches(name, KEYS, n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(
        f"{path}: unknown key {name!r}",
        f"{guess}{CONFIG_NAME} takes top-level keys only (no [tables]): {', '.join(KEYS)}",
    )


def _check(name: str, raw: object, subject: str, hint_prefix: str, *, toml: bool = False) -> object:
    """The value converted to its key's type; ConfigError (what is wrong, with a valid example) otherwise."""
    key = KEYS[name]
    example = key.example if toml else (key.text_example or key.example.strip('"'))
    value = raw if toml or not isinstance(raw, str) else _from_text(key, raw)
    if value is None or not _valid(key, value):
        raise ConfigError(f"{subject} must be {key.expect}, got {raw!r}", hint_prefix + example)
    if key.kind is Path:
        return Path(cast(str, value))
    if key.kind is dict:
        return _floats(cast(dict[str, object], value))
    return float(cast(float, value)) if key.kind is float else value


def _from_text(key: _Key, text: str) -> object:
    """Environment variables and flags arrive as text; numbers are parsed, a table is JSON, the rest stays text."""
    if key.kind is bool:
        return {"true": True, "1": True, "false": False, "0": False}.get(text.strip().lower())
    try:
        if key.kind is dict:
            return json.loads(text)
        return int(text) if key.kind is int else float(text) if key.kind is float else text.strip()
    except ValueError:
        return None


def _valid(key: _Key, value: object) -> bool:
    if isinstance(value, bool) or key.kind is bool:
        return isinstance(value, bool) and key.kind is bool
    if key.kind is dict:
        return isinstance(value, dict) and _price_ok(value)
    if key.kind is Path:
        return isinstance(value, str | Path) and _text_ok(key, str(value))
    if key.kind is str:
        return isinstance(value, str) and _text_ok(key, value)
    if not isinstance(value, int if key.kind is int else int | float):
        return False
    number = cast(float, value)
    within = (key.minimum is None or number >= key.minimum) and (key.maximum is None or number <= key.maximum)
    return within and (not key.positive or number > 0)


def _price_ok(table: dict[str, object]) -> bool:
    """input and output present, nothing unknown, every price a number ≥ 0; long_prompt a table like it, with above."""
    rates = {name: value for name, value in table.items() if name != "long_prompt"}
    long_prompt = table.get("long_prompt", {"above": 0, "input": 0, "output": 0})
    if not isinstance(long_prompt, dict) or "above" not in long_prompt:
        return False
    return _numbers_ok(rates, PRICE_FIELDS) and _numbers_ok(long_prompt, LONG_PROMPT_FIELDS)


def _numbers_ok(table: dict[str, object], fields: tuple[str, ...]) -> bool:
    valid = all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in table.values())
    return valid and {"input", "output"} <= set(table) <= set(fields)


def _floats(table: dict[str, object]) -> dict[str, object]:
    """A checked price table with every number a float (TOML and JSON give ints for whole numbers)."""
    return {k: _floats(v) if isinstance(v, dict) else float(cast(float, v)) for k, v in table.items()}


def _text_ok(key: _Key, value: str) -> bool:
    if key.choices:
        return value in key.choices
    return re.fullmatch(key.pattern, value) is not None if key.pattern else True
