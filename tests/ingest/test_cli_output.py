"""What `kwiki ingest` and `ingest --plan` print: page writes with reasons, 80 columns, offline wording, hints."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.project import Paths

from .conftest import source_text, static_replies, write_raw

LONG_NAME = "2026/2026-01-12-second-brain-progressive-summarization-and-the-layers-of-a-note.md"


@pytest.fixture
def replies(tmp_path: Path) -> Path:
    return static_replies(tmp_path / "replies")


def _env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("KWIKI_") and not k.endswith("_API_KEY")}
    return keep | {"COLUMNS": "80"} | extra


def _kwiki(paths: Paths, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kwiki", *args, "--project", str(paths.root)],
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=120,
        check=False,
    )


def _fake(replies: Path) -> dict[str, str]:
    return {"KWIKI_PROVIDER": "fake", "KWIKI_FAKE_REPLIES": str(replies)}


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_plan_golden_output_at_80_columns_names_every_source_whole(project: Paths, replies: Path) -> None:
    write_raw(project, {LONG_NAME: source_text("Layers"), "2025/short.md": source_text("Short")})
    done = _kwiki(project, "ingest", "--plan", **_fake(replies))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(map(len, lines)) <= 80, max(lines, key=len)
    assert f"raw/{LONG_NAME}" in _flat(done.stdout).replace(" ", "") or f"raw/{LONG_NAME}" in done.stdout
    assert "raw/2025/short.md new, 1 chunk, ~" in _flat(done.stdout)
    assert "Pages to write" in done.stdout and "create wiki/sources/<title>.md (new source raw/2025/short.md)" in (
        _flat(done.stdout)
    )
    assert "…" not in done.stdout and "tokens. Nothing was written." in _flat(done.stdout)


def test_plan_lists_the_updates_a_changed_source_causes(project: Paths, replies: Path) -> None:
    write_raw(project, {"a.md": source_text("A"), "b.md": source_text("B")})
    assert _kwiki(project, "ingest", **_fake(replies)).returncode == 0
    write_raw(project, {"a.md": source_text("A", extra="A new paragraph.")})
    (project.raw / "b.md").unlink()
    plan = json.loads(_kwiki(project, "ingest", "--plan", "--json", **_fake(replies)).stdout)
    writes = {w["path"]: (w["action"], w["reason"]) for w in plan["pages"]}
    source_pages = [p for p in writes if p.startswith("sources/")]
    assert sorted(writes[p][0] for p in source_pages) == ["remove", "update"]
    assert ("update", "raw/a.md: changed") in writes.values()
    assert ("remove", "raw/b.md was deleted") in writes.values()
    assert writes["index.md"][0] == "update" and "log.md" in writes
    assert any(p.startswith("concepts/") for p in writes)  # Thing cites both sources


def test_plan_says_a_page_left_with_one_source_may_go(project: Paths, replies: Path) -> None:
    """It said `update … loses the claims of raw/b.md`; the run then removed the page (a page needs two sources)."""
    write_raw(project, {"a.md": source_text("A"), "b.md": source_text("B")})
    assert _kwiki(project, "ingest", **_fake(replies)).returncode == 0
    (project.raw / "b.md").unlink()
    plan = json.loads(_kwiki(project, "ingest", "--plan", "--json", **_fake(replies)).stdout)
    thing = next(w for w in plan["pages"] if w["path"].startswith("concepts/"))
    assert thing["reason"] == "raw/b.md was deleted, leaving one source: removed unless that source is about it"


def test_plan_with_the_offline_provider_shows_no_token_estimate(project: Paths) -> None:
    write_raw(project, {"a.md": source_text("A")})
    done = _kwiki(project, "ingest", "--plan", "--provider", "extractive")
    assert "~" not in done.stdout and "offline: no model calls, no tokens" in _flat(done.stdout)
    data = json.loads(_kwiki(project, "ingest", "--plan", "--json", "--provider", "extractive").stdout)
    assert data["estimated_tokens"] is None and "estimated_tokens" not in data["sources"][0]


def test_offline_run_reports_no_model_usage(project: Paths) -> None:
    write_raw(project, {"a.md": source_text("A", claims=("Notes link ideas.",))})
    done = _kwiki(project, "ingest", "--provider", "extractive")
    assert done.returncode == 0, done.stderr
    assert "llm: offline: no model calls, no tokens" in done.stdout
    assert "tokens in" not in done.stdout
    assert json.loads(_kwiki(project, "ingest", "--json", "--provider", "extractive").stdout)["llm"]["offline"]


def test_a_lost_state_with_identical_pages_says_so(project: Paths) -> None:
    write_raw(project, {"a.md": source_text("A", claims=("Notes link ideas.",))})
    assert _kwiki(project, "ingest", "--provider", "extractive").returncode == 0
    shutil.rmtree(project.state_dir)  # a fresh clone: the committed wiki, no .kwiki/
    done = _kwiki(project, "ingest", "--provider", "extractive")
    assert "sources: 1 ingested" in done.stdout
    assert "pages: none changed (the pages on disk were already identical" in done.stdout
    assert "0 created" not in done.stdout


def test_empty_raw_says_how_to_add_sources(project: Paths) -> None:
    for args in (["ingest"], ["ingest", "--plan"]):
        done = _kwiki(project, *args, "--provider", "extractive")
        assert done.returncode == 0
        assert "raw/ holds no sources yet: copy .md, .txt or .html files into raw/" in _flat(done.stdout)


def test_json_mode_prints_nothing_on_stderr(project: Paths, replies: Path) -> None:
    write_raw(project, {"a.md": source_text("A")})
    for args in (["ingest", "--json"], ["lint", "--json"], ["query", "--json", "notes"], ["status", "--json"]):
        done = _kwiki(project, *args)  # no provider set: the auto-pick notice is not printed in --json mode
        assert done.returncode in (0, 1) and done.stderr == "", (args, done.stderr)
        json.loads(done.stdout)


def test_a_fresh_project_lints_clean(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(tmp_path / "kb")]).exit_code == 0
    result = runner.invoke(app, ["lint", "--project", str(tmp_path / "kb")])
    assert result.exit_code == 0 and result.stdout.strip() == "0 errors, 0 warnings"


def _with_tty_stderr(paths: Paths, *args: str, **env: str) -> tuple[int, str, str]:
    """Run kwiki with stderr on a pseudo-terminal (as in an interactive shell) and stdout on a pipe."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kwiki", *args, "--project", str(paths.root)],
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            env=_env(TERM="xterm", **env),
            timeout=120,
            check=False,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    return done.returncode, done.stdout, b"".join(chunks).decode(errors="replace")


def test_progress_is_drawn_on_a_terminal_and_never_in_json_mode(project: Paths, replies: Path) -> None:
    write_raw(project, {f"n{i}.md": source_text(f"Note {i}") for i in range(3)})
    code, stdout, stderr = _with_tty_stderr(project, "ingest", **_fake(replies))
    assert code == 0 and "extract" in stderr and "sources: 3 ingested" in stdout
    write_raw(project, {"n0.md": source_text("Note 0", extra="Changed.")})
    code, stdout, stderr = _with_tty_stderr(project, "ingest", "--json", **_fake(replies))
    assert code == 0 and stderr == "" and json.loads(stdout)["sources"]["ingested"] == 1
    code, stdout, stderr = _with_tty_stderr(project, "lint", **_fake(replies))
    assert "checking the wiki" in stderr and "errors" in stdout


def test_no_progress_when_stderr_is_not_a_terminal(project: Paths, replies: Path) -> None:
    write_raw(project, {"a.md": source_text("A")})
    done = _kwiki(project, "ingest", **_fake(replies))
    assert "extract" not in done.stderr and "\x1b[" not in done.stderr
