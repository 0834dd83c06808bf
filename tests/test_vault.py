"""The write guard is structural: inside a project, only wiki/ and .kwiki/ can be written, whatever root is passed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kwiki import vault
from kwiki.errors import UnsafePathError
from kwiki.project import Paths


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    for folder in ("raw", "wiki", ".kwiki"):
        (tmp_path / folder).mkdir()
    (tmp_path / "kwiki.toml").write_text("", encoding="utf-8")
    return Paths(tmp_path)


@pytest.mark.parametrize(("root", "rel"), [("raw", "x.md"), ("", "raw/x.md"), ("", "notes.md"), ("raw/sub", "x.md")])
def test_no_caller_can_write_raw_or_the_project_root(paths: Paths, root: str, rel: str) -> None:
    (paths.raw / "sub").mkdir()
    with pytest.raises(UnsafePathError):
        vault.write_text(paths.root / root, rel, "x")
    with pytest.raises(UnsafePathError):
        vault.remove(paths.root / root, rel)
    assert sorted(p.name for p in paths.raw.rglob("*")) == ["sub"]


def test_wiki_and_state_folders_are_writable(paths: Paths) -> None:
    vault.write_text(paths.wiki, "concepts/a.md", "a")
    vault.write_text(paths.base_dir, "concepts/a.md", "a")
    assert (paths.wiki / "concepts" / "a.md").read_text(encoding="utf-8") == "a"
    assert vault.remove(paths.base_dir, "concepts/a.md")


def test_init_creates_missing_files_only(paths: Paths) -> None:
    vault.create_new(paths.root, "CLAUDE.md", "schema")
    with pytest.raises(UnsafePathError):
        vault.create_new(paths.root, "CLAUDE.md", "other")
    assert (paths.root / "CLAUDE.md").read_text(encoding="utf-8") == "schema"


def test_chunks_are_written_as_one_file_and_only_the_finished_file_replaces_the_old(paths: Paths) -> None:
    vault.write_chunks(paths.state_dir, "journal.json", (f"{n}," for n in range(10_000)))
    assert (paths.state_dir / "journal.json").read_text(encoding="utf-8") == "".join(f"{n}," for n in range(10_000))

    def cut() -> Iterator[str]:
        yield "half of a new journal"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        vault.write_chunks(paths.state_dir, "journal.json", cut())
    assert (paths.state_dir / "journal.json").read_text(encoding="utf-8").startswith("0,1,2,")
    assert [p.name for p in paths.state_dir.iterdir()] == ["journal.json"]  # no temp file left


def test_chunks_cannot_be_written_outside_wiki_and_state(paths: Paths) -> None:
    with pytest.raises(UnsafePathError):
        vault.write_chunks(paths.root, "raw/x.md", iter(["x"]))
    assert not (paths.raw / "x.md").exists()


def test_a_symlinked_folder_inside_wiki_is_never_written_through(paths: Paths) -> None:
    (paths.wiki / "sources").symlink_to(paths.raw)
    with pytest.raises(UnsafePathError, match="symlink"):
        vault.write_text(paths.wiki, "sources/x.md", "x")
    with pytest.raises(UnsafePathError, match="symlink"):
        vault.write_chunks(paths.wiki, "sources/deeper/x.md", iter(["x"]))
    assert not list(paths.raw.iterdir())


def test_a_wiki_folder_replaced_by_a_link_to_raw_is_refused_after_earlier_writes(paths: Paths) -> None:
    vault.write_text(paths.wiki, "a.md", "a")  # the guard has seen this root before
    paths.wiki.rename(paths.root / "old-wiki")
    paths.wiki.symlink_to(paths.raw)
    with pytest.raises(UnsafePathError):
        vault.write_text(paths.wiki, "b.md", "b")
    assert not list(paths.raw.iterdir())
