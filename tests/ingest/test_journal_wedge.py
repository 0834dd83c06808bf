"""The journal cannot wedge a project: bad names are refused before journaling, a bad entry is reported and
skipped on replay, an unreadable journal is set aside, and a page edited after a crash keeps the edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kwiki import journal
from kwiki.errors import KwikiError
from kwiki.journal import ChangeSet
from kwiki.project import Paths
from kwiki.state import State

from .conftest import RawGuard, run, scripted_llm, source_text, wiki_pages, write_raw

PAGE = "concepts/zettel.md"
LONG_NAME = "sources/" + "知" * 88 + ".md"  # 264 bytes: what the character-counted slugs produced


def _ingested(paths: Paths) -> None:
    write_raw(
        paths,
        {
            "a.md": source_text(
                "Alpha note", mentions=("Zettel | concept | | central",), claims=("Zettel | Zettels are small.",)
            )
        },
    )
    assert run(paths, scripted_llm()).ingested == ["a.md"]


def _old_journal(paths: Paths, files: dict[str, str | None]) -> None:
    """A journal as a run killed after journaling leaves it (the format of every kwiki version)."""
    data = {
        "files": files,
        "bases": {},
        "sources": [],
        "deleted_sources": [],
        "pages": [],
        "deleted_pages": [],
        "contradictions": None,
        "meta": {},
    }
    (paths.state_dir / "journal.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _kwiki_update(text: str) -> str:
    return text.replace("_None yet._", "[[alpha-note|Alpha note]]")  # kwiki's change: the Related section


def test_a_change_set_with_an_impossible_name_is_refused_before_anything_is_journaled(project: Paths) -> None:
    _ingested(project)
    with State.open(project.state_db) as state, pytest.raises(KwikiError, match="bytes"):
        journal.apply(project, ChangeSet(files={LONG_NAME: "# x\n", "log.md": "changed\n"}), state)
    assert not (project.state_dir / "journal.json").exists()
    assert (project.wiki / "log.md").read_text(encoding="utf-8") != "changed\n"


def test_a_journal_holding_a_too_long_name_is_replayed_without_it_and_the_project_works(
    project: Paths, raw_guard: RawGuard
) -> None:
    _ingested(project)
    raw_guard.freeze(project)
    _old_journal(project, {LONG_NAME: "# long\n", "sources/fine.md": "# fine\n"})
    report = run(project, scripted_llm())
    assert report.recovered and any("sources/知" in note and "bytes" in note for note in report.recovery_notes)
    assert (project.wiki / "sources/fine.md").read_text(encoding="utf-8") == "# fine\n"
    assert not (project.state_dir / "journal.json").exists()
    assert not run(project, scripted_llm()).recovered


def test_a_replay_that_cannot_write_one_entry_reports_it_and_writes_the_others(project: Paths) -> None:
    _ingested(project)
    _old_journal(project, {"notes/blocked.md": "# blocked\n", "sources/fine.md": "# fine\n"})
    (project.wiki / "notes/blocked.md").mkdir(parents=True)
    report = run(project, scripted_llm())
    assert any("notes/blocked.md" in note for note in report.recovery_notes)
    assert (project.wiki / "sources/fine.md").is_file() and (project.wiki / "notes/blocked.md").is_dir()
    assert not (project.state_dir / "journal.json").exists()


def test_a_truncated_journal_is_set_aside_with_a_note_and_the_run_goes_on(project: Paths) -> None:
    _ingested(project)
    (project.state_dir / "journal.json").write_text('{"files": {"log.md": "half a pa', encoding="utf-8")
    report = run(project, scripted_llm())
    aside = list(project.state_dir.glob("journal.json.broken-*"))
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8").startswith('{"files"')
    assert any("set aside" in note and aside[0].name in note for note in report.recovery_notes)
    assert not (project.state_dir / "journal.json").exists()
    assert not run(project, scripted_llm()).recovery_notes


def test_a_page_edited_by_hand_after_a_crash_keeps_the_edit_and_gets_kwikis_update(project: Paths) -> None:
    _ingested(project)
    generated = (project.wiki / PAGE).read_text(encoding="utf-8")
    _old_journal(project, {PAGE: _kwiki_update(generated)})
    edited = generated.replace("Zettel as the sources describe it.", "Zettel, in my own words.")
    (project.wiki / PAGE).write_text(edited, encoding="utf-8")
    report = run(project, scripted_llm())
    text = (project.wiki / PAGE).read_text(encoding="utf-8")
    assert "Zettel, in my own words." in text and "Zettel as the sources describe it." not in text
    assert "## Related\n\n[[alpha-note|Alpha note]]" in text
    assert any(PAGE in note and "kept your edit" in note for note in report.recovery_notes)


def test_an_edit_made_after_journaling_is_kept_when_the_journal_recorded_the_page(project: Paths) -> None:
    _ingested(project)
    generated = (project.wiki / PAGE).read_text(encoding="utf-8")
    update = _kwiki_update(generated)
    journal.record(project, ChangeSet(files={PAGE: update}, bases={PAGE: update}))
    (project.wiki / PAGE).write_text(generated + "\nMy note at the end.\n", encoding="utf-8")
    run(project, scripted_llm())
    text = (project.wiki / PAGE).read_text(encoding="utf-8")
    assert "My note at the end." in text and "## Related\n\n[[alpha-note|Alpha note]]" in text


def test_an_unedited_page_is_replayed_exactly(project: Paths) -> None:
    _ingested(project)
    update = _kwiki_update((project.wiki / PAGE).read_text(encoding="utf-8"))
    journal.record(project, ChangeSet(files={PAGE: update}, bases={PAGE: update}))
    report = run(project, scripted_llm())
    assert report.recovered and not report.recovery_notes
    assert (project.wiki / PAGE).read_text(encoding="utf-8") == update


def test_a_deletion_replayed_after_a_hand_edit_keeps_the_page(project: Paths) -> None:
    _ingested(project)
    text = (project.wiki / PAGE).read_text(encoding="utf-8")
    journal.record(project, ChangeSet(files={PAGE: None}))
    (project.wiki / PAGE).write_text(text + "\nMine.\n", encoding="utf-8")
    report = run(project, scripted_llm())
    assert "Mine." in wiki_pages(project)[PAGE]
    assert any(PAGE in note and "kept" in note for note in report.recovery_notes)


def test_an_old_journal_without_hashes_replays_unedited_pages_without_notes(project: Paths) -> None:
    _ingested(project)
    update = _kwiki_update((project.wiki / PAGE).read_text(encoding="utf-8"))
    _old_journal(project, {PAGE: update})
    report = run(project, scripted_llm())
    assert report.recovered and not report.recovery_notes
    assert "## Related\n\n[[alpha-note|Alpha note]]" in (project.wiki / PAGE).read_text(encoding="utf-8")


def test_two_journals_set_aside_in_the_same_second_are_both_kept(project: Paths) -> None:
    project.state_dir.mkdir()
    for text in ("{first", "{second"):
        (project.state_dir / "journal.json").write_text(text, encoding="utf-8")
        journal.set_aside(project)
    kept = sorted(p.read_text(encoding="utf-8") for p in project.state_dir.glob("journal.json.broken-*"))
    assert kept == ["{first", "{second"]


def test_a_target_outside_wiki_is_refused_before_anything_is_journaled(project: Paths) -> None:
    _ingested(project)
    with State.open(project.state_db) as state, pytest.raises(KwikiError, match="refusing"):
        journal.apply(project, ChangeSet(files={"../outside.md": "x"}), state)
    assert not (project.state_dir / "journal.json").exists() and not (project.root / "outside.md").exists()


def test_a_symlinked_wiki_folder_fails_the_run_cleanly_and_removing_it_recovers(project: Paths, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    project.wiki.joinpath("sources").symlink_to(elsewhere)
    write_raw(project, {"a.md": source_text("Alpha note")})
    with pytest.raises(KwikiError, match="symlink"):
        run(project, scripted_llm())
    assert not (project.state_dir / "journal.json").exists() and not list(elsewhere.iterdir())
    project.wiki.joinpath("sources").unlink()
    assert run(project, scripted_llm()).ingested == ["a.md"]
