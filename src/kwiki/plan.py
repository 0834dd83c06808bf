"""Plan: which sources are pending and why, what they will cost — decided before any call is made."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kwiki.discover import Discovery, in_scope, read_source
from kwiki.extract import CHUNK_CHARS, split_text
from kwiki.knowledge import PagePlan
from kwiki.prompts import prompts_hash
from kwiki.state import PageRecord, SourceRecord

PROMPT_OVERHEAD_TOKENS = 1_500  # system prompt + schema + CLAUDE.md head, per call
REPLY_TOKENS = 900  # a typical extraction reply


@dataclass(frozen=True)
class PendingSource:
    path: str
    reason: str  # new | changed | failed last time | prompts, model or CLAUDE.md changed
    chunks: int
    estimated_tokens: int


@dataclass(frozen=True)
class SourcePlan:
    pending: tuple[PendingSource, ...]
    unchanged: tuple[str, ...]
    deleted: tuple[str, ...]


def compile_key(provider: str, model: str, schema_path: Path) -> str:
    """Prompts, model and CLAUDE.md together: changing any of them makes every source pending again."""
    schema = schema_path.read_bytes() if schema_path.is_file() else b""
    parts = [prompts_hash(), provider, model, hashlib.sha256(schema).hexdigest()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def pending_reason(record: SourceRecord | None, sha256: str, key: str) -> str:
    if record is None:
        return "new"
    if record.sha256 != sha256:
        return "changed"
    if record.status != "done":
        return "failed last time"
    if record.compile_key != key:
        return "prompts, model or CLAUDE.md changed"
    return ""


def plan_sources(raw: Path, discovery: Discovery, known: Mapping[str, SourceRecord], key: str) -> SourcePlan:
    pending, unchanged = [], []
    for found in discovery.found:
        reason = pending_reason(known.get(found.rel), found.sha256, key)
        if not reason:
            unchanged.append(found.rel)
            continue
        chunks = len(split_text(read_source(raw, found.rel))) if found.size > CHUNK_CHARS else 1
        tokens = found.size // 4 + chunks * (PROMPT_OVERHEAD_TOKENS + REPLY_TOKENS) + (900 if chunks > 1 else 0)
        pending.append(PendingSource(found.rel, reason, chunks, tokens))
    present = {f.rel for f in discovery.found}
    deleted = [p for p in sorted(known) if in_scope(p, discovery.scope) and p not in present]
    return SourcePlan(tuple(pending), tuple(unchanged), tuple(deleted))


@dataclass(frozen=True)
class PageWrite:
    """A page --plan expects the run to write. A new source's page is named from its title, known only after
    extraction: its path is the folder, "sources/"."""

    path: str  # wiki-relative
    action: str  # create | update | remove
    reason: str


CATALOGS = (("index.md", "lists every page"), ("overview.md", "the wiki in brief"), ("log.md", "one entry a source"))


def expected_writes(
    plan: SourcePlan, known: Mapping[str, SourceRecord], pages: Sequence[PageRecord], drafts: Sequence[PagePlan],
    wiki: Path,
) -> tuple[PageWrite, ...]:
    """The page writes a run would make, from the plan and the state: source pages of pending and deleted
    sources, the knowledge pages citing them, the drafts already decided, and the catalogs."""
    writes: dict[str, PageWrite] = {}
    for pending in plan.pending:
        record = known.get(pending.path)
        if record is None or not record.pages:
            writes.setdefault(f"new:{pending.path}", PageWrite("sources/", "create", f"new source raw/{pending.path}"))
            continue
        writes[record.pages[0]] = PageWrite(record.pages[0], "update", f"raw/{pending.path}: {pending.reason}")
        for page in _citing(pages, pending.path):
            writes.setdefault(page.path, PageWrite(page.path, "update", f"its source raw/{pending.path} changed"))
    for path in plan.deleted:
        for source_page in known[path].pages[:1]:
            writes[source_page] = PageWrite(source_page, "remove", f"raw/{path} was deleted")
        for page in _citing(pages, path):
            only = page.sources == (path,)
            action, why = ("remove", "its only source") if only else ("update", "loses the claims of")
            writes.setdefault(page.path, PageWrite(page.path, action, f"{why} raw/{path} was deleted"))
    for draft in drafts:
        writes.setdefault(draft.path, PageWrite(draft.path, draft.action, draft.reason))
    if writes:
        for name, why in CATALOGS:
            writes[name] = PageWrite(name, "update" if (wiki / name).is_file() else "create", why)
    return tuple(writes.values())


def _citing(pages: Sequence[PageRecord], source: str) -> list[PageRecord]:
    return [page for page in pages if source in page.sources]
