"""The wrappers: response cache, meter, call log, debug dump, deadline, and the order `stack` puts them in."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from kwiki.errors import ProviderError
from kwiki.llm.base import Request, Usage
from kwiki.llm.fake import FakeLLM
from kwiki.llm.openai_adapter import OpenAILLM
from kwiki.llm.wrappers import CachedLLM, CallLog, DeadlineLLM, DebugLLM, LoggedLLM, Meter, MeteredLLM, stack

from .loopback import LoopbackServer, chat_completion

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"title": {"type": "string"}},
    "required": ["title"],
}


def ask(user: str = "the source", name: str = "summarize") -> Request:
    return Request(name=name, system="Summarize.", user=user, schema=SCHEMA)


def served(server: LoopbackServer, model: str = "loopback") -> OpenAILLM:
    return OpenAILLM(model, "k", base_url=server.base_url, max_retries=0, timeout=5.0)


def test_same_request_twice_makes_one_http_call(tmp_path: Path) -> None:
    with LoopbackServer(lambda body: chat_completion('{"title": "T"}', prompt_tokens=50)) as server:
        llm = CachedLLM(served(server), tmp_path, "openai")
        first = llm.complete(ask())
        second = llm.complete(ask())
    assert len(server.chat_bodies()) == 1
    assert (first.cache_hit, first.usage.input_tokens) == (False, 50)
    assert (second.cache_hit, second.usage, second.data, second.text) == (True, Usage(), {"title": "T"}, first.text)


def test_changed_prompt_or_model_misses_the_cache(tmp_path: Path) -> None:
    with LoopbackServer(lambda body: chat_completion('{"title": "T"}')) as server:
        CachedLLM(served(server), tmp_path, "openai").complete(ask())
        CachedLLM(served(server), tmp_path, "openai").complete(ask(user="another source"))
        CachedLLM(served(server, model="other"), tmp_path, "openai").complete(ask())
        CachedLLM(served(server), tmp_path, "openai").complete(ask())
    assert len(server.chat_bodies()) == 3


def test_cache_file_is_content_addressed_and_keeps_the_original_usage(tmp_path: Path) -> None:
    llm = CachedLLM(FakeLLM({"summarize": {"title": "T"}}), tmp_path, "fake")
    llm.complete(ask())
    key = llm.key(ask())
    entry = json.loads((tmp_path / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
    assert entry["data"] == {"title": "T"}
    assert entry["usage"]["input_tokens"] > 0
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{key}.json"]


def test_damaged_cache_entry_is_a_miss(tmp_path: Path) -> None:
    fake = FakeLLM({"summarize": {"title": "T"}})
    llm = CachedLLM(fake, tmp_path, "fake")
    key = llm.key(ask())
    (tmp_path / key[:2]).mkdir()
    (tmp_path / key[:2] / f"{key}.json").write_text('{"text": ', encoding="utf-8")
    assert llm.complete(ask()).cache_hit is False
    assert llm.complete(ask()).cache_hit is True
    assert len(fake.requests) == 1


def test_failed_calls_are_not_cached(tmp_path: Path) -> None:
    llm = CachedLLM(FakeLLM({}), tmp_path, "fake")
    with pytest.raises(ProviderError):
        llm.complete(ask())
    assert not any(tmp_path.iterdir())


def test_meter_counts_calls_tokens_and_hits_from_threads() -> None:
    meter = Meter()
    llm = MeteredLLM(FakeLLM({"summarize": {"title": "T"}}), meter)
    threads = [threading.Thread(target=llm.complete, args=(ask(),)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = meter.snapshot()
    assert snapshot["calls"] == 10 and snapshot["cache_hits"] == 0
    assert snapshot["input_tokens"] == 10 * (len("Summarize.") + len("the source")) // 4
    assert meter.usage.output_tokens == snapshot["output_tokens"] > 0


def test_call_log_records_each_call_and_failures(tmp_path: Path) -> None:
    log_path = tmp_path / ".kwiki" / "calls.jsonl"
    llm = LoggedLLM(FakeLLM({"summarize": {"title": "T"}}, model="m1"), CallLog(log_path))
    llm.complete(ask())
    with pytest.raises(ProviderError):
        llm.complete(ask(name="overview"))
    ok, failed = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    assert {"time", "name", "model", "input_tokens", "output_tokens", "cached_tokens"} <= set(ok)
    assert (ok["name"], ok["model"], ok["cache_hit"]) == ("summarize", "m1", False)
    assert isinstance(ok["duration_ms"], int)
    assert failed["name"] == "overview" and "no reply for 'overview'" in failed["error"]


def test_debug_dump_shows_request_and_reply_with_secrets_redacted() -> None:
    sink = io.StringIO()
    llm = DebugLLM(FakeLLM({"summarize": {"title": "sk-secret-123"}}), sink.write, ["sk-secret-123", ""])
    llm.complete(ask(user="key is sk-secret-123"))
    dump = sink.getvalue()
    assert "--- kwiki request ---" in dump and "--- kwiki reply ---" in dump
    assert "Summarize." in dump
    assert "sk-secret-123" not in dump
    assert "[REDACTED]" in dump


def test_deadline_stops_calls_after_it_passes() -> None:
    fake = FakeLLM({"summarize": {"title": "T"}})
    assert DeadlineLLM(fake, 60).complete(ask()).data == {"title": "T"}
    with pytest.raises(ProviderError) as caught:
        DeadlineLLM(fake, 0).complete(ask())
    assert "deadline" in caught.value.message and "'summarize' was not sent" in caught.value.message
    assert "raise `deadline` in kwiki.toml" in caught.value.hint
    assert len(fake.requests) == 1


def test_stack_counts_cache_hits_as_hits_without_tokens(tmp_path: Path) -> None:
    meter = Meter()
    sink = io.StringIO()
    fake = FakeLLM({"summarize": {"title": "T"}})
    llm = stack(
        fake,
        provider="fake",
        cache_dir=tmp_path / "cache",
        calls_log=tmp_path / "calls.jsonl",
        meter=meter,
        deadline=60.0,
        debug_sink=sink.write,
        secrets=["k"],
    )
    first = llm.complete(ask())
    llm.complete(ask())
    assert len(fake.requests) == 1
    assert meter.snapshot() == {
        "calls": 2,
        "failed": 0,
        "cache_hits": 1,
        **first.usage.__dict__,
        "cost_usd": None,
        "cost_note": "runs no model: no cost",
        "notices": [],
    }
    hits = [json.loads(line)["cache_hit"] for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert hits == [False, True]
    assert sink.getvalue().count("--- kwiki reply ---") == 2
    assert llm.model == "fake"


def test_stack_without_optional_layers_still_meters(tmp_path: Path) -> None:
    meter = Meter()
    llm = stack(
        FakeLLM({"summarize": {"title": "T"}}),
        provider="fake",
        cache_dir=None,
        calls_log=None,
        meter=meter,
        deadline=None,
        debug_sink=None,
        secrets=[],
    )
    llm.complete(ask())
    llm.complete(ask())
    assert meter.snapshot()["calls"] == 2 and meter.snapshot()["cache_hits"] == 0
    assert not any(tmp_path.iterdir())
