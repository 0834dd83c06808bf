"""Batches in flight, in .kwiki/batch/batches.sqlite: what was submitted, so nothing is sent twice.

Its own file, not a table of state.sqlite: the batch records are about money spent at the provider, not about the
wiki, so `kwiki doctor --fix` (which moves a damaged state file aside) and `kwiki undo` (which puts the state back
as it was) leave them alone.

A batch is first an intent (`submitting`, under a fresh token), written before its submit request goes out; then
`in_flight` under the provider's id, from the moment the submit answered until its results are in the response
cache; then `collected`. An intent still there at the next run means the run died while submitting: the runner
asks the provider whether that batch exists (see BatchAPI.find) before sending its requests again. Each request
keeps its name and schema (to validate the reply) and, once collected, whether it `failed` (errored, expired,
refused, invalid): failed requests are sent directly on the next round. Rows are cleared when a batch run has
applied its result.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kwiki.batch.api import Intent
from kwiki.errors import KwikiError
from kwiki.llm.base import Request
from kwiki.project import Paths

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, provider TEXT NOT NULL, model TEXT NOT NULL, submitted TEXT NOT NULL,
    requests INTEGER NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batch_requests (
    batch_id TEXT NOT NULL, custom_id TEXT NOT NULL, name TEXT NOT NULL, schema TEXT NOT NULL,
    state TEXT NOT NULL, PRIMARY KEY (batch_id, custom_id));
"""
_LISTED = (
    "SELECT id, provider, model, submitted, requests, state = 'submitting' FROM batches"
    " WHERE state IN ('in_flight', 'submitting') ORDER BY submitted, id"
)


def batch_db(paths: Paths) -> Path:
    return paths.state_dir / "batch" / "batches.sqlite"


@dataclass(frozen=True)
class InFlight:
    """A batch submitted and not collected; `submitting`: its submit never answered, `batch_id` is our token."""

    batch_id: str
    provider: str
    model: str
    submitted: str
    requests: int
    submitting: bool = False


@dataclass(frozen=True)
class Recorded:
    """What a submitted request's reply must be checked against."""

    name: str
    schema: dict[str, Any] | None


