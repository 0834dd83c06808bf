"""Damaged .kwiki/ contents give one-line errors that say how to recover, and `kwiki doctor` repairs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from kwiki.cli import app
from kwiki.errors import KwikiError
from kwiki.lock import ProjectLock
from kwiki.project import Paths
from kwiki.state import State

from .conftest import run, scripted_llm, source_text, wiki_pages, write_raw


@pytest.fixture
def fake_cli(project: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None) -> Paths:
    """A project ingested once (scripted fake), and the CLI with provider fake on static replies."""
    write_raw(
        project,
        {
            "a.md": source_text(
                "Alpha note", mentions=("Zettel | concept | | central",), claims=("Zettel | Zettels are small.",)
            )
        },
    )
    run(project, scripted_llm())
    replies = tmp_path / "replies"
    replies.mkdir()
    extract = {
        "title": "Static",
        "date": "",
        "language": "en",
        "summary": "S.",
        "tags": [],
        "claims": [],
        "mentions": [],
    }
    (replies / "extract.json").write_text(json.dumps(extract), encoding="utf-8")
    (replies / "overview.md").write_text("Overview.", encoding="utf-8")
    monkeypatch.setenv("KWIKI_PROVIDER", "fake")
    monkeypatch.setenv("KWIKI_FAKE_REPLIES", str(replies))
    return project


def _cli(paths: Paths, *args: str) -> Result:
    return CliRunner().invoke(app, ["--project", str(paths.root), *args])


def _damage_state(paths: Paths) -> None:
    for extra in ("-wal", "-shm"):
        Path(f"{paths.state_db}{extra}").unlink(missing_ok=True)
    paths.state_db.write_bytes(b"SQLite format 3\x00" + os.urandom(3000))


def test_a_healthy_project_is_reported_healthy(fake_cli: Paths) -> None:
    result = _cli(fake_cli, "doctor", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["healthy"] and {f["check"] for f in data["findings"]} >= {"lock", "state"}


def test_a_corrupt_state_file_is_a_one_line_error_and_doctor_fix_rebuilds_it(fake_cli: Paths) -> None:
    pages = wiki_pages(fake_cli)
    _damage_state(fake_cli)
    failed = _cli(fake_cli, "ingest")
    assert failed.exit_code == 1 and "Traceback" not in failed.output
    assert "state.sqlite is damaged" in failed.stderr and "kwiki doctor --fix" in failed.stderr
    assert _cli(fake_cli, "doctor").exit_code == 1
    fixed = _cli(fake_cli, "doctor", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert list(fake_cli.state_dir.glob("state.sqlite.broken-*"))
    assert run(fake_cli, scripted_llm()).ingested == ["a.md"]
    assert wiki_pages(fake_cli) == pages  # re-derived: the same wiki, no duplicate page, no new log entry
    assert _cli(fake_cli, "doctor").exit_code == 0


def test_state_open_refuses_a_damaged_file_with_a_hint(project: Paths) -> None:
    project.state_dir.mkdir()
    project.state_db.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(KwikiError, match="damaged") as caught:
        State.open(project.state_db)
    assert "doctor --fix" in caught.value.hint


def test_a_lock_that_is_a_folder_is_a_one_line_error_and_doctor_fix_removes_it(fake_cli: Paths) -> None:
    (fake_cli.state_dir / "lock").unlink()
    (fake_cli.state_dir / "lock" / "inside").mkdir(parents=True)
    failed = _cli(fake_cli, "ingest")
    assert failed.exit_code == 1 and "Traceback" not in failed.output and "lock" in failed.stderr
    assert "kwiki doctor --fix" in failed.stderr
    data = json.loads(_cli(fake_cli, "doctor", "--json").stdout)
    assert not data["healthy"] and [f["check"] for f in data["findings"] if not f["ok"]] == ["lock"]
    assert _cli(fake_cli, "doctor", "--fix").exit_code == 0
    assert (fake_cli.state_dir / "lock").is_file()
    assert _cli(fake_cli, "ingest").exit_code == 0


def test_a_truncated_journal_is_reported_and_set_aside(fake_cli: Paths) -> None:
    (fake_cli.state_dir / "journal.json").write_text('{"files": {"log.md": "hal', encoding="utf-8")
    data = json.loads(_cli(fake_cli, "doctor", "--json").stdout)
    assert [f["message"] for f in data["findings"] if not f["ok"]] == ["unreadable journal (JSONDecodeError)"]
    assert _cli(fake_cli, "doctor", "--fix").exit_code == 0
    assert not (fake_cli.state_dir / "journal.json").exists()
    assert len(list(fake_cli.state_dir.glob("journal.json.broken-*"))) == 1


def test_the_ingest_command_notes_a_set_aside_journal_instead_of_a_traceback(fake_cli: Paths) -> None:
    (fake_cli.state_dir / "journal.json").write_text("{not json", encoding="utf-8")
    result = _cli(fake_cli, "ingest")
    assert result.exit_code == 0 and "note: set aside the interrupted run's journal" in result.stderr


def test_doctor_fix_finishes_a_waiting_journal_and_removes_temp_files(fake_cli: Paths) -> None:
    data = {
        "files": {"notes/finished.md": "# finished\n"},
        "bases": {},
        "sources": [],
        "deleted_sources": [],
        "pages": [],
        "deleted_pages": [],
        "contradictions": None,
        "meta": {},
    }
    (fake_cli.state_dir / "journal.json").write_text(json.dumps(data), encoding="utf-8")
    (fake_cli.wiki / ".index.md.abcdefgh.kwiki-tmp").write_text("half", encoding="utf-8")
    result = _cli(fake_cli, "doctor")
    assert result.exit_code == 1 and "PROBLEM" in result.stdout and "temp-files" in result.stdout
    assert _cli(fake_cli, "doctor", "--fix").exit_code == 0
    assert (fake_cli.wiki / "notes/finished.md").read_text(encoding="utf-8") == "# finished\n"
    assert not list(fake_cli.wiki.glob(".*kwiki-tmp")) and not (fake_cli.state_dir / "journal.json").exists()


def test_a_stale_lock_note_is_cleared_and_a_held_lock_is_left_alone(fake_cli: Paths) -> None:
    (fake_cli.state_dir / "lock").write_text("`kwiki ingest` (pid 999999, started long ago)\n", encoding="utf-8")
    assert _cli(fake_cli, "doctor").exit_code == 1
    assert _cli(fake_cli, "doctor", "--fix").exit_code == 0
    assert (fake_cli.state_dir / "lock").read_text(encoding="utf-8") == ""
    (fake_cli.wiki / ".log.md.abcdefgh.kwiki-tmp").write_text("in flight", encoding="utf-8")
    with ProjectLock(fake_cli.state_dir, "ingest"):
        result = _cli(fake_cli, "doctor", "--fix", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and "held by `kwiki ingest`" in data["findings"][0]["message"]
    assert (fake_cli.wiki / ".log.md.abcdefgh.kwiki-tmp").is_file()  # another kwiki's write in flight


def test_a_lock_held_by_a_killed_process_is_free_again(fake_cli: Paths) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from kwiki.lock import ProjectLock\n"
                f"with ProjectLock(Path({str(fake_cli.state_dir)!r}), 'ingest'):\n"
                "    print('held', flush=True); time.sleep(60)"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert json.loads(_cli(fake_cli, "doctor", "--json").stdout)["findings"][0]["message"].startswith("held by")
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    time.sleep(0.05)
    assert _cli(fake_cli, "doctor", "--fix").exit_code == 0
    assert _cli(fake_cli, "ingest").exit_code == 0


def test_a_project_never_ingested_is_healthy(project: Paths) -> None:
    result = _cli(project, "doctor", "--fix")
    assert result.exit_code == 0 and "healthy" in result.stdout
    assert not project.state_dir.exists()
