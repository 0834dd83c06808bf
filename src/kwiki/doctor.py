"""`kwiki doctor`: check .kwiki/ (lock, journal, state, temp files) and repair what is safe to repair.

Every repair keeps the user's data: a damaged state file or an unreadable journal is moved aside (renamed, never
deleted) and the next `kwiki ingest` re-derives what it held, from raw/ and the reply cache; a lock folder, a
stale lock note and temp files of a killed run hold nothing of value. Repairs run under the project lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kwiki import entries, journal
from kwiki.batch import store as batch_store
from kwiki.entries import Odd
from kwiki.lock import ProjectLock
from kwiki.project import Paths
from kwiki.state import State
from kwiki.vault import TEMP_SUFFIX, clean_temp_files

STATE_TABLES = frozenset({"sources", "pages", "contradictions", "meta"})


@dataclass(frozen=True)
class Finding:
    """One check: `ok`, or a problem with what `--fix` does about it (`fixed` once it did)."""

    check: str  # "folder" | "lock" | "journal" | "state" | "temp-files" | "batches" | "bases" | "vault"
    ok: bool
    message: str
    fix: str = ""
    fixed: bool = False


@dataclass(frozen=True)
class DoctorReport:
    state_dir: Path
    findings: tuple[Finding, ...]

    @property
    def healthy(self) -> bool:
        return all(f.ok or f.fixed for f in self.findings)


def doctor(paths: Paths, fix: bool = False) -> DoctorReport:
    """Check .kwiki/; with `fix`, repair under the project lock (a LockedError when another kwiki holds it)."""
    if paths.state_dir.exists() and not paths.state_dir.is_dir():
        problem = Finding("folder", False, f"{paths.state_dir} is not a folder", "move the file away by hand")
        return DoctorReport(paths.state_dir, (problem,))
    lock, busy = _lock(paths)
    found = [lock, *_inspect(paths, busy)]
    if not fix or all(f.ok for f in found):
        return DoctorReport(paths.state_dir, tuple(found))
    if not lock.ok:
        _remove_odd_lock(paths.state_dir / "lock")
    with ProjectLock(paths.state_dir, "doctor --fix"):  # taking it also clears a stale holder's note
        repaired = [_repair(paths, f) for f in _inspect(paths, busy=False)]
    return DoctorReport(paths.state_dir, (_fixed(lock), *repaired))


def _inspect(paths: Paths, busy: bool) -> list[Finding]:
    """State first: finishing a waiting journal needs a sound state file."""
    return [_state(paths), _journal(paths), _temp_files(paths, busy), _batches(paths), _bases(paths), _vault(paths)]


def _repair(paths: Paths, finding: Finding) -> Finding:
    repairs: dict[str, Callable[[Paths], str]] = {
        "journal": _repair_journal,
        "state": _set_aside_state,
        "temp-files": _clean_temp_files,
        "batches": _set_aside_batches,
        "bases": _remove_damaged_bases,
    }
    if finding.ok or finding.check not in repairs:  # the vault's odd entries are the user's to fix
        return finding
    done = repairs[finding.check](paths)
    return Finding(finding.check, False, finding.message, f"{finding.fix}{done}", fixed=True)


def _fixed(finding: Finding) -> Finding:
    return finding if finding.ok else Finding(finding.check, False, finding.message, finding.fix, fixed=True)


# --- the lock -----------------------------------------------------------------------------------------------


def _lock(paths: Paths) -> tuple[Finding, bool]:
    """(the finding, whether another process holds the lock right now)."""
    lock = paths.state_dir / "lock"
    if not lock.exists() and not lock.is_symlink():
        return Finding("lock", True, "free"), False
    if lock.is_symlink() or not lock.is_file():
        return Finding("lock", False, f"{lock} is not kwiki's lock file (a folder or a link)", "remove it"), False
    holder = _holder(lock)
    if holder is not None:
        return Finding("lock", True, f"held by {holder or 'another kwiki process'}"), True
    note = lock.read_text(encoding="utf-8", errors="replace").strip()
    if not note:
        return Finding("lock", True, "free"), False
    return Finding("lock", False, f"stale lock note: {note} (that process is gone)", "clear the note"), False


def _remove_odd_lock(lock: Path) -> None:
    if lock.is_dir() and not lock.is_symlink():
        shutil.rmtree(lock)
    elif lock.is_symlink() or (lock.exists() and not lock.is_file()):
        lock.unlink()


def _holder(lock: Path) -> str | None:
    """The holder's description while another process holds the lock; None when it is free."""
    with lock.open("r", encoding="utf-8", errors="replace") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip()
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


# --- the journal --------------------------------------------------------------------------------------------


def _journal(paths: Paths) -> Finding:
    file = paths.state_dir / journal.JOURNAL
    aside = sorted(p.name for p in paths.state_dir.glob(journal.BROKEN + "*"))
    leftovers = f"; set aside earlier: {', '.join(aside)} (safe to delete)" if aside else ""
    if not file.exists():
        return Finding("journal", True, "no interrupted run" + leftovers)
    why = _unreadable(file)
    if why:
        return Finding("journal", False, f"unreadable journal ({why})", "set it aside; the next ingest redoes its run")
    return Finding("journal", False, "an interrupted run's journal is waiting", "finish that run now")


