"""Batches in flight, in their own tables of .kwiki/state.sqlite: what was submitted, so nothing is sent twice.

A batch is `in_flight` from submission until its results are in the response cache, then `collected`. Each of
its requests keeps its name and schema (to validate the reply) and, once collected, whether it `failed` (errored,
expired, refused, invalid): failed requests are sent directly on the next round. Rows are cleared when a batch
run has applied its result.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kwiki.llm.base import Request
from kwiki.state import damaged

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, provider TEXT NOT NULL, model TEXT NOT NULL, submitted TEXT NOT NULL,
    requests INTEGER NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batch_requests (
    batch_id TEXT NOT NULL, custom_id TEXT NOT NULL, name TEXT NOT NULL, schema TEXT NOT NULL,
    state TEXT NOT NULL, PRIMARY KEY (batch_id, custom_id));
"""


@dataclass(frozen=True)
class InFlight:
    batch_id: str
    provider: str
    model: str
    submitted: str
    requests: int


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

    def record(self, batch_id: str, provider: str, model: str, requests: Sequence[tuple[str, Request]]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [(batch_id, key, r.name, json.dumps(r.schema) if r.schema else "", "waiting") for key, r in requests]
        with self._db:
            self._db.execute(
                "INSERT INTO batches VALUES (?, ?, ?, ?, ?, 'in_flight')", (batch_id, provider, model, now, len(rows))
            )
            self._db.executemany("INSERT INTO batch_requests VALUES (?, ?, ?, ?, ?)", rows)

    def in_flight(self, provider: str | None = None, model: str | None = None) -> list[InFlight]:
        """Batches submitted and not yet collected, oldest first; all of them when provider/model are None."""
        rows = self._db.execute(
            "SELECT id, provider, model, submitted, requests FROM batches WHERE state = 'in_flight'"
            " AND (? IS NULL OR provider = ?) AND (? IS NULL OR model = ?) ORDER BY submitted, id",
            (provider, provider, model, model),
        )
        return [InFlight(*row) for row in rows]

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


def in_flight_batches(state_db: Path) -> list[InFlight]:
    """For `kwiki status`: every batch in flight, read-only (none when the project has no state yet)."""
    if not state_db.is_file():
        return []
    db = sqlite3.connect(f"{state_db.absolute().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return BatchStore(db).in_flight() if "batches" in tables else []
    except sqlite3.DatabaseError:  # damaged: State.open reports it (and `kwiki doctor --fix` rebuilds it)
        return []
    finally:
        db.close()
