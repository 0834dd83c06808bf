"""Plan: which sources are pending and why, what they will cost — decided before any call is made."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kwiki.discover import Discovery, in_scope, read_source
from kwiki.extract import CHUNK_CHARS, split_text
from kwiki.llm.base import Usage
from kwiki.llm.prices import Pricing
from kwiki.prompts import prompts_hash
from kwiki.state import SourceRecord

if TYPE_CHECKING:
    from kwiki.knowledge import PagePlan

PROMPT_OVERHEAD_TOKENS = 1_500  # system prompt + schema + CLAUDE.md head, per call
REPLY_TOKENS = 900  # a typical extraction reply
PAGE_REPLY_TOKENS = 700  # of knowledge.PagePlan.estimated_tokens: the page body written


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


def compile_key(provider: str, model: str, schema: str | Path) -> str:
    """Prompts, model and CLAUDE.md (its text, or its path) together: a change to any makes every source pending."""
    if isinstance(schema, Path):
        schema = schema.read_text(encoding="utf-8") if schema.is_file() else ""
    parts = [prompts_hash(), provider, model, hashlib.sha256(schema.encode()).hexdigest()]
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


def estimated_cost(pending: Sequence[PendingSource], pages: Sequence[PagePlan], pricing: Pricing) -> float | None:
    """The plan's estimated tokens in dollars: each reply priced as output, the rest as uncached input."""
    output = sum(p.chunks for p in pending) * REPLY_TOKENS + len(pages) * PAGE_REPLY_TOKENS
    total = sum(p.estimated_tokens for p in pending) + sum(p.estimated_tokens for p in pages)
    return pricing.cost(Usage(total - output, output))
