"""build_llm: the adapter each provider gets, missing keys, local servers, the wrapper stack, KWIKI_DEBUG."""

from __future__ import annotations

from pathlib import Path

import pytest

from kwiki.config import load_config
from kwiki.errors import ConfigError
from kwiki.llm.base import LLM, Request
from kwiki.llm.provider import build_llm
from kwiki.llm.wrappers import Meter
from kwiki.project import Paths

from .conftest import Loopback

PING = Request("ping", "You answer pong.", "ping")


def build(root: Path, flags: dict[str, object | None], env: dict[str, str], sink: list[str] | None = None) -> LLM:
    config = load_config(root, flags, env)
    return build_llm(config, Paths(root), env, meter=Meter(), debug_sink=None if sink is None else sink.append)


@pytest.mark.parametrize(
    ("flags", "env", "words"),
    [
        ({"provider": "anthropic"}, {}, ["provider 'anthropic' needs an API key", "ANTHROPIC_API_KEY is not set"]),
        ({"provider": "openai"}, {}, ["OPENAI_API_KEY is not set", "point base_url at a local server"]),
        ({"provider": "openai"}, {"KWIKI_API_KEY_ENV": "GROQ_API_KEY"}, ["GROQ_API_KEY is not set"]),
    ],
)
def test_a_missing_key_is_a_config_error_with_a_fix(
    tmp_path: Path, flags: dict[str, object | None], env: dict[str, str], words: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        build(tmp_path, flags, env)
    text = f"{caught.value.message} — {caught.value.hint}"
    assert "KWIKI_PROVIDER=extractive" in caught.value.hint
    for word in words:
        assert word in text


def test_openai_with_a_local_base_url_needs_no_key(tmp_path: Path, loopback: Loopback) -> None:
    llm = build(tmp_path, {"provider": "openai", "model": "local", "base_url": loopback.url}, {})
    assert llm.complete(PING).text == "pong"
    assert loopback.requests[0]["path"] == "/v1/chat/completions"
    assert loopback.requests[0]["headers"]["authorization"] == "Bearer not-needed"


def test_model_replies_are_cached_and_logged(tmp_path: Path, loopback: Loopback) -> None:
    llm = build(tmp_path, {"provider": "openai", "base_url": loopback.url}, {"OPENAI_API_KEY": "sk-test"})
    assert [llm.complete(PING).cache_hit for _ in range(2)] == [False, True]
    assert len(loopback.requests) == 1
    assert loopback.requests[0]["headers"]["authorization"] == "Bearer sk-test"
    assert len(Paths(tmp_path).calls_log.read_text(encoding="utf-8").splitlines()) == 2


def test_anthropic_uses_its_key_and_the_sdk_base_url_variable(tmp_path: Path, loopback: Loopback) -> None:
    root_url = loopback.url.removesuffix("/v1")
    env = {"ANTHROPIC_API_KEY": "sk-ant-test", "ANTHROPIC_BASE_URL": root_url}
    llm = build(tmp_path, {"model": "claude-test"}, env)
    assert llm.complete(PING).text == "pong"
    assert loopback.requests[0]["path"] == "/v1/messages"
    assert loopback.requests[0]["headers"]["authorization"] == "Bearer sk-ant-test"


def test_fake_needs_its_replies_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="provider 'fake' needs a folder of scripted replies"):
        build(tmp_path, {"provider": "fake"}, {})


def test_fake_follows_its_script_without_the_cache(tmp_path: Path) -> None:
    replies = tmp_path / "replies"
    replies.mkdir()
    (replies / "ping.jsonl").write_text('"one"\n"two"\n', encoding="utf-8")
    llm = build(tmp_path, {"provider": "fake", "model": "fake-2"}, {"KWIKI_FAKE_REPLIES": str(replies)})
    assert [llm.complete(PING).text for _ in range(2)] == ["one", "two"]
    assert llm.model == "fake-2"


def test_debug_sink_is_used_only_with_kwiki_debug(tmp_path: Path) -> None:
    replies = tmp_path / "replies"
    replies.mkdir()
    (replies / "ping.md").write_text("pong", encoding="utf-8")
    env = {"KWIKI_FAKE_REPLIES": str(replies)}
    quiet: list[str] = []
    build(tmp_path, {"provider": "fake"}, env, quiet).complete(PING)
    loud: list[str] = []
    build(tmp_path, {"provider": "fake"}, {**env, "KWIKI_DEBUG": "1"}, loud).complete(PING)
    assert quiet == [] and any("--- kwiki request ---" in line for line in loud)


def test_extractive_needs_nothing(tmp_path: Path) -> None:
    pytest.importorskip("kwiki.offline")
    assert build(tmp_path, {}, {}).model == "extractive"
