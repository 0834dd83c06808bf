"""`ingest --commit` commits exactly what the run changed under wiki/; `undo` reverts it and state follows."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.test_extractive import LUHMANN, MYTHS
from kwiki.cli import app
from kwiki.config import load_config
from kwiki.errors import ConfigError
from kwiki.gitops import GitError, commit_ingest, snapshot, undo
from kwiki.ingest import IngestOptions, IngestReport, ingest
from kwiki.offline import ExtractiveLLM
from kwiki.project import Paths

ARCHIVE = """---
title: The slip-box archive in Bielefeld
date: 2025-09-02
---
# The slip-box archive in Bielefeld

The Bielefeld archive digitized the Zettelkasten of Niklas Luhmann. Niklas Luhmann left the Zettelkasten to the
university. The Zettelkasten is now online for every reader.
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Paths:
    root = tmp_path / "kb"
    (root / "raw").mkdir(parents=True)
    (root / "wiki").mkdir()
    (root / "kwiki.toml").write_text('provider = "extractive"\n', encoding="utf-8")
    (root / "notes.txt").write_text("mine\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test User")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "kwiki.toml", "notes.txt")
    git(root, "commit", "-q", "-m", "start")
    return Paths(root)


def run(paths: Paths) -> IngestReport:
    return ingest(paths, ExtractiveLLM(), IngestOptions(today="2026-11-21", provider="extractive"))


def add_raw(paths: Paths, name: str, text: str) -> None:
    (paths.raw / name).write_text(text, encoding="utf-8")


def test_commit_holds_only_what_the_run_changed_under_wiki(repo: Paths) -> None:
    add_raw(repo, "luhmann.md", LUHMANN)
    (repo.root / "notes.txt").write_text("staged by me\n", encoding="utf-8")
    git(repo.root, "add", "notes.txt")
    report, commit = commit_ingest(repo, lambda: run(repo))
    assert commit is not None and report.ingested == ["luhmann.md"]
    files = git(repo.root, "show", "--name-only", "--format=", "HEAD").split()
    assert files and all(f.startswith("wiki/") for f in files)
    assert set(files) == {f"wiki/{p}" for p in snapshot(repo.wiki)}
    assert git(repo.root, "diff", "--cached", "--name-only").split() == ["notes.txt"]  # still staged, not committed
    assert "raw/luhmann.md" in git(repo.root, "status", "--porcelain", "--untracked-files=all")
    message = git(repo.root, "log", "-1", "--format=%B")
    assert message.startswith("kwiki ingest: 1 sources") and "- raw/luhmann.md" in message
    assert "Pages created:" in message and message.rstrip().endswith("Kwiki-Commit: ingest")


def test_nothing_changed_makes_no_commit_and_keeps_the_last_one_undoable(repo: Paths) -> None:
    add_raw(repo, "luhmann.md", LUHMANN)
    commit_ingest(repo, lambda: run(repo))
    head = git(repo.root, "rev-parse", "HEAD")
    _, again = commit_ingest(repo, lambda: run(repo))
    assert again is None and git(repo.root, "rev-parse", "HEAD") == head
    assert undo(repo).files  # a run without a commit keeps what undo needs for the last one


def test_undo_restores_the_previous_tree_and_a_reingest_restores_the_pages(repo: Paths) -> None:
    add_raw(repo, "luhmann.md", LUHMANN)
    add_raw(repo, "myths.md", MYTHS)
    commit_ingest(repo, lambda: run(repo))
    first_tree, first_wiki = git(repo.root, "rev-parse", "HEAD^{tree}"), snapshot(repo.wiki)
    add_raw(repo, "archive.md", ARCHIVE)
    _, second = commit_ingest(repo, lambda: run(repo))
    assert second is not None
    second_wiki = snapshot(repo.wiki)
    reverted = undo(repo)
    assert git(repo.root, "rev-parse", "HEAD^{tree}") == first_tree and snapshot(repo.wiki) == first_wiki
    assert reverted.files == second.files
    assert "Kwiki-Commit: undo" in git(repo.root, "log", "-1", "--format=%B")
    report, redo = commit_ingest(repo, lambda: run(repo))
    assert report.ingested == ["archive.md"] and redo is not None
    assert snapshot(repo.wiki) == second_wiki


def test_undo_refuses_after_a_hand_edit_and_when_head_is_not_kwikis(repo: Paths) -> None:
    add_raw(repo, "luhmann.md", LUHMANN)
    _, commit = commit_ingest(repo, lambda: run(repo))
    assert commit is not None
    page = repo.root / commit.files[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nMy own line.\n", encoding="utf-8")
    with pytest.raises(GitError, match="changed since kwiki's commit"):
        undo(repo)
    assert page.read_text(encoding="utf-8").endswith("My own line.\n")
    git(repo.root, "commit", "-q", "-am", "my edit")
    with pytest.raises(GitError, match="not a kwiki commit"):
        undo(repo)


def test_cli_ingest_commit_and_undo(repo: Paths) -> None:
    add_raw(repo, "luhmann.md", LUHMANN)
    runner = CliRunner()
    ingested = runner.invoke(app, ["--project", str(repo.root), "ingest", "--commit"])
    assert ingested.exit_code == 0, ingested.output
    assert "Kwiki-Commit: ingest" in git(repo.root, "log", "-1", "--format=%B")
    undone = runner.invoke(app, ["--project", str(repo.root), "undo"])
    assert undone.exit_code == 0 and "files restored" in undone.output
    again = runner.invoke(app, ["--project", str(repo.root), "undo"])
    assert again.exit_code == 1 and "already undid" in again.output


def test_commit_key_in_kwiki_toml_and_no_repository_message(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    (root / "raw").mkdir(parents=True)
    (root / "kwiki.toml").write_text('provider = "extractive"\ncommit = true\n', encoding="utf-8")
    (root / "raw" / "luhmann.md").write_text(LUHMANN, encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 1 and "is not inside a git repository" in result.output
    assert not (root / "wiki" / "index.md").exists()  # refused before doing any work


def test_commit_setting_reads_true_and_false_and_refuses_other_values() -> None:
    assert load_config(None, {}, {"KWIKI_COMMIT": "true"}).commit is True
    assert load_config(None, {}, {"KWIKI_COMMIT": "0"}).commit is False
    with pytest.raises(ConfigError, match="KWIKI_COMMIT must be true or false"):
        load_config(None, {}, {"KWIKI_COMMIT": "maybe"})


def test_undo_outside_a_repository_says_so(tmp_path: Path) -> None:
    (tmp_path / "kwiki.toml").write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(tmp_path), "undo"])
    assert result.exit_code == 1 and "is not inside a git repository" in result.output


def test_ingest_commit_json_keeps_stdout_json_and_says_the_commit_on_stderr(repo: Paths) -> None:
    add_raw(repo, "luhmann.md", LUHMANN)
    result = CliRunner().invoke(app, ["--project", str(repo.root), "ingest", "--commit", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["sources"]["ingested"] == 1
    assert "git: committed" in result.stderr
    again = CliRunner().invoke(app, ["--project", str(repo.root), "ingest", "--commit"])
    assert "git: nothing changed under wiki/, no commit" in again.stderr
