"""The search index: an FTS5 table of wiki pages in .kwiki/search.sqlite, refreshed incrementally from wiki/."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from kwiki.errors import KwikiError
from kwiki.markdown import parse_page
from kwiki.project import FOLDER_TYPES, Paths
from kwiki.vault import remove, safe_target
from kwiki.vocabulary import GENERATED, INDEX_FOLDER

INDEX_NAME = "search.sqlite"
SCHEMA_VERSION = 1
# Catalogues and registers list every page, so they would match almost any question without answering it.
HUB_PAGES = frozenset(GENERATED)
HUB_FOLDERS = frozenset({INDEX_FOLDER})
SCHEMA = """
CREATE TABLE pages (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, name TEXT NOT NULL, title TEXT NOT NULL,
    type TEXT NOT NULL, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL);
CREATE INDEX pages_name ON pages(name);
CREATE TABLE links (src INTEGER NOT NULL, name TEXT NOT NULL);
CREATE INDEX links_src ON links(src);
CREATE VIRTUAL TABLE fts USING fts5(title, aliases, headings, body,
    tokenize = 'porter unicode61 remove_diacritics 2');
INSERT INTO fts(fts, rank) VALUES ('rank', 'bm25(10.0, 8.0, 3.0, 1.0)');
"""


@dataclass(frozen=True)
class RefreshStats:
    """What one refresh did; `unchanged` counts pages whose stamp or hash matched the index."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


@contextmanager
def open_index(paths: Paths) -> Iterator[sqlite3.Connection]:
    """The index, created as needed; rebuilt when its schema is old or the file is damaged (it is a cache)."""
    paths.state_dir.mkdir(parents=True, exist_ok=True)
    target = safe_target(paths.state_dir, INDEX_NAME)
    try:
        db = _connect(target)
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode not in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):  # e.g. locked: not ours to fix
            raise
        for suffix in ("", "-wal", "-shm"):
            remove(paths.state_dir, INDEX_NAME + suffix)
        db = _connect(target)
    with closing(db):
        yield db


