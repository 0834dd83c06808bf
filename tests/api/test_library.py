"""Issue 12: kwiki as a library: open a project, ingest, lint, query; locks and the search index come along."""

from __future__ import annotations

from pathlib import Path

import pytest

import kwiki
from kwiki.errors import LockedError
from kwiki.lock import ProjectLock

TEXT = """# The LLM OS

Andrej Karpathy describes the LLM OS: the model is the kernel process of a new operating system.
Andrej Karpathy says context windows work like RAM for the LLM OS.
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "raw").mkdir()
    (tmp_path / "wiki").mkdir()
    (tmp_path / "kwiki.toml").write_text("", encoding="utf-8")
    (tmp_path / "raw" / "llm-os.md").write_text(TEXT, encoding="utf-8")
    (tmp_path / "raw" / "ram.md").write_text(TEXT.replace("# The LLM OS", "# Context as RAM"), encoding="utf-8")
    return tmp_path


def test_open_ingest_lint_and_query_through_the_public_api(folder: Path) -> None:
    project = kwiki.open_project(folder / "wiki", provider="extractive", env={})
    report = project.ingest(today="2026-01-02")
    assert sorted(report.ingested) == ["llm-os.md", "ram.md"] and not report.failures
    assert (folder / "wiki" / "sources" / "the-llm-os.md").is_file()
    assert (folder / ".kwiki" / "search.sqlite").is_file()  # refreshed by ingest itself
    assert [f for f in project.lint().findings if f.severity == "error"] == []
    answer = project.query("What is the LLM OS?")
    assert answer.pages and answer.text
    saved = project.save(answer)
    assert saved.startswith("answers/") and (folder / "wiki" / saved).is_file()


def test_writing_calls_take_the_project_lock(folder: Path) -> None:
    project = kwiki.open_project(folder, provider="extractive", env={})
    with ProjectLock(folder / ".kwiki", "test"):
        with pytest.raises(LockedError):
            project.ingest()
        with pytest.raises(LockedError):
            project.lint(fix=True)
        assert project.lint().findings is not None  # a read-only lint needs no lock


def test_open_project_outside_a_project_says_how_to_start(tmp_path: Path) -> None:
    with pytest.raises(kwiki.KwikiError, match="no kwiki project"):
        kwiki.open_project(tmp_path)
