"""`kwiki ingest --batch`, `batch = true`, `--plan --batch` and `kwiki status` against a fake batch API on a
real socket: the command builds its own SDK clients from the settings, as it does for users."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ingest.conftest import RawGuard, wiki_pages
from kwiki.batch.store import in_flight_batches
from kwiki.cli import app
from kwiki.project import Paths
from llm.loopback import LoopbackServer

from .fakes import AnthropicFake, OpenAIFake
from .runs import CORPUS, ROUNDS, Killed, anthropic_api, batch_run, kill, new_project


@pytest.fixture
def anthropic_env(monkeypatch: pytest.MonkeyPatch, clean_env: None) -> None:
    monkeypatch.setenv("KWIKI_PROVIDER", "anthropic")
    monkeypatch.setenv("KWIKI_MODEL", "claude-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "key")


def kwiki(paths: Paths, *args: str) -> Result:
    return CliRunner().invoke(app, ["--project", str(paths.root), *args])


def test_ingest_batch_writes_the_same_wiki_as_a_direct_ingest(
    tmp_path: Path, raw_guard: RawGuard, anthropic_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = AnthropicFake(polls=0)
    with LoopbackServer(handler=fake) as server:
        fake.base_url = server.origin
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.origin)
        direct = new_project(tmp_path / "direct", raw_guard)
        assert kwiki(direct, "ingest").exit_code == 0
        assert fake.direct_calls > 0 and fake.creates == 0
        calls = fake.direct_calls

        batched = new_project(tmp_path / "batched", raw_guard)
        result = kwiki(batched, "ingest", "--batch", "--json")
    assert result.exit_code == 0, result.output
    assert fake.creates == ROUNDS and fake.direct_calls == calls
    assert wiki_pages(batched) == wiki_pages(direct)
    summary = json.loads(result.stdout)
    assert summary["sources"]["ingested"] == len(CORPUS)
    assert len(summary["batch"]["submitted"]) == ROUNDS
    assert summary["batch"]["batched_requests"] == summary["llm"]["calls"] == calls
    assert [json.loads(line).get("batch") for line in batched.calls_log.read_text().splitlines()].count(None) == 0


def test_batch_true_in_kwiki_toml_sends_an_openai_ingest_through_the_batch_api(
    tmp_path: Path, raw_guard: RawGuard, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    fake = OpenAIFake(polls=0)
    paths = new_project(tmp_path / "kb", raw_guard)
    (paths.root / "kwiki.toml").write_text('provider = "openai"\nmodel = "gpt-test"\nbatch = true\n')
    monkeypatch.setenv("OPENAI_API_KEY", "key")
    with LoopbackServer(handler=fake) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = kwiki(paths, "ingest")
    assert result.exit_code == 0, result.output
    assert fake.creates == ROUNDS and fake.direct_calls == 0
    assert f"batch: {ROUNDS} submitted, 0 resumed" in result.stdout
    assert (paths.wiki / "overview.md").is_file()


def test_ingest_batch_stops_waiting_at_the_deadline_with_exit_code_3_and_the_next_run_collects(
    tmp_path: Path, raw_guard: RawGuard, anthropic_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = AnthropicFake(polls=10**6)
    paths = new_project(tmp_path / "kb", raw_guard)
    (paths.root / "kwiki.toml").write_text("deadline = 0.2\n", encoding="utf-8")
    with LoopbackServer(handler=fake) as server:
        fake.base_url = server.origin
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.origin)
        stopped = kwiki(paths, "ingest", "--batch")
        assert stopped.exit_code == 3, stopped.output
        said = " ".join(stopped.stderr.split())
        assert "msgbatch_001 is still running" in said and "0.2s deadline" in said
        assert "the next `kwiki ingest --batch` collects it without resubmitting" in said
        assert [b.batch_id for b in in_flight_batches(paths)] == ["msgbatch_001"]

        fake.polls = 0
        (paths.root / "kwiki.toml").write_text("", encoding="utf-8")
        done = kwiki(paths, "ingest", "--batch")
    assert done.exit_code == 0, done.output
    assert fake.creates == ROUNDS and "1 resumed" in done.stdout


def test_plan_with_batch_shows_the_batch_price_and_sends_nothing(
    tmp_path: Path, raw_guard: RawGuard, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    paths = new_project(tmp_path / "kb", raw_guard)
    monkeypatch.setenv("KWIKI_PROVIDER", "anthropic")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens: any call would fail
    result = kwiki(paths, "ingest", "--plan", "--batch", "--json")
    assert result.exit_code == 0, result.output
    price = json.loads(result.stdout)["batch"]
    assert price["known_price"] and price["batch_usd"] == pytest.approx(price["direct_usd"] / 2, abs=1e-4)
    text = " ".join(kwiki(paths, "ingest", "--plan", "--batch").stdout.split())  # lines wrap at 80 columns
    assert "batch: ~$" in text and "Nothing was written." in text


def test_batch_with_a_provider_without_a_batch_api_fails_with_a_fix(
    tmp_path: Path, raw_guard: RawGuard, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    paths = new_project(tmp_path / "kb", raw_guard)
    monkeypatch.setenv("KWIKI_PROVIDER", "extractive")
    result = kwiki(paths, "ingest", "--batch")
    assert result.exit_code != 0
    assert "has no batch API" in result.output and "fix:" in result.output
    assert not (paths.wiki / "index.md").exists()


def test_status_lists_a_batch_in_flight(tmp_path: Path, raw_guard: RawGuard, anthropic_env: None) -> None:
    paths = new_project(tmp_path / "kb", raw_guard)
    fake = AnthropicFake(polls=5)

    with pytest.raises(Killed):
        batch_run(paths, "anthropic", anthropic_api(fake), sleep=kill)
    result = kwiki(paths, "status")
    assert result.exit_code == 0, result.output
    assert "msgbatch_001 in flight: 3 requests to anthropic claude-test" in result.stdout
    report = json.loads(kwiki(paths, "status", "--json").stdout)
    assert [b["batch_id"] for b in report["batches_in_flight"]] == ["msgbatch_001"]
    assert report["batches_in_flight"][0]["submitting"] is False


def test_status_lists_a_batch_whose_submit_never_answered(
    tmp_path: Path, raw_guard: RawGuard, anthropic_env: None
) -> None:
    paths = new_project(tmp_path / "kb", raw_guard)
    fake = AnthropicFake()
    fake.die_after_create = True
    with pytest.raises(Killed):
        batch_run(paths, "anthropic", anthropic_api(fake))
    text = " ".join(kwiki(paths, "status").stdout.split())
    assert "batch being submitted since" in text and "looks it up at the provider before resubmitting" in text
    [listed] = json.loads(kwiki(paths, "status", "--json").stdout)["batches_in_flight"]
    assert listed["submitting"] is True and listed["requests"] == len(CORPUS)


@pytest.mark.parametrize("killed_while_submitting", [False, True])
@pytest.mark.parametrize("finished", [True, False])
def test_a_direct_ingest_uses_the_finished_batches_of_an_interrupted_batch_run(
    tmp_path: Path,
    raw_guard: RawGuard,
    anthropic_env: None,
    monkeypatch: pytest.MonkeyPatch,
    finished: bool,
    killed_while_submitting: bool,
) -> None:
    fake = AnthropicFake(polls=(0 if killed_while_submitting else 1) if finished else 99)
    fake.die_after_create = killed_while_submitting  # then the batch's id is found at the provider
    paths = new_project(tmp_path / "kb", raw_guard)

    with pytest.raises(Killed):
        batch_run(paths, "anthropic", anthropic_api(fake), sleep=kill)  # polled once: still in progress
    fake.die_after_create = False
    with LoopbackServer(handler=fake) as server:
        fake.base_url = server.origin
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.origin)
        result = kwiki(paths, "ingest")
    assert result.exit_code == 0, result.output
    assert fake.creates == 1
    if finished:  # the extractions came from the batch; only page writes and the overview were sent directly
        assert "collected 1 finished batch(es)" in result.stderr
        assert [b.batch_id for b in in_flight_batches(paths)] == []
        assert fake.direct_calls == 4
    else:
        assert "1 still in flight" in result.stderr
        assert [b.batch_id for b in in_flight_batches(paths)] == ["msgbatch_001"]
        assert fake.direct_calls == 4 + len(CORPUS)


def test_batch_with_commit_makes_one_commit_of_the_applied_wiki(
    tmp_path: Path, raw_guard: RawGuard, anthropic_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    paths = new_project(tmp_path / "kb", raw_guard)

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=paths.root, capture_output=True, text=True, check=True).stdout

    git("init", "-q", "-b", "main")
    for key, value in (("user.name", "Test User"), ("user.email", "t@example.com"), ("commit.gpgsign", "false")):
        git("config", key, value)
    git("add", "kwiki.toml")
    git("commit", "-q", "-m", "start")
    fake = AnthropicFake(polls=0)
    with LoopbackServer(handler=fake) as server:
        fake.base_url = server.origin
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.origin)
        result = kwiki(paths, "ingest", "--batch", "--commit")
    assert result.exit_code == 0, result.output
    assert fake.creates == ROUNDS
    assert git("rev-list", "--count", "HEAD").strip() == "2"  # the rounds before the last wrote nothing to commit
    committed = set(git("show", "--name-only", "--format=", "HEAD").split())
    assert {f"wiki/{rel}" for rel in wiki_pages(paths)} <= committed


def test_a_kwiki_process_killed_after_the_provider_made_its_batch_does_not_pay_for_it_twice(
    tmp_path: Path, raw_guard: RawGuard, anthropic_env: None
) -> None:
    paths = new_project(tmp_path / "kb", raw_guard)
    fake = AnthropicFake(polls=0)
    with LoopbackServer(handler=fake) as server:
        fake.base_url = server.origin
        env = {**os.environ, "ANTHROPIC_BASE_URL": server.origin}
        command = [sys.executable, "-m", "kwiki", "--project", str(paths.root), "ingest", "--batch"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        fake.after_create = lambda: process.send_signal(signal.SIGKILL)  # before it hears the batch's id
        assert process.wait(timeout=60) == -signal.SIGKILL
    [first] = fake.batches

    summary = batch_run(paths, "anthropic", anthropic_api(fake))
    assert summary.resumed == (first,) and fake.creates == ROUNDS
    assert (paths.wiki / "overview.md").is_file()
