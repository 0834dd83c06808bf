"""`kwiki doctor` and batches in flight: a repair of .kwiki/ never forgets a batch the provider is still running."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ingest.conftest import RawGuard, wiki_pages
from kwiki.batch.store import batch_db, in_flight_batches
from kwiki.cli import app
from kwiki.errors import KwikiError
from kwiki.project import Paths

from .fakes import AnthropicFake
from .runs import ROUNDS, Killed, anthropic_api, batch_run, direct_wiki, kill, new_project


def kwiki(paths: Paths, *args: str) -> Result:
    return CliRunner().invoke(app, ["--project", str(paths.root), *args])


def damage(file: Path) -> None:
    for extra in ("-wal", "-shm"):
        Path(f"{file}{extra}").unlink(missing_ok=True)
    file.write_bytes(b"SQLite format 3\x00" + os.urandom(3000))


def test_doctor_fix_of_a_damaged_state_file_keeps_the_batches_in_flight(
    tmp_path: Path, raw_guard: RawGuard, clean_env: None
) -> None:
    fake = AnthropicFake(polls=1)
    paths = new_project(tmp_path / "kb", raw_guard)
    with pytest.raises(Killed):
        batch_run(paths, "anthropic", anthropic_api(fake), sleep=kill)  # the first batch is in flight
    damage(paths.state_db)

    fixed = kwiki(paths, "doctor", "--fix", "--json")
    assert fixed.exit_code == 0, fixed.output
    batches = next(f for f in json.loads(fixed.stdout)["findings"] if f["check"] == "batches")
    assert batches["ok"] and batches["message"].startswith("1 in flight")
    assert list(paths.state_dir.glob("state.sqlite.broken-*"))
    [flight] = in_flight_batches(paths)

    summary = batch_run(paths, "anthropic", anthropic_api(fake))
    assert summary.resumed == (flight.batch_id,)
    assert fake.creates == ROUNDS and fake.direct_calls == 0  # collected, not paid for again
    assert wiki_pages(paths) == direct_wiki(tmp_path, raw_guard, "anthropic")


def test_a_damaged_batch_file_stops_a_batch_run_and_doctor_fix_sets_it_aside_and_says_what_to_check(
    tmp_path: Path, raw_guard: RawGuard, clean_env: None
) -> None:
    fake = AnthropicFake()
    paths = new_project(tmp_path / "kb", raw_guard)
    batch_db(paths).parent.mkdir(parents=True)
    damage(batch_db(paths))
    with pytest.raises(KwikiError, match=r"batches\.sqlite is damaged") as caught:
        batch_run(paths, "anthropic", anthropic_api(fake))
    assert "doctor --fix" in caught.value.hint and fake.creates == 0

    checked = kwiki(paths, "doctor")
    assert checked.exit_code == 1 and "batches.sqlite is damaged" in checked.stdout
    fixed = kwiki(paths, "doctor", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "provider's console" in " ".join(fixed.stdout.split())
    assert list(batch_db(paths).parent.glob("batches.sqlite.broken-*"))
    assert batch_run(paths, "anthropic", anthropic_api(fake)).submitted  # works again
