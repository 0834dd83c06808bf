"""Apply a run's results crash-safely: check the whole change set, write it to a journal, then apply it.

Every step of `apply` is idempotent (whole-file writes, upserts), so a run killed at any point is finished by
replaying the journal on the next start; a run killed before the journal exists left nothing behind but cache.
Nothing can wedge a project: a change set with a name or size the file system cannot take is refused before it
is journaled; a replay that fails on one entry reports it and goes on; a journal that cannot be read is set aside
(the next run redoes its work, from cache); and a page edited by hand after the journal was written is merged
with kwiki's update (docs/design.md §5), never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kwiki import entries, vault
from kwiki.errors import KwikiError
from kwiki.merge import merge_page
from kwiki.project import Paths
from kwiki.slugs import check_name
from kwiki.state import ContradictionRecord, PageRecord, SourceRecord, State

JOURNAL = "journal.json"
BROKEN = JOURNAL + ".broken-"  # a journal that could not be read is renamed to this plus a time stamp
RETRY_PAGES = "retry_pages"  # meta key: set when a page could not be written, so the next run compiles again
MAX_FILE_BYTES = 16_000_000  # no page kwiki writes comes near this; a bigger one is a fault, not a page


@dataclass
class ChangeSet:
    """Everything one run changes: wiki files (None deletes), their bases, and state rows."""

    files: dict[str, str | None] = field(default_factory=dict)
    bases: dict[str, str] = field(default_factory=dict)  # the text kwiki generated, before merging human edits
    sources: list[SourceRecord] = field(default_factory=list)
    deleted_sources: list[str] = field(default_factory=list)
    pages: list[PageRecord] = field(default_factory=list)
    deleted_pages: list[str] = field(default_factory=list)
    contradictions: list[ContradictionRecord] | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.files or self.sources or self.deleted_sources or self.pages or self.deleted_pages) and (
            self.contradictions is None
        )


@dataclass(frozen=True)
class Recovery:
    """What `recover` did: whether a journal was replayed, and one line per thing the user should know."""

    replayed: bool = False
    notes: tuple[str, ...] = ()


def apply(paths: Paths, changes: ChangeSet, state: State) -> None:
    """Check, journal, apply; raises KwikiError (with nothing written) when the change set cannot be applied."""
    check(paths, changes)
    before = record(paths, changes)
    _apply(paths, changes, before, state, strict=True)


def check(paths: Paths, changes: ChangeSet) -> None:
    """Every target inside wiki/ and .kwiki/base/, a name the file system can hold, a sane size, not a folder."""
    for rel, text in changes.files.items():
        _check_entry(paths, rel, text, changes.bases.get(rel))


def record(paths: Paths, changes: ChangeSet) -> dict[str, str | None]:
    """Write the journal; it also holds each target's hash as it is now, to recognize a later human edit."""
    before = {rel: _digest(paths.wiki / rel) for rel in changes.files}
    data = {**_encode(changes), "before": before}
    # streamed: the change set is never held again as one JSON string (a first ingest of thousands of sources
    # would hold its pages several times over: the encoder's chunks, the joined text, its UTF-8 bytes)
    chunks = json.JSONEncoder(ensure_ascii=False).iterencode(data)
    vault.write_chunks(paths.state_dir, JOURNAL, chunks)
    return before