class BatchStore:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[BatchStore]:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30)
        try:
            try:
                db.executescript(SCHEMA)
            except sqlite3.DatabaseError as err:
                raise damaged(path, err) from None
            yield cls(db)
        finally:
            db.close()

    def intend(self, provider: str, model: str, requests: Sequence[tuple[str, Request]]) -> Intent:
        """Record a batch before submitting it (committed: it outlives a kill during the submit)."""
        intent = Intent(f"kwiki-{uuid.uuid4().hex}", datetime.now(UTC), frozenset(key for key, _ in requests))
        rows = [(intent.token, key, r.name, json.dumps(r.schema) if r.schema else "", "waiting") for key, r in requests]
        with self._db:
            self._db.execute(
                "INSERT INTO batches VALUES (?, ?, ?, ?, ?, 'submitting')",
                (intent.token, provider, model, intent.since.isoformat(timespec="seconds"), len(rows)),
            )
            self._db.executemany("INSERT INTO batch_requests VALUES (?, ?, ?, ?, ?)", rows)
        return intent

    def submitted(self, token: str, batch_id: str) -> None:
        """The intent `token` is the provider's batch `batch_id`: in flight from now on."""
        with self._db:
            self._db.execute("UPDATE batches SET id = ?, state = 'in_flight' WHERE id = ?", (batch_id, token))
            self._db.execute("UPDATE batch_requests SET batch_id = ? WHERE batch_id = ?", (batch_id, token))

    def drop(self, token: str) -> None:
        """An intent whose batch the provider never made: its requests go out again."""
        with self._db:
            self._db.execute("DELETE FROM batch_requests WHERE batch_id = ?", (token,))
            self._db.execute("DELETE FROM batches WHERE id = ? AND state = 'submitting'", (token,))

    def intents(self, provider: str, model: str) -> list[Intent]:
        rows = self._db.execute(
            "SELECT id, submitted FROM batches WHERE state = 'submitting' AND provider = ? AND model = ?"
            " ORDER BY submitted, id",
            (provider, model),
        )
        return [Intent(token, datetime.fromisoformat(since), frozenset(self.requests(token))) for token, since in rows]

    def known_ids(self) -> set[str]:
        """Every provider batch id on record: an intent is never matched to one of them."""
        return {bid for (bid,) in self._db.execute("SELECT id FROM batches WHERE state != 'submitting'")}

    def in_flight(self, provider: str | None = None, model: str | None = None) -> list[InFlight]:
        """Batches submitted and not yet collected, oldest first; all of them when provider/model are None."""
        rows = self._db.execute(
            "SELECT id, provider, model, submitted, requests FROM batches WHERE state = 'in_flight'"
            " AND (? IS NULL OR provider = ?) AND (? IS NULL OR model = ?) ORDER BY submitted, id",
            (provider, provider, model, model),
        )
        return [InFlight(*row) for row in rows]

    def listed(self) -> list[InFlight]:
        """In flight and being submitted, for `kwiki status`."""
        rows = self._db.execute(_LISTED)
        return [
            InFlight(bid, provider, model, since, n, bool(submitting))
            for bid, provider, model, since, n, submitting in rows
        ]

    def requests(self, batch_id: str) -> dict[str, Recorded]:
        rows = self._db.execute("SELECT custom_id, name, schema FROM batch_requests WHERE batch_id = ?", (batch_id,))
        return {key: Recorded(name, json.loads(schema) if schema else None) for key, name, schema in rows}

    def collected(self, batch_id: str, failed: set[str]) -> None:
        with self._db:
            self._db.execute("UPDATE batches SET state = 'collected' WHERE id = ?", (batch_id,))
            self._db.execute("UPDATE batch_requests SET state = 'done' WHERE batch_id = ?", (batch_id,))
            self._db.executemany(
                "UPDATE batch_requests SET state = 'failed' WHERE batch_id = ? AND custom_id = ?",
                [(batch_id, key) for key in failed],
            )

    def failed(self, provider: str, model: str) -> set[str]:
        """Requests of collected batches that got no usable reply: the next round sends them directly."""
        rows = self._db.execute(
            "SELECT r.custom_id FROM batch_requests r JOIN batches b ON b.id = r.batch_id"
            " WHERE r.state = 'failed' AND b.provider = ? AND b.model = ?",
            (provider, model),
        )
        return {key for (key,) in rows}

    def clear_collected(self, provider: str, model: str) -> None:
        query = "SELECT id FROM batches WHERE state = 'collected' AND provider = ? AND model = ?"
        with self._db:
            ids = list(self._db.execute(query, (provider, model)))
            self._db.executemany("DELETE FROM batch_requests WHERE batch_id = ?", ids)
            self._db.executemany("DELETE FROM batches WHERE id = ?", ids)


def in_flight_batches(paths: Paths) -> list[InFlight]:
    """For `kwiki status` and doctor: every batch in flight or being submitted, read-only (none without a file)."""
    path = batch_db(paths)
    if not path.is_file():
        return []
    db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return BatchStore(db).listed() if "batches" in tables else []
    except sqlite3.DatabaseError:  # damaged: BatchStore.open reports it (and `kwiki doctor --fix` sets it aside)
        return []
    finally:
        db.close()


def file_problem(paths: Paths) -> str:
    """Why batches.sqlite cannot be read ("" when it is sound or absent), for `kwiki doctor`."""
    path = batch_db(paths)
    if not path.is_file():
        return ""
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            check = db.execute("PRAGMA quick_check").fetchall()
        finally:
            db.close()
    except sqlite3.Error as err:
        return str(err)
    return "" if check == [("ok",)] else "; ".join(str(row[0]) for row in check[:3])


def set_aside(paths: Paths) -> str:
    """Rename a damaged batches.sqlite (and its -wal/-shm) out of the way; the new name, relative to .kwiki/."""
    path = batch_db(paths)
    name = f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}"
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            os.replace(part, path.with_name(name + suffix))
    return f"{path.parent.name}/{name}"


def damaged(path: Path, why: object) -> KwikiError:
    return KwikiError(
        f"{path.parent.name}/{path.name} is damaged ({why})",
        "run `kwiki doctor --fix`: it moves the file aside (check the provider's console for batches in flight)",
    )
