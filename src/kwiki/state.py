"""The project's memory in .kwiki/state.sqlite: sources, their extracted notes, pages, contradictions."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeAlias

from kwiki import vault
from kwiki.errors import KwikiError

CHECKED = ".checked"  # state.sqlite.checked: the file's stamp when kwiki last left it, checked and written by it

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    compile_key TEXT NOT NULL, status TEXT NOT NULL, error TEXT NOT NULL DEFAULT '',
    pages TEXT NOT NULL DEFAULT '[]', note TEXT NOT NULL DEFAULT '');
-- everything but the note, so that telling what changed (sources(notes=False)) never reads the notes
CREATE INDEX IF NOT EXISTS source_stamps ON sources (path, sha256, size, mtime_ns, compile_key, status, error, pages);
CREATE TABLE IF NOT EXISTS pages (
    path TEXT PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, input_hash TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS contradictions (
    id TEXT PRIMARY KEY, subject TEXT NOT NULL, page_a TEXT NOT NULL, page_b TEXT NOT NULL,
    source_a TEXT NOT NULL, source_b TEXT NOT NULL, claim_a TEXT NOT NULL, claim_b TEXT NOT NULL,
    status TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
-- the index's and overview's page metadata, valid while a page's (mtime_ns, size) is unchanged (generated.py)
CREATE TABLE IF NOT EXISTS catalog (
    path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, meta TEXT NOT NULL);
-- page → the digest of what kwiki rendered it from and of the base that came out (compile.py `_place`)
CREATE TABLE IF NOT EXISTS renders (path TEXT PRIMARY KEY, made TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pair_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

Stamped: TypeAlias = tuple[int, int, str]  # (mtime_ns, size, text derived from the file's content)


@dataclass(frozen=True)
class SourceRecord:
    """One raw source as of its last ingest; `note` is the extracted SourceNote as JSON ('' when failed)."""

    path: str
    sha256: str
    size: int
    mtime_ns: int
    compile_key: str
    status: str  # "done" | "failed"
    error: str = ""
    pages: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class PageRecord:
    """A knowledge page kwiki owns: `key` is its identity (normalized name), `input_hash` what it was written from."""

    path: str
    kind: str
    key: str
    input_hash: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContradictionRecord:
    id: str
    subject: str
    page_a: str
    page_b: str
    source_a: str
    source_b: str
    claim_a: str
    claim_b: str
    status: str  # "open" | "resolved" | "superseded"
    note: str = ""


class State:
    """A thin typed layer over sqlite; every write happens inside `transaction()`."""

    def __init__(self, connection: sqlite3.Connection, path: Path, recorded: str) -> None:
        self._db, self._path, self._recorded, self._wrote = connection, path, recorded, False

    @classmethod
    def open(cls, path: Path) -> State:
        """The state at `path` (created when missing); a damaged file is a KwikiError saying how to recover.

        The file is checked (`PRAGMA quick_check`, 0.1 s at 20,000 sources) unless it is exactly as kwiki left it
        after its last write: same size, times, inode and first page as recorded then (`kwiki doctor` always checks).
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp, recorded = _stamp(path), _recorded(path)
        try:
            connection = sqlite3.connect(path, isolation_level=None)
        except sqlite3.Error as err:
            raise _unopenable(path, err) from None
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            check = (
                ("ok",) if stamp != "" and stamp == recorded else connection.execute("PRAGMA quick_check(1)").fetchone()
            )
        except sqlite3.Error as err:
            connection.close()
            raise _unopenable(path, err) from None
        if check is None or check[0] != "ok":
            connection.close()
            raise damaged(path, check[0] if check else "no answer to an integrity check")
        return cls(connection, path, recorded)

    def close(self) -> None:
        """Close; after a write, record the file's stamp, so that the next open can skip the check."""
        self._db.close()
        stamp = _stamp(self._path) if self._wrote else ""
        if stamp and stamp != self._recorded:
            vault.write_text(self._path.parent, self._path.name + CHECKED, stamp, durable=False)

    def __enter__(self) -> State:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        self._wrote = True
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def sources(self, notes: bool = True) -> list[SourceRecord]:
        """Every source; `notes=False` leaves each `note` empty (enough to tell what changed, at a fraction of
        the cost: the notes are most of the file)."""
        columns = "*" if notes else "path, sha256, size, mtime_ns, compile_key, status, error, pages, ''"
        rows = self._db.execute(f"SELECT {columns} FROM sources ORDER BY path").fetchall()
        return [
            SourceRecord(p, sha, size, mtime, key, status, error, _paths(pages), note)
            for p, sha, size, mtime, key, status, error, pages, note in rows
        ]

    def put_source(self, record: SourceRecord) -> None:
        self.put_sources([record])

    def put_sources(self, records: Iterable[SourceRecord]) -> None:
        rows = (
            (r.path, r.sha256, r.size, r.mtime_ns, r.compile_key, r.status, r.error, json.dumps(list(r.pages)), r.note)
            for r in records
        )
        self._db.executemany("INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?,?,?,?,?)", rows)

    def delete_source(self, path: str) -> None:
        self._db.execute("DELETE FROM sources WHERE path = ?", (path,))

    def pages(self) -> list[PageRecord]:
        rows = self._db.execute("SELECT path, kind, key, input_hash, sources FROM pages ORDER BY path")
        return [PageRecord(r[0], r[1], r[2], r[3], tuple(json.loads(r[4]))) for r in rows]

    def put_page(self, record: PageRecord) -> None:
        self.put_pages([record])

    def put_pages(self, records: Iterable[PageRecord]) -> None:
        rows = ((r.path, r.kind, r.key, r.input_hash, json.dumps(list(r.sources))) for r in records)
        self._db.executemany("INSERT OR REPLACE INTO pages VALUES (?,?,?,?,?)", rows)

    def delete_page(self, path: str) -> None:
        self._db.execute("DELETE FROM pages WHERE path = ?", (path,))

    def contradictions(self) -> list[ContradictionRecord]:
        rows = self._db.execute("SELECT * FROM contradictions ORDER BY id").fetchall()
        return [ContradictionRecord(*row) for row in rows]

    def add_contradictions(self, records: Iterable[ContradictionRecord]) -> None:
        for r in records:
            self._db.execute(
                "INSERT OR REPLACE INTO contradictions VALUES (?,?,?,?,?,?,?,?,?,?)",
                (r.id, r.subject, r.page_a, r.page_b, r.source_a, r.source_b, r.claim_a, r.claim_b, r.status, r.note),
            )

    def replace_contradictions(self, records: Iterable[ContradictionRecord]) -> None:
        self._db.execute("DELETE FROM contradictions")
        self.add_contradictions(records)

    def catalog(self) -> dict[str, Stamped]:
        """wiki path → (mtime_ns, size, metadata JSON) of each page as the last run read it."""
        rows = self._db.execute("SELECT path, mtime_ns, size, meta FROM catalog")
        return {path: (mtime, size, meta) for path, mtime, size, meta in rows}

    def update_catalog(self, old: Mapping[str, Stamped], new: Mapping[str, Stamped]) -> None:
        """From `old` (the catalog as this run read it) to `new`, writing only the rows that differ."""
        with self.transaction():
            self._db.executemany("DELETE FROM catalog WHERE path = ?", ((path,) for path in old.keys() - new.keys()))
            rows = ((path, *entry) for path, entry in new.items() if old.get(path) != entry)
            self._db.executemany("INSERT OR REPLACE INTO catalog VALUES (?,?,?,?)", rows)

    def renders(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT path, made FROM renders").fetchall())

    def put_renders(self, made: Mapping[str, str]) -> None:
        with self.transaction():
            self._db.executemany("INSERT OR REPLACE INTO renders VALUES (?,?)", made.items())

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def pair_cache_get(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM pair_cache WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def pair_cache_put(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO pair_cache VALUES (?, ?)", (key, value))


def _stamp(path: Path) -> str:
    """Size, times and inode of the file, and a hash of its first page; "" when there is no file or it has a
    write-ahead log (a writer was killed, or is still at work)."""
    try:
        info = os.stat(path)
        if os.path.exists(f"{path}-wal") and os.path.getsize(f"{path}-wal"):
            return ""
        with open(path, "rb") as handle:
            head = hashlib.sha256(handle.read(4096)).hexdigest()
    except OSError:
        return ""
    return f"{info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_ino} {head}"


def _recorded(path: Path) -> str:
    try:
        return Path(f"{path}{CHECKED}").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _unopenable(path: Path, err: sqlite3.Error) -> KwikiError:
    """A state file on a read-only (or someone else's) folder cannot be opened, but it is not damaged: moving it
    aside, as for damage, would be wrong advice."""
    folder = path.parent
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    if not read_only and os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK)):
        return damaged(path, err)
    why = "is on a read-only file system" if read_only else "is not writable by you"
    return KwikiError(
        f"cannot open {folder.name}/{path.name} ({err}): {folder.name}/ {why}",
        f"kwiki needs {folder.name}/ writable, even to read its state (sqlite's write-ahead log): run it where it "
        "may write, or on a copy of the project",
    )


def damaged(path: Path, why: object) -> KwikiError:
    return KwikiError(
        f"{path.parent.name}/{path.name} is damaged ({why})",
        "run `kwiki doctor --fix`: it moves the file aside and the next `kwiki ingest` rebuilds it (from cache)",
    )


def _paths(text: str) -> tuple[str, ...]:
    """A JSON list of page paths; the usual one page (no quote or escape in it) is read without the JSON parser."""
    if text.startswith('["') and text.endswith('"]') and '"' not in text[2:-2] and "\\" not in text:
        return (text[2:-2],)
    return tuple(json.loads(text))