def recover(paths: Paths, state: State) -> Recovery:
    """Finish a run that was killed after writing its journal."""
    vault.clean_temp_files(paths.wiki)
    vault.clean_temp_files(paths.state_dir)
    journal = paths.state_dir / JOURNAL
    if not journal.exists():
        return Recovery()
    try:
        data = json.loads(journal.read_bytes().decode("utf-8"))
        changes, before = _decode(data), _before(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        aside = set_aside(paths)
        note = (
            f"set aside the interrupted run's journal: it cannot be read ({type(err).__name__}); it is now "
            f".kwiki/{aside} (this run redoes its work; delete the file when you like)"
        )
        return Recovery(False, (note,))
    return Recovery(True, tuple(_apply(paths, changes, before, state)))


def set_aside(paths: Paths) -> str:
    """Rename an unreadable journal out of the way (its run's work is redone by the next ingest, from cache)."""
    aside, n = BROKEN + time.strftime("%Y%m%d-%H%M%S"), 1
    while (paths.state_dir / aside).exists():  # never replace one set aside earlier in the same second
        n += 1
        aside = f"{BROKEN}{time.strftime('%Y%m%d-%H%M%S')}-{n}"
    os.replace(vault.safe_target(paths.state_dir, JOURNAL), vault.safe_target(paths.state_dir, aside))
    return aside


def _check_entry(paths: Paths, rel: str, text: str | None, base: str | None) -> None:
    check_name(rel)
    target, base_target = vault.safe_target(paths.wiki, rel), vault.safe_target(paths.base_dir, rel)
    if target.is_dir() or base_target.is_dir():
        where = target if target.is_dir() else base_target
        raise KwikiError(f"cannot write {where}: a folder has that name", "rename or move the folder")
    for body in (text, base):
        if body is None or len(body) * 4 <= MAX_FILE_BYTES:  # a character is at most 4 bytes: no need to encode
            continue
        size = len(body.encode("utf-8", errors="surrogatepass"))
        if size > MAX_FILE_BYTES:
            raise KwikiError(
                f"refusing to write wiki/{rel}: {size / 1e6:.1f} MB (at most {MAX_FILE_BYTES / 1e6:g} MB)",
                "a model reply this large is a fault; run `kwiki ingest` again or use another model",
            )


def _apply(
    paths: Paths, changes: ChangeSet, before: dict[str, str | None], state: State, strict: bool = False
) -> list[str]:
    """Apply every file, then state; returns one note per file that was merged, kept or could not be written.

    `strict` (a run applying its own journal) stops at the first failure, leaving the journal for the next run;
    a replay reports the failure and goes on, and the pages it could not write are redone by the next run.
    """
    notes: list[str] = []
    failed: set[str] = set()
    for rel, text in sorted(changes.files.items()):
        try:
            if not strict:  # a run's own change set was checked by `apply` a moment ago
                _check_entry(paths, rel, text, changes.bases.get(rel))
            note = _apply_file(paths, rel, text, changes.bases.get(rel, text or ""), before.get(rel, "?"))
        except (OSError, ValueError, KwikiError) as err:
            if strict:
                raise KwikiError(f"could not write wiki/{rel}: {err}", "fix the cause; the next run finishes") from None
            note = f"could not write wiki/{rel}: {err}"
            failed.add(rel)
        notes += [note] if note else []
    os.sync()  # one flush for the whole batch: the pages are on disk before state says they are
    if failed:  # state must not claim what is not on disk: those pages get no record and are written again
        changes.pages = [p for p in changes.pages if p.path not in failed]
        changes.meta[RETRY_PAGES] = "1"
    _commit(changes, state)
    # state is committed last: its existence means the files above are in place
    vault.remove(paths.state_dir, JOURNAL)
    return notes


def _apply_file(paths: Paths, rel: str, text: str | None, base: str, before: str | None) -> str:
    """One file; `before` is its hash when journaled ("?" when unknown). Returns a note, or "" when routine."""
    now, wanted = _digest(paths.wiki / rel), _sha(text)
    edited = now not in (before, wanted)
    if text is None:
        vault.remove(paths.base_dir, rel)
        if edited and now is not None:
            return f"kept wiki/{rel}: it was edited after the interrupted run, which would have deleted it"
        vault.remove(paths.wiki, rel)
        return ""
    if edited and now is not None:
        return _merge_edit(paths, rel, base)
    if now != wanted:
        vault.write_text(paths.wiki, rel, text, durable=False)
    if _digest(paths.base_dir / rel) != (wanted if base is text else _sha(base)):
        vault.write_text(paths.base_dir, rel, base, durable=False)
    return ""


def _merge_edit(paths: Paths, rel: str, base: str) -> str:
    """The page changed since it was journaled: merge it as any human edit (docs/design.md §5)."""
    old_base = paths.base_dir / rel
    disk, odd = entries.read_text(paths.wiki, rel)
    if odd is not None:  # not UTF-8, or no longer a file: never written over (entries.py)
        return f"kept wiki/{rel} as it is: {odd.problem} — {odd.fix}"
    merged = merge_page(entries.read_text(paths.base_dir, rel)[0] if old_base.is_file() else None, disk, base)
    vault.write_text(paths.wiki, rel, merged.text, durable=False)
    vault.write_text(paths.base_dir, rel, base, durable=False)
    if not merged.human_edited:  # an old journal (no hashes) and a page as kwiki left it: routine
        return ""
    outcome = "with a `kwiki update` callout" if merged.conflicts else "merged with kwiki's update"
    return f"kept your edit of wiki/{rel} made after the interrupted run ({outcome})"


def _commit(changes: ChangeSet, state: State) -> None:
    try:
        with state.transaction():
            for path in changes.deleted_sources:
                state.delete_source(path)
            state.put_sources(changes.sources)
            for page in changes.deleted_pages:
                state.delete_page(page)
            state.put_pages(changes.pages)
            if changes.contradictions is not None:
                state.replace_contradictions(changes.contradictions)
            for key, value in changes.meta.items():
                state.put_meta(key, value)
    except sqlite3.Error as err:  # rolled back: the journal stays, and the next run replays it again
        raise KwikiError(
            f"could not record the run in .kwiki/state.sqlite ({err})", "run `kwiki doctor`, then ingest again"
        ) from None


def _digest(path: Path) -> str | None:
    """sha256 of the file's bytes; None when there is no file (a folder, a link or a FIFO counts as content "!")."""
    try:
        mode = os.lstat(path).st_mode  # one call for is_symlink, exists and is_file
        if not stat.S_ISREG(mode):  # a link, a folder, a FIFO (never opened: it would block)…
            return "!"
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except FileNotFoundError:
        return None


def _sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def _before(data: dict[str, Any]) -> dict[str, str | None]:
    """Journals written before hashes were kept have none: every target then counts as possibly edited."""
    return {str(k): (None if v is None else str(v)) for k, v in dict(data.get("before", {})).items()}


def _encode(changes: ChangeSet) -> dict[str, Any]:
    """JSON-ready, without copying page texts twice: a base equal to its page is implied, not stored."""
    bases = {rel: text for rel, text in changes.bases.items() if changes.files.get(rel) != text}
    return {
        "files": changes.files,
        "bases": bases,
        "sources": [_row(r) for r in changes.sources],
        "deleted_sources": changes.deleted_sources,
        "pages": [_row(r) for r in changes.pages],
        "deleted_pages": changes.deleted_pages,
        "contradictions": None if changes.contradictions is None else [_row(r) for r in changes.contradictions],
        "meta": changes.meta,
    }


def _row(record: SourceRecord | PageRecord | ContradictionRecord) -> dict[str, Any]:
    """A flat record as a dict, without `asdict`'s deep copy (its tuples encode as JSON lists)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _decode(data: dict[str, Any]) -> ChangeSet:
    contradictions = data["contradictions"]
    return ChangeSet(
        files=dict(data["files"]),
        bases=dict(data["bases"]),
        sources=[SourceRecord(**{**r, "pages": tuple(r["pages"])}) for r in data["sources"]],
        deleted_sources=list(data["deleted_sources"]),
        pages=[PageRecord(**{**r, "sources": tuple(r["sources"])}) for r in data["pages"]],
        deleted_pages=list(data["deleted_pages"]),
        contradictions=None if contradictions is None else [ContradictionRecord(**r) for r in contradictions],
        meta=dict(data.get("meta", {})),
    )
