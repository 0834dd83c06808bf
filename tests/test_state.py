"""State rows round-trip; the cheap listing used to tell what changed carries everything but the notes; a file
changed behind kwiki's back is checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kwiki.errors import KwikiError
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


def _written(path: Path) -> None:
    with State.open(path) as state, state.transaction():
        state.put_meta("k", "v" * 5000)


def test_a_state_file_changed_after_kwikis_last_write_is_checked_again(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    _written(db)
    assert (tmp_path / "state.sqlite.checked").is_file()  # the stamp of the file as kwiki left it
    with State.open(db) as state:  # unchanged: opens (without the check)
        assert state.get_meta("k") == "v" * 5000
    info = db.stat()
    data = bytearray(db.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # in place: same size, same first page, the old modification time
    db.write_bytes(bytes(data))
    os.utime(db, ns=(info.st_atime_ns, info.st_mtime_ns))
    with pytest.raises(KwikiError, match="damaged"):
        State.open(db).close()


def test_a_session_that_only_reads_writes_no_stamp(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    with State.open(db) as state:
        assert state.get_meta("k") is None
    assert [p.name for p in tmp_path.iterdir()] == ["state.sqlite"]