def _connect(target: Path) -> sqlite3.Connection:
    db = sqlite3.connect(target, isolation_level=None, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            _create(db)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _create(db: sqlite3.Connection) -> None:
    db.execute("BEGIN IMMEDIATE")
    if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:  # another process just built it
        db.execute("COMMIT")
        return
    try:
        for statement in ["DROP TABLE IF EXISTS " + t for t in ("pages", "links", "fts")] + SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
    except sqlite3.OperationalError as exc:
        db.execute("ROLLBACK")
        if "fts5" in str(exc):
            raise KwikiError("this Python's SQLite lacks FTS5", "use a Python build with FTS5") from exc
        raise
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    db.execute("COMMIT")


# --- refreshing -------------------------------------------------------------------------------------------


def searchable(rel: str) -> bool:
    """Whether a wiki-relative path belongs in the index: markdown pages, not hubs, nothing hidden."""
    parts = PurePosixPath(rel).parts
    return (
        rel.endswith(".md")
        and rel not in HUB_PAGES
        and parts[0] not in HUB_FOLDERS
        and not any(part.startswith(".") for part in parts)
    )


def _scan(wiki: Path) -> dict[str, tuple[int, int]]:
    """wiki-relative path → (mtime_ns, size) of every searchable page; symlinks are not followed."""
    found: dict[str, tuple[int, int]] = {}
    pending = [(wiki, "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            if entry.is_dir():
                pending.append((Path(entry.path), rel + "/"))
            elif entry.is_file(follow_symlinks=False) and searchable(rel):  # never a FIFO: reading it would block
                stat = entry.stat()
                found[rel] = (stat.st_mtime_ns, stat.st_size)
    return found


def refresh_index(paths: Paths) -> RefreshStats:
    """Bring the index in line with wiki/: pages whose mtime and size are unchanged are not even read."""
    on_disk = _scan(paths.wiki)
    with open_index(paths) as db:
        stamps = {row[0]: (row[1], row[2]) for row in db.execute("SELECT path, mtime_ns, size FROM pages")}
        if stamps == on_disk:  # the common case for a query: no write lock, nothing read
            return RefreshStats(unchanged=len(on_disk))
        db.execute("BEGIN IMMEDIATE")
        known = {row[0]: row[1:] for row in db.execute("SELECT path, id, mtime_ns, size, sha256 FROM pages")}
        gone = known.keys() - on_disk.keys()
        for rel in gone:
            _delete(db, known[rel][0])
        added = updated = unchanged = 0
        for rel, stamp in on_disk.items():
            outcome = _refresh_page(db, paths.wiki, rel, stamp, known.get(rel))
            added += outcome == "added"
            updated += outcome == "updated"
            unchanged += outcome == "unchanged"
        db.execute("COMMIT")
    return RefreshStats(added, updated, len(gone), unchanged)


def _refresh_page(
    db: sqlite3.Connection, wiki: Path, rel: str, stamp: tuple[int, int], old: tuple[Any, ...] | None
) -> str:
    if old is not None and (old[1], old[2]) == stamp:
        return "unchanged"
    try:
        data = (wiki / rel).read_bytes()
    except FileNotFoundError:  # deleted since the scan; the next refresh removes it
        return "unchanged"
    digest = hashlib.sha256(data).hexdigest()
    if old is not None and old[3] == digest:
        db.execute("UPDATE pages SET mtime_ns = ?, size = ? WHERE id = ?", (*stamp, old[0]))
        return "unchanged"
    if old is not None:
        _delete(db, old[0])
    _insert(db, rel, stamp, digest, data.decode("utf-8", errors="replace"))
    return "added" if old is None else "updated"


def _delete(db: sqlite3.Connection, page_id: int) -> None:
    db.execute("DELETE FROM pages WHERE id = ?", (page_id,))
    db.execute("DELETE FROM links WHERE src = ?", (page_id,))
    db.execute("DELETE FROM fts WHERE rowid = ?", (page_id,))


def _insert(db: sqlite3.Connection, rel: str, stamp: tuple[int, int], digest: str, text: str) -> None:
    page = parse_page(text)
    meta = page.frontmatter
    folder = PurePosixPath(rel).parts[0]
    heading = next((h.text for h in page.headings if h.level == 1), "")
    title = _text(meta.get("title")) or heading or _stem(rel)
    page_type = _text(meta.get("type")).lower() or FOLDER_TYPES.get(folder, "page")
    row = (rel, _stem(rel).casefold(), title, page_type, *stamp, digest)
    sql = "INSERT INTO pages (path, name, title, type, mtime_ns, size, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)"
    page_id = db.execute(sql, row).lastrowid
    aliases = " \n".join(_texts(meta.get("aliases")))
    headings = " \n".join(h.text for h in page.headings if h.level > 1)
    db.execute(
        "INSERT INTO fts (rowid, title, aliases, headings, body) VALUES (?, ?, ?, ?, ?)",
        (page_id, title, aliases, headings, page.body),
    )
    targets = {_stem(link.target).casefold() for link in page.links if link.target}
    db.executemany("INSERT INTO links (src, name) VALUES (?, ?)", [(page_id, t) for t in targets])


def _stem(target: str) -> str:
    """The basename a link or path names; basenames are unique vault-wide, so it identifies the page."""
    name = target.rsplit("/", 1)[-1]
    if name in ("", "."):  # a trailing slash or dot: pathlib's reading (a hub page links thousands of times)
        name = PurePosixPath(target).name
    return name[:-3] if name.lower().endswith(".md") else name


def _text(value: Any) -> str:
    """A frontmatter scalar as one line of text; humans may write numbers or dates where kwiki writes text."""
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [text for text in map(_text, items) if text]
