"""Apply a run's results crash-safely: write the whole change set to a journal first, then apply it.

Every step of `apply` is idempotent (whole-file writes, upserts), so a run killed at any point is finished by
replaying the journal on the next start; a run killed before the journal exists left nothing behind but cache.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kwiki import vault
from kwiki.project import Paths
from kwiki.state import ContradictionRecord, PageRecord, SourceRecord, State

JOURNAL = "journal.json"


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


def apply(paths: Paths, changes: ChangeSet, state: State) -> None:
    vault.write_text(paths.state_dir, JOURNAL, json.dumps(_encode(changes), ensure_ascii=False))
    _apply(paths, changes, state)


def recover(paths: Paths, state: State) -> bool:
    """Finish a run that was killed after writing its journal; True when there was one."""
    vault.clean_temp_files(paths.wiki)
    vault.clean_temp_files(paths.state_dir)
    journal = paths.state_dir / JOURNAL
    if not journal.exists():
        return False
    _apply(paths, _decode(json.loads(journal.read_text(encoding="utf-8"))), state)
    return True


def _apply(paths: Paths, changes: ChangeSet, state: State) -> None:
    for rel, text in sorted(changes.files.items()):
        if text is None:
            vault.remove(paths.wiki, rel)
            vault.remove(paths.base_dir, rel)
        else:
            _write_if_changed(paths.wiki, rel, text)
            _write_if_changed(paths.base_dir, rel, changes.bases.get(rel, text))
    os.sync()  # one flush for the whole batch: the pages are on disk before state says they are
    with state.transaction():
        for path in changes.deleted_sources:
            state.delete_source(path)
        for record in changes.sources:
            state.put_source(record)
        for page in changes.deleted_pages:
            state.delete_page(page)
        for page_record in changes.pages:
            state.put_page(page_record)
        if changes.contradictions is not None:
            state.replace_contradictions(changes.contradictions)
        for key, value in changes.meta.items():
            state.put_meta(key, value)
    # state is committed last: its existence means the files above are in place
    vault.remove(paths.state_dir, JOURNAL)


def _write_if_changed(root: Path, rel: str, text: str) -> None:
    target = root / rel
    if target.is_file() and not target.is_symlink() and target.read_text(encoding="utf-8") == text:
        return
    vault.write_text(root, rel, text, durable=False)


def _encode(changes: ChangeSet) -> dict[str, Any]:
    """JSON-ready, without copying page texts twice: a base equal to its page is implied, not stored."""
    bases = {rel: text for rel, text in changes.bases.items() if changes.files.get(rel) != text}
    return {
        "files": changes.files,
        "bases": bases,
        "sources": [asdict(r) for r in changes.sources],
        "deleted_sources": changes.deleted_sources,
        "pages": [asdict(r) for r in changes.pages],
        "deleted_pages": changes.deleted_pages,
        "contradictions": None if changes.contradictions is None else [asdict(r) for r in changes.contradictions],
        "meta": changes.meta,
    }


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
