"""Acceptance: a model hostile in every field cannot break a link, plant a URL, image or HTML, or name a page."""

from __future__ import annotations

from kwiki.project import Paths
from kwiki.state import State

from .adversary import SOURCES, adversary, unresolved_links, vault_problems
from .conftest import RawGuard, run, write_raw


def test_adversarial_model_leaves_a_clean_vault(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, SOURCES)
    raw_guard.freeze(project)
    report = run(project, adversary())
    assert not report.failures and not report.page_failures
    assert sorted(report.ingested) == sorted(SOURCES)
    assert unresolved_links(project) == []
    assert vault_problems(project) == []


def test_adversarial_alias_links_point_at_the_page(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, SOURCES)
    raw_guard.freeze(project)
    run(project, adversary())
    page = (project.wiki / "sources" / "note-1.md").read_text(encoding="utf-8")
    assert "[[large-language-model|LLM]]" in page
    assert "Nothing At All" in page and "[[Nothing At All]]" not in page


def test_adversarial_notes_are_bounded_in_state(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, SOURCES)
    raw_guard.freeze(project)
    run(project, adversary())
    with State.open(project.state_db) as state:
        notes = [r.note for r in state.sources()]
    assert notes and all(len(note) < 40_000 for note in notes)


def test_adversarial_rerun_is_stable(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, SOURCES)
    raw_guard.freeze(project)
    run(project, adversary())
    again = run(project, adversary())
    assert not again.ingested and not again.created and not again.updated