def _unreadable(file: Path) -> str:
    try:
        json.loads(file.read_bytes().decode("utf-8"))["files"].items()
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        return type(err).__name__
    return ""


def _repair_journal(paths: Paths) -> str:
    if _unreadable(paths.state_dir / journal.JOURNAL):
        return f" (now .kwiki/{journal.set_aside(paths)})"
    with State.open(paths.state_db) as state:
        notes = journal.recover(paths, state).notes
    return "".join(f"; {note}" for note in notes)


# --- the state file -----------------------------------------------------------------------------------------


def _state(paths: Paths) -> Finding:
    if not paths.state_db.exists():
        return Finding("state", True, "no state yet (the first ingest creates it)")
    why = _state_problem(paths.state_db)
    if not why:
        return Finding("state", True, "state.sqlite is sound")
    return Finding("state", False, f"state.sqlite is damaged ({why})", "move it aside; the next ingest rebuilds it")


def _state_problem(db: Path) -> str:
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            check = connection.execute("PRAGMA quick_check").fetchall()
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.Error as err:
        return str(err)
    if check != [("ok",)]:
        return "; ".join(str(r[0]) for r in check[:3])
    missing = STATE_TABLES - tables
    return f"tables missing: {', '.join(sorted(missing))}" if missing else ""


def _set_aside_state(paths: Paths) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        part = paths.state_db.with_name(paths.state_db.name + suffix)
        if part.exists():
            os.replace(part, paths.state_db.with_name(f"{paths.state_db.name}.broken-{stamp}{suffix}"))
    return f" (now .kwiki/{paths.state_db.name}.broken-{stamp})"


# --- temp files ---------------------------------------------------------------------------------------------


def _temp_files(paths: Paths, busy: bool) -> Finding:
    count = sum(1 for root in (paths.wiki, paths.state_dir) for _ in root.rglob(f".*{TEMP_SUFFIX}"))
    if not count or busy:
        return Finding("temp-files", True, f"{count} in use by the running kwiki" if count else "none")
    return Finding("temp-files", False, f"{count} temp files left by a killed run", "delete them")


def _clean_temp_files(paths: Paths) -> str:
    removed = sum(clean_temp_files(root) for root in (paths.wiki, paths.state_dir) if root.is_dir())
    return f" ({removed} deleted)"


# --- batches in flight (kwiki ingest --batch) ---------------------------------------------------------------


def _batches(paths: Paths) -> Finding:
    """Kept in their own file (.kwiki/batch/batches.sqlite), which no other repair touches."""
    why = batch_store.file_problem(paths)
    if why:
        fix = "move it aside; the batches it recorded are no longer collected: see the provider's console"
        return Finding("batches", False, f"batch/batches.sqlite is damaged ({why})", fix)
    flying = batch_store.in_flight_batches(paths)
    if not flying:
        return Finding("batches", True, "none in flight")
    return Finding("batches", True, f"{len(flying)} in flight, kept by every repair (`kwiki ingest` collects them)")


def _set_aside_batches(paths: Paths) -> str:
    return f" (now .kwiki/{batch_store.set_aside(paths)})"


# --- the vault and the bases (entries.py) -------------------------------------------------------------------


def _unclean(root: Path, suffix: str) -> list[Odd]:
    """Entries named like files that are none, and files that are not UTF-8."""
    listing = entries.list_files(root, suffix)
    return sorted(
        [*listing.odd, *(o for rel in listing.names if (o := entries.read_text(root, rel)[1]))], key=lambda o: o.path
    )


def _listed(found: list[Odd], folder: str) -> str:
    shown = "; ".join(f"{folder}/{o.path}: {o.problem}" for o in found[:3])
    return shown + (f"; and {len(found) - 3} more" if len(found) > 3 else "")


def _bases(paths: Paths) -> Finding:
    found = _unclean(paths.base_dir, "")
    if not found:
        return Finding("bases", True, "every base is readable")
    fix = "delete them (kwiki's own copies: their pages are then kept whole as edited by hand)"
    return Finding("bases", False, _listed(found, ".kwiki/base"), fix)


def _remove_damaged_bases(paths: Paths) -> str:
    found = _unclean(paths.base_dir, "")
    for odd in found:
        (paths.base_dir / odd.path).unlink(missing_ok=True)
    return f" ({len(found)} deleted)"


def _vault(paths: Paths) -> Finding:
    found = _unclean(paths.wiki, ".md")
    if not found:
        return Finding("vault", True, "every page is a readable file")
    fixes = "; ".join(dict.fromkeys(o.fix for o in found))
    return Finding(
        "vault",
        False,
        _listed(found, paths.wiki.name) + " (kwiki skips them or does not rewrite them)",
        f"by hand: {fixes}",
    )
