"""A dead endpoint stops the run fast: exit 2 naming base_url, sources untouched, one log line for the run."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest
from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.errors import EndpointUnreachable, ProviderError
from kwiki.llm.base import Request
from kwiki.llm.blocks import SOURCE, unfence, unfence_json
from kwiki.llm.openai_adapter import OpenAILLM
from kwiki.llm.wrappers import ReachableLLM
from kwiki.project import Paths
from kwiki.state import State
from llm.loopback import Answer, LoopbackServer, chat_completion, rate_limited, script

from .conftest import RawGuard, extract_reply, log_entries, run, scripted_llm, source_text, text_kind, write_raw


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


def test_server_that_answered_once_then_goes_silent_is_given_up_after_three_silent_calls() -> None:
    slow = Answer(body=chat_completion().body, delay=1.0)
    with LoopbackServer(script(chat_completion(), slow)) as server:
        llm = ReachableLLM(OpenAILLM("m", "k", base_url=server.base_url, max_retries=0, timeout=0.1), max_silent=3)
        request = Request(name="write-page", system="S.", user="U")
        llm.complete(request)
        errors = []
        for _ in range(4):
            with pytest.raises(ProviderError) as caught:
                llm.complete(request)
            errors.append(type(caught.value).__name__)
    assert errors == ["TimedOut", "TimedOut", "EndpointUnreachable", "EndpointUnreachable"]
    assert len(server.chat_bodies()) == 4


def test_server_that_never_answers_fails_after_one_timeout_not_retried() -> None:
    silent = Answer(body=chat_completion().body, delay=3.0)
    with LoopbackServer(lambda body: silent) as server:
        llm = ReachableLLM(OpenAILLM("m", "k", base_url=server.base_url, max_retries=2, timeout=0.3))
        request = Request(name="extract", system="S.", user="U")
        started = time.monotonic()
        with pytest.raises(EndpointUnreachable, match=r"accepted the connection but sent no answer within 0\.3s"):
            llm.complete(request)
        with pytest.raises(EndpointUnreachable):  # and no further call is sent
            llm.complete(request)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5  # one timeout; before, 3 attempts and their backoff, then two more silent calls
    assert len(server.chat_bodies()) == 1


def test_a_first_answer_that_is_an_error_keeps_the_sdk_retries() -> None:
    with LoopbackServer(script(rate_limited("0"), chat_completion("fine"))) as server:
        llm = OpenAILLM("m", "k", base_url=server.base_url, max_retries=2, max_retry_after=0.01, timeout=5)
        reply = llm.complete(Request(name="query", system="S.", user="U"))
    assert reply.text == "fine" and len(server.chat_bodies()) == 2


def test_cli_ingest_against_a_silent_server_stops_in_seconds_with_a_clear_message(
    project: Paths, raw_guard: RawGuard, clean_env: None
) -> None:
    write_raw(project, {f"new-{i}.md": source_text(f"New {i}") for i in range(6)})
    (project.root / "kwiki.toml").write_text("timeout = 0.5\n", encoding="utf-8")
    raw_guard.freeze(project)
    silent = Answer(body=chat_completion().body, delay=4.0)
    with LoopbackServer(lambda body: silent) as server:
        started = time.monotonic()
        args = ["--project", str(project.root), "--provider", "openai", "--base-url", server.base_url, "ingest"]
        result = CliRunner().invoke(app, args)
        elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert "accepted the connection but sent no answer within 0.5s" in result.output
    assert "raise timeout in kwiki.toml" in result.output
    assert elapsed < 4  # was 3 attempts × 3 silent calls
    with State.open(project.state_db) as state:
        assert [r for r in state.sources() if r.status == "done"] == []


@pytest.mark.parametrize(("status", "says"), [(401, "refused the API key"), (404, "model 'm' not found")])
def test_a_refused_key_or_model_stops_the_run_at_once(
    project: Paths, raw_guard: RawGuard, clean_env: None, status: int, says: str
) -> None:
    """Every source failed the same way, one by one: 300 calls and 300 failure lines in log.md, on every run."""
    write_raw(project, {f"new-{i}.md": source_text(f"New {i}") for i in range(12)})
    raw_guard.freeze(project)
    refusal = Answer(status, {"error": {"message": "no", "type": "invalid_request_error", "code": "x"}})
    with LoopbackServer(lambda body: refusal) as server:
        url = server.base_url
        result = CliRunner().invoke(
            app,
            ["--project", str(project.root), "--provider", "openai", "--base-url", url, "--model", "m", "ingest"],
            env={"OPENAI_API_KEY": "sk-bad"},
        )
        calls = len(server.chat_bodies())
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert calls <= 4  # the calls already in flight (concurrency), not one per source
    assert log_entries(project, "ingest") == ["stopped: the LLM server refused the API key or the model"]


def test_a_403_fails_that_source_only(project: Paths, raw_guard: RawGuard, clean_env: None) -> None:
    """A 403 may be about one request's text (a moderation flag): it must not stop every other source."""
    write_raw(project, {"flagged.md": source_text("Flagged", extra="FLAGGED"), "fine.md": source_text("Fine")})
    raw_guard.freeze(project)
    flagged = Answer(403, {"error": {"message": "flagged by moderation", "type": "invalid_request_error"}})

    def respond(body: dict[str, Any]) -> Answer:
        user = body["messages"][-1]["content"]
        if "FLAGGED" in user:
            return flagged
        name = body.get("response_format", {}).get("json_schema", {}).get("name") or text_kind(user)
        if name == "extract":
            return chat_completion(json.dumps(extract_reply(unfence(user, SOURCE)[0], unfence_json(user)["path"])))
        return chat_completion("Body text of the page.")

    with LoopbackServer(respond) as server:
        args = ["--project", str(project.root), "--provider", "openai", "--base-url", server.base_url, "ingest"]
        result = CliRunner().invoke(app, [*args, "-c", "1"], env={"OPENAI_API_KEY": "sk-x", "KWIKI_MAX_RETRIES": "0"})
    assert result.exit_code == 1, result.output
    assert "refused the request (HTTP 403)" in result.output
    with State.open(project.state_db) as state:
        assert {r.path: r.status for r in state.sources()}["fine.md"] == "done"
