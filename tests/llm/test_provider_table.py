"""One provider table: config, status and build_llm read it; hints name the key variable in effect."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from kwiki.config import JSON_MODES, KEYS, Provider, load_config
from kwiki.errors import ConfigError, ProviderError
from kwiki.llm import wrappers
from kwiki.llm.base import Request
from kwiki.llm.provider import PROVIDERS, build_llm
from kwiki.project import Paths
from kwiki.status import status_report

from .loopback import LoopbackServer, chat_completion, error


def project(tmp_path: Path, toml: str = "") -> Paths:
    (tmp_path / "raw").mkdir(exist_ok=True)
    (tmp_path / "kwiki.toml").write_text(toml, encoding="utf-8")
    return Paths(tmp_path)


def test_every_provider_name_has_exactly_one_table_entry() -> None:
    assert set(get_args(Provider)) == set(PROVIDERS)
    assert KEYS["provider"].choices == tuple(PROVIDERS)
    assert KEYS["json_mode"].choices == JSON_MODES
    assert all(spec.name == name for name, spec in PROVIDERS.items())


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_provider_builds_from_its_table_row(tmp_path: Path, name: str) -> None:
    (tmp_path / "replies").mkdir()
    paths = project(tmp_path, 'fake_replies = "replies"\n')
    env = {var: "k" for var in (spec.key_var for spec in PROVIDERS.values()) if var}
    config = load_config(paths.root, {"provider": name}, env)
    llm = build_llm(config, paths, env, meter=wrappers.Meter(), debug_sink=None)
    assert llm.model == PROVIDERS[name].default_model


def test_missing_key_hint_names_the_api_key_env_variable(tmp_path: Path) -> None:
    paths = project(tmp_path, 'provider = "openai"\napi_key_env = "GROQ_API_KEY"\n')
    with pytest.raises(ConfigError) as caught:
        build_llm(load_config(paths.root, {}, {}), paths, {}, meter=wrappers.Meter(), debug_sink=None)
    assert "GROQ_API_KEY is not set" in caught.value.message
    assert "export GROQ_API_KEY=" in caught.value.hint


def test_refused_key_hint_names_the_api_key_env_variable(tmp_path: Path) -> None:
    with LoopbackServer(lambda body: error(401, "invalid key")) as server:
        toml = f'provider = "openai"\nbase_url = "{server.base_url}"\napi_key_env = "GROQ_API_KEY"\nmax_retries = 0\n'
        paths = project(tmp_path, toml)
        env = {"GROQ_API_KEY": "gsk"}
        llm = build_llm(load_config(paths.root, {}, env), paths, env, meter=wrappers.Meter(), debug_sink=None)
        with pytest.raises(ProviderError) as caught:
            llm.complete(Request(name="query", system="S.", user="U"))
    assert caught.value.hint == "check GROQ_API_KEY"


def test_local_server_without_a_key_still_gets_the_response_cache(tmp_path: Path) -> None:
    with LoopbackServer(lambda body: chat_completion("# Answer")) as server:
        paths = project(tmp_path, f'provider = "openai"\nbase_url = "{server.base_url}"\n')
        config = load_config(paths.root, {}, {})
        llm = build_llm(config, paths, {}, meter=wrappers.Meter(), debug_sink=None)
        request = Request(name="query", system="S.", user="U")
        assert llm.complete(request).text == llm.complete(request).text == "# Answer"
        assert len(server.chat_bodies()) == 1
    assert any(paths.cache_dir.rglob("*.json"))
    assert status_report(paths, config, {}).api_key.required is False


@pytest.mark.parametrize(("name", "needs"), [("anthropic", True), ("openai", True), ("extractive", False)])
def test_status_says_whether_the_key_is_required(tmp_path: Path, name: str, needs: bool) -> None:
    paths = project(tmp_path)
    config = load_config(paths.root, {"provider": name}, {})
    assert status_report(paths, config, {}).api_key.required is needs
