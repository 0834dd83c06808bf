"""A dead endpoint stops the run fast: exit 2 naming base_url, sources untouched, one log line for the run."""

from __future__ import annotations

import socket
import time

import pytest
from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.errors import EndpointUnreachable, ProviderError
from kwiki.llm.base import Request
from kwiki.llm.openai_adapter import OpenAILLM
from kwiki.llm.wrappers import ReachableLLM
from kwiki.project import Paths
from kwiki.state import State
from llm.loopback import Answer, LoopbackServer, chat_completion

from .conftest import RawGuard, log_entries, run, scripted_llm, source_text, write_raw


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_closed_port_stops_the_run_in_seconds_and_leaves_sources_as_they_were(
    project: Paths, raw_guard: RawGuard, clean_env: None
) -> None:
    write_raw(project, {"done.md": source_text("Done", mentions=("Idea | concept",), claims=("Idea | It is.",))})
    run(project, scripted_llm())
    write_raw(project, {f"new-{i}.md": source_text(f"New {i}") for i in range(12)})
    raw_guard.freeze(project)
    url = f"http://127.0.0.1:{closed_port()}/v1"
    started = time.monotonic()
    result = CliRunner().invoke(
        app, ["--project", str(project.root), "--provider", "openai", "--base-url", url, "ingest"]
    )
    assert time.monotonic() - started < 10
    assert result.exit_code == 2, result.output
    assert f"cannot reach {url}" in result.output and f"base_url is {url}" in result.output
    with State.open(project.state_db) as state:
        assert {r.path: r.status for r in state.sources()} == {"done.md": "done"}
    assert log_entries(project, "ingest") == ["Done", "stopped: the LLM server is unreachable"]


def test_after_one_unreachable_call_no_further_call_is_sent() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    llm = ReachableLLM(OpenAILLM("m", "k", base_url=url, max_retries=0))
    request = Request(name="extract", system="S.", user="U")
    with pytest.raises(EndpointUnreachable):
        llm.complete(request)
    started = time.monotonic()
    with pytest.raises(EndpointUnreachable, match=f"cannot reach {url}"):
        llm.complete(request)
    assert time.monotonic() - started < 0.05


def test_server_that_never_answers_is_given_up_after_three_silent_calls() -> None:
    slow = Answer(body=chat_completion().body, delay=1.0)
    with LoopbackServer(lambda body: slow) as server:
        llm = ReachableLLM(OpenAILLM("m", "k", base_url=server.base_url, max_retries=0, timeout=0.1), max_silent=3)
        request = Request(name="write-page", system="S.", user="U")
        errors = []
        for _ in range(4):
            with pytest.raises(ProviderError) as caught:
                llm.complete(request)
            errors.append(type(caught.value).__name__)
    assert errors == ["TimedOut", "TimedOut", "EndpointUnreachable", "EndpointUnreachable"]
    assert len(server.chat_bodies()) == 3
