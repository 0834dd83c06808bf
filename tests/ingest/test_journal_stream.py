"""A large change set is journaled as a stream and replays exactly after a crash (the journal is never built as
one string in memory: `vault.write_chunks`, tested in tests/test_vault.py)."""

from __future__ import annotations

import json

from kwiki import journal
from kwiki.journal import ChangeSet
from kwiki.project import Paths
from kwiki.state import PageRecord, SourceRecord, State

PAGES = 2_000


def _large_change_set() -> ChangeSet:
    files: dict[str, str | None] = {f"sources/s{n}.md": f"# Source {n}\n\n" + "word «é» " * 300 for n in range(PAGES)}
    bases = {rel: text for rel, text in list(files.items())[::2] if text is not None}  # equal bases are implied
    bases["sources/s1.md"] = "# Source 1, as kwiki generated it\n"
    sources = [
        SourceRecord(f"s{n}.md", "0" * 64, 10, n, "key", "done", "", (f"sources/s{n}.md",), "{}") for n in range(PAGES)
    ]
    pages = [PageRecord(f"sources/s{n}.md", "source", f"s{n}.md", "h", (f"s{n}.md",)) for n in range(PAGES)]
    return ChangeSet(files=files, bases=bases, sources=sources, pages=pages, meta={"m": "1"})


def test_a_large_journal_written_before_a_crash_replays_every_file_base_and_record(project: Paths) -> None:
    project.state_dir.mkdir()
    changes = _large_change_set()
    journal.record(project, changes)  # the run is killed right after journaling
    stored = json.loads((project.state_dir / "journal.json").read_text(encoding="utf-8"))
    assert len(stored["files"]) == PAGES and list(stored["bases"]) == ["sources/s1.md"]

    with State.open(project.state_db) as state:
        recovery = journal.recover(project, state)  # what the next run does first
        assert recovery.replayed and not recovery.notes
        assert len(state.sources()) == PAGES and len(state.pages()) == PAGES and state.get_meta("m") == "1"
    for n in (0, 1, PAGES - 1):
        rel = f"sources/s{n}.md"
        assert (project.wiki / rel).read_text(encoding="utf-8") == changes.files[rel]
        assert (project.base_dir / rel).read_text(encoding="utf-8") == changes.bases.get(rel, changes.files[rel])
    assert not (project.state_dir / "journal.json").exists()
