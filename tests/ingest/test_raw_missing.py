"""A raw/ that is missing, links to a drive that is not mounted, or is suddenly empty is never read as "every
source was deleted": the run stops (exit 2) and the wiki stays. A source still there but unusable keeps its pages.
Found by a newcomer review (2026-12-03): each case removed the whole wiki and exited 0."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.errors import UsageError
from kwiki.project import Paths

from .conftest import run, scripted_llm, source_text, tree_digest, wiki_pages, write_raw, zettel_sources


def _ingested_from_a_linked_folder(project: Paths, tmp_path: Path) -> Path:
    """The project's raw/ as a link to a folder elsewhere (an external drive, a synced folder), ingested once."""
    drive = tmp_path / "drive"
    project.raw.rmdir()
    project.raw.symlink_to(drive, target_is_directory=True)
    drive.mkdir()
    zettel_sources(project)
    run(project, scripted_llm())
    return drive


def test_an_unmounted_raw_folder_stops_the_run_and_deletes_nothing(project: Paths, tmp_path: Path) -> None:
    drive = _ingested_from_a_linked_folder(project, tmp_path)
    before = tree_digest(project.wiki)
    drive.rename(tmp_path / "unplugged")
    result = CliRunner().invoke(app, ["--project", str(project.root), "--provider", "extractive", "ingest"])
    assert result.exit_code == 2, result.output
    assert "raw/ links to" in result.output and "nothing was ingested or deleted" in result.output
    assert tree_digest(project.wiki) == before


@pytest.mark.parametrize("how", ["missing", "empty"])
def test_a_missing_or_emptied_raw_folder_deletes_nothing(project: Paths, how: str) -> None:
    zettel_sources(project)
    run(project, scripted_llm())
    before = tree_digest(project.wiki)
    shutil.rmtree(project.raw)
    if how == "empty":
        project.raw.mkdir()  # a mount point whose drive is not mounted
    with pytest.raises(UsageError) as caught:
        run(project, scripted_llm())
    expected = "raw/ is missing" if how == "missing" else "raw/ is empty, but 2 sources were ingested from it"
    assert caught.value.message.startswith(expected) and "nothing was" in caught.value.message
    assert tree_digest(project.wiki) == before


def test_a_source_that_cannot_be_read_just_now_keeps_its_pages(project: Paths, tmp_path: Path) -> None:
    zettel_sources(project)
    run(project, scripted_llm())
    (project.raw / "n1.md").unlink()
    (project.raw / "n1.md").symlink_to(tmp_path / "unmounted" / "n1.md")  # a link to a drive that is not there
    report = run(project, scripted_llm())
    assert not report.deleted and "sources/note-1.md" in wiki_pages(project)
    assert any(s.path == "n1.md" and s.reason.startswith("dangling symlink") for s in report.skipped)


def test_a_source_emptied_on_purpose_is_deleted(project: Paths) -> None:
    zettel_sources(project)
    run(project, scripted_llm())
    (project.raw / "n1.md").write_text("  \n", encoding="utf-8")
    report = run(project, scripted_llm())
    assert list(report.deleted) == ["n1.md"] and "sources/note-1.md" not in wiki_pages(project)


def test_the_empty_raw_guard_looks_at_all_of_raw(project: Paths) -> None:
    """`kwiki ingest raw/sub` after emptying raw/sub deletes its sources: raw/ as a whole is not empty."""
    write_raw(project, {"sub/a.md": source_text("A", mentions=("Idea | concept | | central",))})
    run(project, scripted_llm())
    (project.raw / "sub" / "a.md").unlink()
    (project.raw / "photo.png").write_bytes(b"png")
    assert list(run(project, scripted_llm(), "sub").deleted) == ["sub/a.md"]
