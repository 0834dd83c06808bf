"""Dollars: a run's cost is the price table applied to its measured usage; the cacheable prefix never varies."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.config import load_config
from kwiki.errors import ConfigError
from kwiki.llm.base import Usage
from kwiki.llm.prices import Price, price_table, pricing
from kwiki.project import Paths
from llm.loopback import Answer, LoopbackServer, chat_completion

from .conftest import RawGuard, source_text, write_raw
from .test_local_server import llama_cpp_python

CACHED, WRITTEN = 8, 2  # of the loopback's 12 prompt tokens per call: read from and written to the cache


def with_cached_tokens(body: dict[str, Any]) -> Answer:
    answer = llama_cpp_python(body)
    if answer.status != 200 or not isinstance(answer.body, dict):
        return answer
    text = answer.body["choices"][0]["message"]["content"]
    return chat_completion(
        text, prompt_tokens=12, completion_tokens=5, cached_tokens=CACHED, cache_write_tokens=WRITTEN
    )


def _corpus(paths: Paths) -> None:
    write_raw(
        paths,
        {
            f"note-{i}.md": source_text(
                f"Note {i}",
                mentions=("Shared idea | concept | | central", "Other idea | concept | | central"),
                claims=(
                    f"Shared idea | The shared idea appears in note {i}.",
                    f"Other idea | Another one in note {i}.",
                ),
            )
            for i in range(3)
        },
    )


def _ingest(paths: Paths, url: str, *args: str, model: str = "gpt-6.1-terra") -> dict[str, Any]:
    env = {"KWIKI_JSON_MODE": "json_object", "OPENAI_API_KEY": "", "KWIKI_PRICE": ""}
    result = CliRunner().invoke(
        app,
        [
            "--project",
            str(paths.root),
            "--provider",
            "openai",
            "--base-url",
            url,
            "--model",
            model,
            "ingest",
            "--json",
            *args,
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_reported_dollars_are_the_price_table_applied_to_the_measured_usage(
    project: Paths, raw_guard: RawGuard, clean_env: None
) -> None:
    _corpus(project)
    raw_guard.freeze(project)
    with LoopbackServer(with_cached_tokens) as server:
        summary = _ingest(project, server.base_url)
        calls = len(server.chat_bodies())
    llm = summary["llm"]
    assert (llm["input_tokens"], llm["cached_tokens"], llm["output_tokens"]) == (12 * calls, CACHED * calls, 5 * calls)
    assert llm["cache_write_tokens"] == WRITTEN * calls
    # gpt-6.1-terra in prices.toml: $1 input, $0.05 cached, $1.25 written (GPT-5.6 and later bill writes), $5 output
    per_call = ((12 - CACHED - WRITTEN) * 1.0 + CACHED * 0.05 + WRITTEN * 1.25 + 5 * 5.0) / 1_000_000
    assert llm["cost_usd"] == pytest.approx(calls * per_call)
    logged = [json.loads(line) for line in project.calls_log.read_text(encoding="utf-8").splitlines()]
    assert sum(record["cost_usd"] for record in logged) == pytest.approx(llm["cost_usd"])


def test_unknown_model_reports_tokens_and_says_it_has_no_price(
    project: Paths, raw_guard: RawGuard, clean_env: None
) -> None:
    _corpus(project)
    raw_guard.freeze(project)
    with LoopbackServer(with_cached_tokens) as server:
        llm = _ingest(project, server.base_url, model="my-local-model")["llm"]
    assert llm["cost_usd"] is None and llm["input_tokens"] > 0
    assert "no price known for model 'my-local-model'" in llm["cost_note"]


def test_price_in_kwiki_toml_overrides_the_table(project: Paths, raw_guard: RawGuard, clean_env: None) -> None:
    _corpus(project)
    raw_guard.freeze(project)
    (project.root / "kwiki.toml").write_text("price = { input = 1000000, output = 0 }\n", encoding="utf-8")
    with LoopbackServer(with_cached_tokens) as server:
        llm = _ingest(project, server.base_url)["llm"]
    assert llm["cost_usd"] == pytest.approx(llm["input_tokens"])  # cached and written tokens at input price by default


def test_plan_shows_an_estimated_cost(project: Paths, raw_guard: RawGuard, clean_env: None) -> None:
    _corpus(project)
    raw_guard.freeze(project)
    plan = _ingest(project, "http://127.0.0.1:9/v1", "--plan")
    assert plan["estimated_cost_usd"] > 0 and plan["cost_note"] == ""


def test_every_request_kind_sends_a_byte_identical_prefix(project: Paths, raw_guard: RawGuard, clean_env: None) -> None:
    _corpus(project)
    raw_guard.freeze(project)
    with LoopbackServer(with_cached_tokens) as server:
        _ingest(project, server.base_url)
        bodies = server.chat_bodies()
    prefixes: dict[str, list[str]] = defaultdict(list)
    for body in bodies:
        system = body["messages"][0]["content"]
        schema = body.get("response_format", {}).get("schema", {})
        kind = "extract" if "claims" in schema.get("properties", {}) else body["messages"][1]["content"][:20]
        prefixes[kind].append(json.dumps([system, body.get("response_format")]))
    repeated = {kind: calls for kind, calls in prefixes.items() if len(calls) > 1}
    assert len(repeated) >= 2, sorted(prefixes)  # extract and write-page at least
    assert all(len(set(calls)) == 1 for calls in repeated.values())


def test_price_applies_cached_and_written_tokens_at_their_own_rates() -> None:
    sonnet = price_table()["claude-sonnet-5-5"]
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, cached_tokens=500_000, cache_write_tokens=100_000)
    assert sonnet.cost(usage) == pytest.approx(0.4 * 2.0 + 0.5 * 0.10 + 0.1 * 2.50 + 10.0)
    assert sonnet.cost(usage, batch=True) == pytest.approx(sonnet.cost(usage) / 2)
    assert pricing("claude-sonnet-5-5-20261001", offline=False).price == sonnet
    assert pricing("extractive", offline=True).cost(usage) is None
    assert Price(1, 2, 1, 1).cost(Usage(10, 10)) == pytest.approx(30 / 1_000_000)


def test_a_long_prompt_in_kwiki_toml_prices_each_call_by_its_own_prompt(
    project: Paths, raw_guard: RawGuard, clean_env: None
) -> None:
    _corpus(project)
    raw_guard.freeze(project)
    price = "price = { input = 1000000, output = 0, long_prompt = { above = 11, input = 2000000, output = 0 } }\n"
    (project.root / "kwiki.toml").write_text(price, encoding="utf-8")
    with LoopbackServer(with_cached_tokens) as server:
        llm = _ingest(project, server.base_url)["llm"]
    assert llm["cost_usd"] == pytest.approx(2 * llm["input_tokens"])  # every 12-token prompt is over 11


@pytest.mark.parametrize(
    "toml",
    [
        "price = { input = 1 }\n",
        "price = { input = 1, output = -2 }\n",
        "price = { input = 1, output = 2, vat = 0.2 }\n",
        "price = { input = 1, output = 2, long_prompt = { input = 2, output = 4 } }\n",  # no above
        "price = { input = 1, output = 2, long_prompt = { above = 10, input = 2 } }\n",  # no output
        "price = { input = 1, output = 2, long_prompt = 5 }\n",
        'price = "cheap"\n',
    ],
)
def test_invalid_price_is_a_config_error(tmp_path: Path, toml: str) -> None:
    (tmp_path / "kwiki.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match="price must be a table of dollars per million tokens"):
        load_config(tmp_path, {}, {})


def test_price_from_the_environment_is_json() -> None:
    config = load_config(None, {}, {"KWIKI_PRICE": '{"input": 0, "output": 0}'})
    assert config.price == {"input": 0.0, "output": 0.0}
