"""Crash safety: `kwiki ingest` SIGKILLed at random points, then one normal run leaves a consistent wiki."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from kwiki.markdown import parse_page
from kwiki.project import Paths
from kwiki.state import State
from kwiki.vault import TEMP_SUFFIX

from .conftest import RawGuard, source_text, wiki_pages, write_raw

SOURCES = 30


def _replies(folder: Path) -> Path:
    folder.mkdir()
    lines = []
    for i in range(SOURCES):
        lines.append(
            json.dumps(
                {
                    "title": f"Crash note {i}",
                    "date": "2025-01-01",
                    "language": "en",
                    "summary": f"Note {i}.",
                    "tags": ["crash"],
                    "claims": [
                        {
                            "subject": f"Topic {i % 5}",
                            "statement": f"Topic {i % 5} matters.",
                            "quote": "every source says this sentence",
                        }
                    ],
                    "mentions": [
                        {
                            "name": f"Topic {i % 5}",
                            "type": "concept",
                            "aliases": [],
                            "description": "d",
                            "central": True,
                        }
                    ],
                }
            )
        )
    (folder / "extract.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "write-page.md").write_text('Text.\n\n> "every source says this sentence"\n', encoding="utf-8")
    (folder / "overview.md").write_text("Overview.", encoding="utf-8")
    return folder


def _no_kwiki_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KWIKI_") and not k.endswith("_API_KEY")}


def _env(replies: Path) -> dict[str, str]:
    return {
        **_no_kwiki_env(),
        "KWIKI_PROVIDER": "fake",
        "KWIKI_FAKE_REPLIES": str(replies),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _start(paths: Paths, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kwiki", "--project", str(paths.root), "ingest", "-c", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kwiki(paths: Paths, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "kwiki", "--project", str(paths.root), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_killed_runs_are_finished_by_the_next_run(project: Paths, raw_guard: RawGuard, tmp_path: Path) -> None:
    write_raw(
        project,
        {
            f"batch/note-{i:02d}.md": source_text(f"Note {i}", extra="every source says this sentence")
            for i in range(SOURCES)
        },
    )
    raw_guard.freeze(project)
    env = _env(_replies(tmp_path / "replies"))
    rng = random.Random(20260418)
    kills = 0
    for _ in range(8):
        process = _start(project, env)
        time.sleep(rng.uniform(0.05, 0.8))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        elif process.wait() == 0:  # it finished before the kill: start over so later kills land mid-run
            shutil.rmtree(project.wiki)
            shutil.rmtree(project.state_dir)
            project.wiki.mkdir()
        process.wait(timeout=30)
    assert kills >= 3
    final = _kwiki(project, env, "ingest", "--json")
    assert final.returncode == 0, final.stderr
    _assert_consistent(project)


def _assert_consistent(paths: Paths) -> None:
    pages = wiki_pages(paths)
    for rel, text in pages.items():
        if rel != "log.md":
            assert not parse_page(text).frontmatter_error, rel
    log = (paths.wiki / "log.md").read_text(encoding="utf-8")
    ingested = re.findall(r"^- source: `raw/(.+?)` ", log, flags=re.MULTILINE)
    assert sorted(ingested) == sorted(f"batch/note-{i:02d}.md" for i in range(SOURCES)), "one entry per source"
    assert len(re.findall(r"^## \[\d{4}-\d{2}-\d{2}\] ingest \| ", log, flags=re.MULTILINE)) == SOURCES
    with State.open(paths.state_db) as state:
        records = state.sources()
    assert {r.path for r in records} == {f"batch/note-{i:02d}.md" for i in range(SOURCES)}
    assert all(r.status == "done" and (paths.wiki / r.pages[0]).is_file() for r in records)
    leftovers = [p for root in (paths.wiki, paths.state_dir) for p in root.rglob(f"*{TEMP_SUFFIX}")]
    assert leftovers == []
    assert not (paths.state_dir / "journal.json").exists()


def test_sigterm_unwinds_like_ctrl_c_and_leaves_no_stale_lock(project: Paths, tmp_path: Path) -> None:
    """`timeout` and a cancelled CI job send SIGTERM: kwiki died with 143, no word, and a stale lock note that
    made `kwiki doctor` report a problem until the next run."""
    notes = {f"n/note-{i:04d}.md": source_text(f"Note {i}", extra="A sentence about notes. " * 80) for i in range(3000)}
    write_raw(project, notes)
    env = _no_kwiki_env()
    process = subprocess.Popen(
        [sys.executable, "-m", "kwiki", "--project", str(project.root), "--provider", "extractive", "ingest"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.0)
    assert process.poll() is None, "the run ended before it could be terminated"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143 and "terminated" in stderr, stderr
    doctor = _kwiki(project, env, "doctor", "--json")
    lock = next(f for f in json.loads(doctor.stdout)["findings"] if f["check"] == "lock")
    assert lock["ok"], lock


def test_sigterm_ends_the_mcp_server_at_once(project: Paths) -> None:
    """Unwinding like Ctrl-C left `kwiki mcp` waiting on its stdin after SIGTERM (found in review)."""
    env = _no_kwiki_env()
    process = subprocess.Popen(
        [sys.executable, "-m", "kwiki", "--project", str(project.root), "mcp"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.0)
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    try:
        process.wait(timeout=10)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == 143 and time.monotonic() - started < 5
