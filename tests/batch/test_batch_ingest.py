"""`kwiki ingest --batch` against fakes of both batch APIs: rounds, polling, out-of-order results, fallbacks,
expiry and an interrupted run whose next run collects the same batches instead of submitting them again."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.conftest import RawGuard, source_text, wiki_pages, write_raw
from kwiki.batch.api import BatchesStillRunning
from kwiki.batch.run import BatchRunner, Polling, Waiting
from kwiki.batch.store import in_flight_batches
from kwiki.errors import KwikiError, LockedError
from kwiki.ingest import ingest
from kwiki.llm.wrappers import Meter
from kwiki.lock import ProjectLock
from kwiki.project import Paths

from .fakes import AnthropicFake, OpenAIFake
from .runs import (
    CORPUS,
    ROUNDS,
    SDKS,
    FakeClock,
    Killed,
    anthropic_api,
    batch_run,
    direct_wiki,
    kill,
    new_project,
    openai_api,
    options,
    page_request,
)


@pytest.mark.parametrize("provider", SDKS)
def test_batch_ingest_builds_the_same_wiki_as_direct_calls(tmp_path: Path, raw_guard: RawGuard, provider: str) -> None:
    make_fake, make_api = SDKS[provider]
    fake = make_fake(polls=2)
    paths = new_project(tmp_path / "batch", raw_guard)
    waits: list[Waiting] = []
    summary = batch_run(paths, provider, make_api(fake), waits=waits)
    assert not summary.report.failures and not summary.report.page_failures
    assert sorted(summary.report.ingested) == sorted(CORPUS)
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, provider)
    assert fake.creates == ROUNDS and len(summary.submitted) == ROUNDS
    assert fake.direct_calls == 0 and summary.direct == 0
    assert summary.batched == sum(len(items) for items in fake.batches.values())
    # every batch was polled until done: two "in progress" answers, then done
    assert [w.status.done for w in waits] == [False, False, True] * ROUNDS
    assert [w.next_poll for w in waits[:3]] == [0.01, pytest.approx(0.015), 0.0]  # backing off, then done
    assert in_flight_batches(paths) == []


@pytest.mark.parametrize("fate_of", ["errored", "expired", "invalid", "cut"])
@pytest.mark.parametrize("provider", SDKS)
def test_failed_batch_requests_fall_back_to_direct_calls(
    tmp_path: Path, raw_guard: RawGuard, provider: str, fate_of: str
) -> None:
    make_fake, make_api = SDKS[provider]
    # the first extraction and the first page write fail (a page text cannot be told invalid: it has no schema)
    kinds = ("extract",) if fate_of == "invalid" else ("extract", "write-page")
    bad: dict[str, str] = {}

    def fate(custom_id: str, kind: str) -> str:
        if kind in kinds and bad.setdefault(kind, custom_id) == custom_id:
            return fate_of
        return "succeeded"

    fake = make_fake(fate=fate)
    paths = new_project(tmp_path / "batch", raw_guard)
    summary = batch_run(paths, provider, make_api(fake))
    assert not summary.report.failures and not summary.report.page_failures
    assert summary.direct == fake.direct_calls == len(kinds)
    assert len(summary.failed) == summary.direct
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, provider)


def test_an_expired_openai_batch_keeps_what_finished_and_sends_the_rest_directly(
    tmp_path: Path, raw_guard: RawGuard
) -> None:
    expired: set[str] = set()

    def fate(custom_id: str, kind: str) -> str:
        if kind == "extract" and (not expired or custom_id in expired):
            expired.add(custom_id)
            return "expired"
        return "succeeded"

    fake = OpenAIFake(fate=fate, status_when_done="expired")
    paths = new_project(tmp_path / "batch", raw_guard)
    summary = batch_run(paths, "openai", openai_api(fake))
    assert summary.direct == fake.direct_calls == 1
    assert summary.batched == sum(len(items) for items in fake.batches.values()) - 1
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, "openai")


def test_a_failed_openai_batch_sends_all_its_requests_directly(tmp_path: Path, raw_guard: RawGuard) -> None:
    fake = OpenAIFake(status_when_done="failed")  # e.g. the input file did not validate: no output file at all
    paths = new_project(tmp_path / "batch", raw_guard)
    summary = batch_run(paths, "openai", openai_api(fake))
    assert summary.batched == 0 and summary.direct == fake.direct_calls > 0
    assert not summary.report.failures and not summary.report.page_failures
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, "openai")


@pytest.mark.parametrize("provider", SDKS)
def test_a_run_killed_after_submitting_is_collected_by_the_next_run_without_resubmitting(
    tmp_path: Path, raw_guard: RawGuard, provider: str
) -> None:
    make_fake, make_api = SDKS[provider]
    fake = make_fake(polls=1)
    paths = new_project(tmp_path / "batch", raw_guard)

    with pytest.raises(Killed):
        batch_run(paths, provider, make_api(fake), sleep=kill)
    assert fake.creates == 1
    [flight] = in_flight_batches(paths)
    assert flight.requests == len(CORPUS) and flight.provider == provider
    assert not (paths.wiki / "index.md").exists()  # nothing was applied

    summary = batch_run(paths, provider, make_api(fake))  # a new process: new clients, same provider
    assert summary.resumed == (flight.batch_id,)
    assert fake.creates == ROUNDS  # the first batch was collected, not sent again
    assert fake.direct_calls == 0
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, provider)
    assert in_flight_batches(paths) == []


@pytest.mark.parametrize("provider", SDKS)
def test_a_run_killed_between_submitting_and_recording_the_id_finds_that_batch_instead_of_resubmitting(
    tmp_path: Path, raw_guard: RawGuard, provider: str
) -> None:
    make_fake, make_api = SDKS[provider]
    fake = make_fake(polls=1)
    fake.die_after_create = True  # the provider made the batch; the run died before it heard the batch's id
    paths = new_project(tmp_path / "batch", raw_guard)
    with pytest.raises(Killed):
        batch_run(paths, provider, make_api(fake))
    [first] = fake.batches
    [intent] = in_flight_batches(paths)
    assert intent.submitting and intent.requests == len(CORPUS)

    fake.die_after_create = False
    summary = batch_run(paths, provider, make_api(fake))
    assert summary.resumed == (first,)
    assert fake.creates == ROUNDS and fake.direct_calls == 0  # found and collected, not submitted again
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, provider)
    assert in_flight_batches(paths) == []


def test_an_anthropic_batch_alike_to_another_one_still_running_is_told_apart_once_both_have_ended(
    tmp_path: Path, raw_guard: RawGuard
) -> None:
    fake = AnthropicFake(polls=3)
    fake.die_after_create = True
    paths = new_project(tmp_path / "batch", raw_guard)
    with pytest.raises(Killed):
        batch_run(paths, "anthropic", anthropic_api(fake))
    fake.die_after_create = False
    [mine] = fake.batches
    other = [(f"other-{i}", page_request(f"Other {i}")) for i in range(len(CORPUS))]
    twin = anthropic_api(fake).submit(other, "kwiki-someone-else")  # the same size, in the same workspace

    clock = FakeClock()
    polling = Polling(first=10, factor=2, longest=300, sleep=clock.sleep, clock=clock)
    with pytest.raises(BatchesStillRunning, match="cannot be told apart"):  # both still running at the deadline
        batch_run(paths, "anthropic", anthropic_api(fake), polling=polling, deadline=5)
    for batch_id in (mine, twin):
        while not anthropic_api(fake).status(batch_id).done:  # both end at the provider
            pass
    summary = batch_run(paths, "anthropic", anthropic_api(fake), polling=polling)
    assert summary.resumed == (mine,) and fake.creates == ROUNDS + 1  # ours, collected; the twin left alone
    assert fake.direct_calls == 0
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, "anthropic")


@pytest.mark.parametrize("provider", SDKS)
def test_a_run_killed_before_its_batch_was_made_submits_it_on_the_next_run(
    tmp_path: Path, raw_guard: RawGuard, provider: str
) -> None:
    make_fake, make_api = SDKS[provider]
    fake = make_fake()
    fake.die_before_create = True
    paths = new_project(tmp_path / "batch", raw_guard)
    with pytest.raises(Killed):
        batch_run(paths, provider, make_api(fake))
    assert fake.creates == 0 and [b.submitting for b in in_flight_batches(paths)] == [True]

    fake.die_before_create = False
    summary = batch_run(paths, provider, make_api(fake))
    assert summary.resumed == () and fake.creates == ROUNDS
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, provider)
    assert in_flight_batches(paths) == []


@pytest.mark.parametrize("provider", SDKS)
def test_a_batch_still_running_at_the_deadline_stops_the_wait_and_stays_recorded_for_the_next_run(
    tmp_path: Path, raw_guard: RawGuard, provider: str
) -> None:
    make_fake, make_api = SDKS[provider]
    fake = make_fake(polls=10**6)  # never ends while we wait
    paths = new_project(tmp_path / "batch", raw_guard)
    clock = FakeClock()
    polling = Polling(first=10, factor=2, longest=300, sleep=clock.sleep, clock=clock)
    with pytest.raises(BatchesStillRunning) as caught:
        batch_run(paths, provider, make_api(fake), polling=polling, deadline=100)
    assert clock.slept == [10, 20, 40, 30] and clock.now == 100  # the last wait cut to end at the deadline
    assert caught.value.exit_code == 3
    assert "100s deadline" in caught.value.message and "next `kwiki ingest" in caught.value.hint
    [flight] = in_flight_batches(paths)
    assert fake.creates == 1 and not flight.submitting

    fake.polls = 0  # it has ended by the next run
    summary = batch_run(paths, provider, make_api(fake), deadline=100)
    assert summary.resumed == (flight.batch_id,) and fake.creates == ROUNDS
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, provider)


@pytest.mark.parametrize("provider", SDKS)
def test_a_second_batch_run_with_nothing_to_do_submits_nothing(
    tmp_path: Path, raw_guard: RawGuard, provider: str
) -> None:
    make_fake, make_api = SDKS[provider]
    fake = make_fake()
    paths = new_project(tmp_path / "batch", raw_guard)
    batch_run(paths, provider, make_api(fake))
    before = wiki_pages(paths)
    summary = batch_run(paths, provider, make_api(fake))
    assert summary.submitted == () and fake.creates == ROUNDS
    assert summary.report.unchanged == len(CORPUS)
    assert wiki_pages(paths) == before


@pytest.mark.parametrize("provider", SDKS)
def test_a_long_source_sends_all_its_chunks_in_one_batch_and_builds_the_same_wiki(
    tmp_path: Path, raw_guard: RawGuard, provider: str
) -> None:
    long_text = "\n\n".join(
        f"## Part {i}\n\n" + f"Paragraph {i} says something about long sources. " * 60 for i in range(12)
    )  # ~37,000 characters: two chunks and a summary
    corpus = {**CORPUS, "long.md": source_text("Long", claims=("Long | Paragraph 1 says something.",), extra=long_text)}
    make_fake, make_api = SDKS[provider]
    trees = {}
    for mode in ("direct", "batch"):
        root = tmp_path / mode
        (root / "raw").mkdir(parents=True)
        (root / "wiki").mkdir()
        paths = Paths(root)
        write_raw(paths, corpus)
        raw_guard.freeze(paths)
        fake = make_fake()
        if mode == "direct":
            ingest(paths, make_api(fake).direct, options(provider))
        else:
            summary = batch_run(paths, provider, make_api(fake))
            assert not summary.report.failures and summary.direct == 0
            assert fake.creates == ROUNDS + 1  # both chunks in the first batch; the summary waits for them
        trees[mode] = wiki_pages(paths)
    assert trees["batch"] == trees["direct"]


@pytest.mark.parametrize("provider", SDKS)
def test_a_recorded_batch_the_provider_no_longer_knows_is_sent_directly(
    tmp_path: Path, raw_guard: RawGuard, provider: str
) -> None:
    make_fake, make_api = SDKS[provider]
    fake = make_fake(polls=1)
    paths = new_project(tmp_path / "batch", raw_guard)

    with pytest.raises(Killed):
        batch_run(paths, provider, make_api(fake), sleep=kill)
    fake.forget()  # deleted at the provider, or submitted with another account's key
    summary = batch_run(paths, provider, make_api(fake))
    assert summary.resumed == ("msgbatch_001" if provider == "anthropic" else "batch_001",)
    assert summary.direct == fake.direct_calls == len(CORPUS)
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, provider)
    assert in_flight_batches(paths) == []


def test_a_second_batch_run_of_the_project_stops_at_once_and_a_direct_ingest_leaves_its_batches_alone(
    tmp_path: Path, raw_guard: RawGuard
) -> None:
    fake = AnthropicFake()
    paths = new_project(tmp_path / "kb", raw_guard)
    with ProjectLock(paths.state_dir / "batch", "ingest --batch"), ProjectLock(paths.state_dir, "query"):
        with pytest.raises(LockedError) as caught:
            batch_run(paths, "anthropic", anthropic_api(fake))
        assert "ingest --batch" in caught.value.message
        runner = BatchRunner(paths, anthropic_api(fake), "anthropic", meter=Meter())
        assert runner.collect_finished() == ([], [])
    assert fake.creates == 0


def test_a_damaged_state_file_stops_a_batch_run_with_the_doctor_hint(tmp_path: Path, raw_guard: RawGuard) -> None:
    fake = AnthropicFake()
    paths = new_project(tmp_path / "kb", raw_guard)
    paths.state_dir.mkdir()
    paths.state_db.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(KwikiError, match="damaged") as caught:
        batch_run(paths, "anthropic", anthropic_api(fake))
    assert "doctor --fix" in caught.value.hint and fake.creates == 0
    assert in_flight_batches(paths) == []  # `kwiki status` and a plain ingest read past it
