"""`ingest --plan`'s token estimate against what the run then reports through a real adapter (the OpenAI SDK
talking to the loopback server), on the 2026 half of the bundled corpus.

The loopback server answers every request as the offline extractive provider would (so replies have real
shapes and sizes, drawn from the sources), and reports usage as a tokenizer would, at 4 characters a token.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.config import Config
from kwiki.llm.base import LLM, Request
from kwiki.llm.provider import build_llm
from kwiki.llm.wrappers import Meter
from kwiki.project import Paths
from kwiki.prompts import load_prompt
from kwiki.scaffold import init_project
from llm.loopback import Answer, LoopbackServer, chat_completion

CORPUS = (
    Path(__file__).resolve().parents[2] / "examples" / "pkm" / "raw" / "2026"
)  # half the bundled corpus: 12 sources
KINDS = ("extract", "summarize", "write-page", "overview")
CHARS_PER_TOKEN = 4


def _kind(system: str) -> str:
    return next(name for name in KINDS if system[:80] == load_prompt(name).system[:80])


def _responder(offline: LLM) -> Any:
    def respond(body: dict[str, Any]) -> Answer:
        messages = {m["role"]: m["content"] for m in body["messages"]}
        spec = body.get("response_format", {}).get("json_schema")
        name = _kind(messages["system"])
        request = Request(name, messages["system"], messages["user"], spec["schema"] if spec else None)
        reply = offline.complete(request)
        content = json.dumps(reply.data) if spec else reply.text
        sent = len(messages["system"]) + len(messages["user"]) + len(json.dumps(spec or {}))
        return chat_completion(
            content, prompt_tokens=sent // CHARS_PER_TOKEN, completion_tokens=len(content) // CHARS_PER_TOKEN
        )

    return respond


@pytest.fixture
def corpus_project(tmp_path: Path) -> Paths:
    if not CORPUS.is_dir():
        pytest.skip("the bundled corpus raw/ is not here")
    init_project(tmp_path / "kb")
    shutil.copytree(CORPUS, tmp_path / "kb" / "raw" / CORPUS.name, dirs_exist_ok=True)
    return Paths(tmp_path / "kb")


def test_plan_estimate_is_within_25_percent_of_the_tokens_a_run_reports(corpus_project: Paths, clean_env: None) -> None:
    config = Config(provider="extractive", model="extractive")
    offline = build_llm(config, corpus_project, {}, meter=Meter(), debug_sink=None)
    with LoopbackServer(_responder(offline)) as server:
        flags = ["--provider", "openai", "--model", "loopback", "--base-url", server.base_url]
        flags += ["--project", str(corpus_project.root)]
        plan = CliRunner().invoke(app, ["ingest", "--plan", "--json", *flags])
        assert plan.exit_code == 0, plan.stderr
        estimate = json.loads(plan.stdout)["estimated_tokens"]
        run = CliRunner().invoke(app, ["ingest", "--json", *flags])
        assert run.exit_code == 0, run.stderr
    usage = json.loads(run.stdout)["llm"]
    spent = usage["input_tokens"] + usage["output_tokens"]
    assert usage["calls"] == len(server.chat_bodies()) > 12
    assert abs(estimate - spent) <= 0.25 * spent, (estimate, spent, usage)
