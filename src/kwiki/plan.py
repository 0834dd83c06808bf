"""Plan: which sources are pending and why, what they will cost — decided before any call is made."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kwiki.discover import UNREADABLE_NOW, Discovery, in_scope, read_source
from kwiki.errors import UsageError
from kwiki.extract import CHUNK_CHARS, split_text
from kwiki.knowledge import PagePlan
from kwiki.llm.base import Usage
from kwiki.llm.prices import Pricing
from kwiki.notes import EXTRACT_SCHEMA, SUMMARIZE_SCHEMA
from kwiki.project import Paths
from kwiki.prompts import SCHEMA_CHARS, load_prompt, page_schema, prompts_hash
from kwiki.state import PageRecord, SourceRecord
from kwiki.vocabulary import KNOWLEDGE_TYPES

# Token estimates. Prompt overheads are measured from the prompt files, the JSON schema and the CLAUDE.md head;
# replies and the number of pages a source feeds are calibrated on the bundled corpus (24 sources → 26
# extraction calls, 58 page drafts, 1 overview) — tests/ingest/test_plan_estimate.py holds them to within 25%.
CHARS_PER_TOKEN = 4
EXTRACT_REPLY_TOKENS = 600  # a reply's fixed part (title, summary, mentions) ...
EXTRACT_REPLY_SHARE = 0.6  # ... plus claims and quotes, in proportion to the chunk
PAGES_PER_SOURCE = 2.5  # knowledge pages drafted for each extracted source
PAGE_PAYLOAD_TOKENS = 800  # a page's claims, its sources' titles and neighbour titles
PAGE_REPLY_TOKENS = 400
SUMMARY_TOKENS = 200  # one chunk's summary in the reduce call of a long source


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


def compile_parts(provider: str, model: str, schema: str | Path) -> dict[str, str]:
    """What a source is compiled with: the prompts, provider, model and CLAUDE.md (its text, or its path)."""
    if isinstance(schema, Path):
        schema = schema.read_text(encoding="utf-8") if schema.is_file() else ""
    digest = hashlib.sha256(schema.encode()).hexdigest()
    return {"prompts": prompts_hash(), "provider": provider, "model": model, "CLAUDE.md": digest}


def compile_key(provider: str, model: str, schema: str | Path) -> str:
    """The compile parts together: a change to any makes every source pending."""
    return key_of(compile_parts(provider, model, schema))


def key_of(parts: Mapping[str, str]) -> str:
    return hashlib.sha256("\0".join(parts.values()).encode()).hexdigest()[:16]


RECOMPILE = "prompts, model or CLAUDE.md changed"  # a source's pending reason when only how it is compiled changed
COMPILED_WITH = "compiled_with"  # state meta: the last run's compile parts, to say which one changed since


def recompile_reason(last: str | None, now: Mapping[str, str]) -> str:
    """Why sources are pending again though they did not change: what differs from the last run's compile parts
    (`RECOMPILE` when that is not known, as for a project compiled before kwiki kept them)."""
    try:
        before = json.loads(last) if last else {}
    except ValueError:
        before = {}
    before = before if isinstance(before, dict) else {}
    changed = [name for name, value in now.items() if before.get(name, value) != value]
    said = {"prompts": "kwiki's prompts changed (an upgrade)", "CLAUDE.md": "CLAUDE.md changed"}
    return "; ".join(said.get(name, f"{name} {before[name]} → {now[name]}") for name in changed) or RECOMPILE


def pending_reason(record: SourceRecord | None, sha256: str, key: str, recompile: str = RECOMPILE) -> str:
    if record is None:
        return "new"
    if record.sha256 != sha256:
        return "changed"
    if record.status != "done":
        return "failed last time"
    if record.compile_key != key:
        return recompile
    return ""


def plan_sources(
    raw: Path, discovery: Discovery, known: Mapping[str, SourceRecord], key: str, recompile: str = RECOMPILE
) -> SourcePlan:
    pending, unchanged = [], []
    schema = Paths(raw.parent).schema  # raw/ sits in the project root, beside CLAUDE.md
    text = schema.read_text(encoding="utf-8") if schema.is_file() else ""
    heads = len(text[:SCHEMA_CHARS]), len(page_schema(text))
    for found in discovery.found:
        reason = pending_reason(known.get(found.rel), found.sha256, key, recompile)
        if not reason:
            unchanged.append(found.rel)
            continue
        chunks = len(split_text(read_source(raw, found.rel))) if found.size > CHUNK_CHARS else 1
        pending.append(PendingSource(found.rel, reason, chunks, source_tokens(found.size, chunks, *heads)))
    missing = known.keys() - {f.rel for f in discovery.found}  # usually none: scope is checked for those only
    # a source that cannot be read just now (a link to a drive not mounted, no permission, a folder that cannot be
    # listed) keeps its pages; one that is gone, or is now empty or binary, is deleted
    kept = tuple(s.path for s in discovery.skipped if s.reason.startswith(UNREADABLE_NOW))
    deleted = [p for p in sorted(missing) if in_scope(p, discovery.scope) and not in_scope(p, kept)]
    if "" in discovery.scope:  # all of raw/ was looked at (`ingest raw/sub` deletes what is gone from sub/)
        _refuse_deleting_everything(discovery, known, deleted)
    return SourcePlan(tuple(pending), tuple(unchanged), tuple(deleted))


def _refuse_deleting_everything(discovery: Discovery, known: Mapping[str, SourceRecord], deleted: list[str]) -> None:
    """An empty raw/ where sources were ingested is a drive not mounted far more often than a deliberate purge."""
    if known and len(deleted) == len(known) and not discovery.found and not discovery.skipped:
        raise UsageError(
            f"raw/ is empty, but {len(known)} source{'s' if len(known) != 1 else ''} were ingested from it; "
            "nothing was deleted",
            "mount the drive or folder that holds your sources; to start over without them, delete wiki/ and .kwiki/",
        )


def source_tokens(size: int, chunks: int, extract_head: int, page_head: int) -> int:
    """Tokens in and out to extract a source of `size` characters in `chunks` chunks, reduce a long one,
    and draft its share of the knowledge pages; the heads are how much of CLAUDE.md those prompts carry."""
    text = size // CHARS_PER_TOKEN
    extract = chunks * (_overhead("extract", extract_head) + EXTRACT_REPLY_TOKENS) + text
    extract += int(text * EXTRACT_REPLY_SHARE)
    reduce = _overhead("summarize", 0) + (chunks + 1) * SUMMARY_TOKENS if chunks > 1 else 0
    page = _overhead("write-page", page_head) + PAGE_PAYLOAD_TOKENS + PAGE_REPLY_TOKENS
    return extract + reduce + int(PAGES_PER_SOURCE * page)


def total_tokens(pending: Sequence[PendingSource], drafts: Sequence[PagePlan], deleted: Sequence[str]) -> int:
    """The whole run: the pending sources, the page drafts already decided, and the overview call."""
    overview = _overhead("overview", 0) + PAGE_PAYLOAD_TOKENS + PAGE_REPLY_TOKENS if pending or deleted else 0
    return sum(p.estimated_tokens for p in pending) + sum(d.estimated_tokens for d in drafts) + overview


@cache
def _overhead(prompt: str, schema_head: int) -> int:
    """Tokens of a prompt with an empty payload: its system and user text, JSON schema and CLAUDE.md head."""
    template = load_prompt(prompt)
    schema = {"extract": EXTRACT_SCHEMA, "summarize": SUMMARIZE_SCHEMA}.get(prompt)
    chars = len(template.system) + len(template.user.template) + schema_head
    return (chars + (len(json.dumps(schema)) if schema else 0)) // CHARS_PER_TOKEN


@dataclass(frozen=True)
class PageWrite:
    """A page --plan expects the run to write. A new source's page is named from its title, known only after
    extraction: its path is the folder, "sources/"."""

    path: str  # wiki-relative
    action: str  # create | update | remove
    reason: str


CATALOGS = (("index.md", "lists every page"), ("overview.md", "the wiki in brief"), ("log.md", "one entry a source"))


def expected_writes(
    plan: SourcePlan,
    known: Mapping[str, SourceRecord],
    pages: Sequence[PageRecord],
    drafts: Sequence[PagePlan],
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
            writes.setdefault(page.path, PageWrite(page.path, "update", f"cites raw/{pending.path}, extracted again"))
    deleted = set(plan.deleted)
    for path in plan.deleted:
        for source_page in known[path].pages[:1]:
            writes[source_page] = PageWrite(source_page, "remove", f"raw/{path} was deleted")
        for page in _citing(pages, path):
            writes.setdefault(page.path, _losing(page, path, deleted))
    for draft in drafts:
        writes.setdefault(draft.path, PageWrite(draft.path, draft.action, draft.reason))
    if writes:
        for name, why in CATALOGS:
            writes[name] = PageWrite(name, "update" if (wiki / name).is_file() else "create", why)
    return tuple(writes.values())


def _losing(page: PageRecord, path: str, deleted: set[str]) -> PageWrite:
    """What happens to a page citing a deleted source: a page needs two sources, or one centrally about it."""
    left = len(set(page.sources) - deleted)
    if left == 0:
        return PageWrite(page.path, "remove", f"its only source raw/{path} was deleted")
    if left == 1 and page.kind in KNOWLEDGE_TYPES:  # whether that source is about it, extraction said: not the plan
        why = f"raw/{path} was deleted, leaving one source: removed unless that source is about it"
        return PageWrite(page.path, "update", why)
    return PageWrite(page.path, "update", f"loses the claims of raw/{path} was deleted")


def _citing(pages: Sequence[PageRecord], source: str) -> list[PageRecord]:
    return [page for page in pages if source in page.sources]


def estimated_cost(
    pending: Sequence[PendingSource],
    drafts: Sequence[PagePlan],
    deleted: Sequence[str],
    pricing: Pricing,
    *,
    batch: bool = False,
) -> float | None:
    """The plan's estimated tokens in dollars (at the batch price with `batch`): the replies priced as output,
    the rest as uncached input, all at the lower band of a model priced by prompt length (kwiki's prompts are
    bounded, far below any long-prompt threshold)."""
    total = total_tokens(pending, drafts, deleted)
    pages = int(PAGES_PER_SOURCE * len(pending)) + len(drafts) + (1 if pending or deleted else 0)
    output = sum(p.chunks for p in pending) * EXTRACT_REPLY_TOKENS + pages * PAGE_REPLY_TOKENS
    output = min(output, total)
    return pricing.cost(Usage(total - output, output), batch=batch, one_call=False)
