"""State rows round-trip; the cheap listing used to tell what changed carries everything but the notes."""

from __future__ import annotations

from pathlib import Path

from kwiki.state import SourceRecord, State

PAGES = [
    (),
    ("sources/a.md",),
    ('sources/say "hi".md',),
    ("sources/é.md", "concepts/b.md"),
    ("sources/back\\slash.md",),
]


def test_sources_without_notes_are_the_same_records_with_an_empty_note(tmp_path: Path) -> None:
    records = [
        SourceRecord(f"s{n}.md", "0" * 64, n, n * 10, "key", "done", "", pages, '{"title": "x"}')
        for n, pages in enumerate(PAGES)
    ]
    with State.open(tmp_path / "state.sqlite") as state:
        with state.transaction():
            for record in records:
                state.put_source(record)
        assert state.sources() == records
        assert state.sources(notes=False) == [SourceRecord(**{**vars(r), "note": ""}) for r in records]
