"""Pages against raw/ and the state: stale pages, raw files never ingested, sources that failed last time."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import PurePosixPath

from kwiki.discover import HTML_SUFFIXES, TEXT_SUFFIXES, discover, read_bytes
from kwiki.errors import KwikiError
from kwiki.lint.model import Finding, finding
from kwiki.lint.pages import known_deleted
from kwiki.lint.snapshot import Vault
from kwiki.readers import READERS
from kwiki.state import SourceRecord

_READABLE = TEXT_SUFFIXES | HTML_SUFFIXES | READERS.keys()
_READ_AT_MOST = 16_000_000  # bytes lint reads of a never-ingested file to tell why ingest skips it


def _changed(vault: Vault, record: SourceRecord) -> bool:
    """Hash only when size or mtime moved, as ingest does: a touched but identical file is not a change."""
    path = vault.paths.raw / record.path
    try:  # a source replaced by a FIFO, a loop or an unreadable file has changed; reading it must not block
        stat = path.stat()
        if stat.st_size == record.size and stat.st_mtime_ns == record.mtime_ns:
            return False
        return hashlib.sha256(read_bytes(path)).hexdigest() != record.sha256
    except (OSError, KwikiError):
        return True


def _stale_sources(vault: Vault, records: tuple[SourceRecord, ...]) -> dict[str, list[str]]:
    """Page → the sources that changed or vanished since it was compiled."""
    deleted = known_deleted(vault)
    moved = {r.path: r for r in records if r.status == "done" and (r.path in deleted or _changed(vault, r))}
    stale: dict[str, list[str]] = {}
    for record in moved.values():
        for page in record.pages:
            stale.setdefault(page, []).append(record.path)
    for path, file in vault.pages.items():
        sources = file.page.frontmatter.get("sources")
        for source in sources if isinstance(sources, list) else []:
            if source in moved and source not in stale.get(path, []):
                stale.setdefault(path, []).append(source)
    return stale


def check(vault: Vault) -> Iterator[Finding]:
    if vault.state is None:
        return
    records = vault.state.sources
    deleted = known_deleted(vault)
    for page, sources in sorted(_stale_sources(vault, records).items()):
        if page in vault.pages:
            what = ", ".join(f"{s} ({'deleted' if s in deleted else 'changed'})" for s in sorted(sources))
            line = vault.pages[page].key_line("sources")
            yield finding("stale-page", vault.wiki_path(page), line, f"compiled before its sources changed: {what}")
    known = {r.path for r in records}
    new = [rel for rel in sorted(vault.raw - known) if PurePosixPath(rel).suffix.lower() in _READABLE]
    # ingest's own verdict on each: a file it always skips (empty, binary, not UTF-8, a FIFO…) would otherwise be
    # "never ingested" forever. A file too large to read here is left to ingest (kwiki.toml's max_source_mb).
    found = discover(vault.paths.raw, [vault.paths.raw / rel for rel in new], {}, _READ_AT_MOST) if new else None
    for skipped in found.skipped if found else ():
        if skipped.reason.startswith("too large"):
            yield finding("raw-not-ingested", vault.raw_path(skipped.path), 1, "never ingested")
            continue
        yield finding("raw-skipped", vault.raw_path(skipped.path), 1, f"ingest skips it: {skipped.reason}")
    for raw_file in found.found if found else ():
        yield finding("raw-not-ingested", vault.raw_path(raw_file.rel), 1, "never ingested")
    for record in records:
        if record.status == "failed" and record.path in vault.raw:
            yield finding("source-failed", vault.raw_path(record.path), 1, f"last ingest failed: {record.error}")
