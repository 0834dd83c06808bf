"""kwiki's own files after a run: contradictions.md, overview.md, index.md (and shards) and log.md.

Computed from the snapshot and the pages as the run leaves them; no filesystem call here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kwiki import contradictions as contra
from kwiki import vocabulary as v
from kwiki.compile import Compiled, digest
from kwiki.errors import KwikiError
from kwiki.index import CATALOGUED_FOLDERS, LogEntry, PageMeta, append_log, build_index, page_meta
from kwiki.knowledge import check_body
from kwiki.llm.base import LLM, Request
from kwiki.llm.blocks import fence_json
from kwiki.pages import LinkTo, render
from kwiki.payloads import OverviewPayload, overview_page
from kwiki.prompts import load_prompt
from kwiki.slugs import slugify
from kwiki.snapshot import WikiSnapshot
from kwiki.state import PageRecord, Stamped

OVERVIEW_PAGES = 12  # the overview's digest: small and fixed, so its prompt is the same size for any wiki


@dataclass(frozen=True)
class Generated:
    files: dict[str, str | None]  # only files that differ from disk (None: an index shard to delete)
    records: tuple[PageRecord, ...] = ()
    failures: tuple[tuple[str, str], ...] = ()
    catalog: dict[str, Stamped] = field(default_factory=dict)  # page metadata the next run can reuse (state)


def generate(
    snap: WikiSnapshot, llm: LLM, compiled: Compiled, entries: Sequence[LogEntry], source_count: int, today: str
) -> Generated:
    files = compiled.files()
    metas, cache = catalog(snap, files)  # read once: the overview and the index are both made from it
    out: dict[str, str | None] = {v.CONTRADICTIONS: contra.register_text(compiled.contradictions)}
    overview = _overview(snap, llm, files, metas, source_count, today)
    if isinstance(overview, Generated):
        out.update(overview.files)
    out.update(catalog_changes(snap.pages, metas))
    if entries:
        out[v.LOG] = append_log(snap.pages.get(v.LOG), entries)
    changed = {rel: text for rel, text in out.items() if text is None or snap.pages.get(rel) != text}
    if isinstance(overview, Generated):
        return Generated(changed, overview.records, overview.failures, cache)
    return Generated(changed, catalog=cache)


def catalog(snap: WikiSnapshot, overlay: Mapping[str, str | None]) -> tuple[list[PageMeta], dict[str, Stamped]]:
    """Metadata of every catalogued page; `overlay` holds pending writes (None = deleted) that win over the vault.

    A page whose (mtime_ns, size) is what the last run read is not read again; the second value is what the next
    run can reuse (pages this run writes are read then).
    """
    metas: dict[str, PageMeta] = {}
    cache: dict[str, Stamped] = {}
    for rel in snap.pages:
        if rel.count("/") == 1 and rel.split("/")[0] in CATALOGUED_FOLDERS and rel not in overlay:
            metas[rel], entry = _cached_meta(snap, rel)
            if entry is not None:
                cache[rel] = entry
    for rel, text in overlay.items():
        if text is not None and rel.split("/")[0] in CATALOGUED_FOLDERS:
            metas[rel] = page_meta(rel, text)
    return [metas[rel] for rel in sorted(metas)], cache


def _cached_meta(snap: WikiSnapshot, rel: str) -> tuple[PageMeta, Stamped | None]:
    stamp, cached = snap.stamp(rel), snap.catalog.get(rel)  # the stamp first: an edit after it is seen next run
    if stamp is not None and cached is not None and cached[:2] == stamp:
        title, kind, summary, count, sources = json.loads(cached[2])
        return PageMeta(rel, title, kind, summary, count, tuple(sources)), cached
    meta = page_meta(rel, snap.pages[rel])
    if stamp is None or rel in snap.odd_pages:  # a page read with a problem is read (and noticed) again
        return meta, None
    fields = [meta.title, meta.type, meta.summary, meta.source_count, list(meta.sources)]
    return meta, (*stamp, json.dumps(fields, ensure_ascii=False))


def catalog_changes(pages: Mapping[str, str], metas: Sequence[PageMeta]) -> dict[str, str | None]:
    """The index files that differ from `pages` (None = a shard to delete), given the catalogue after this run."""
    wanted: dict[str, str | None] = dict(build_index(metas))
    for rel in sorted(pages):
        if rel.count("/") == 1 and rel.startswith(v.INDEX_FOLDER + "/"):
            wanted.setdefault(rel, None)
    return {rel: text for rel, text in wanted.items() if _differs(pages, rel, text)}


def _differs(pages: Mapping[str, str], rel: str, text: str | None) -> bool:
    return rel in pages if text is None else pages.get(rel) != text


def _overview(
    snap: WikiSnapshot,
    llm: LLM,
    files: Mapping[str, str | None],
    metas: Sequence[PageMeta],
    source_count: int,
    today: str,
) -> Generated | None:
    """A new overview when the wiki changed materially: other leading pages, or the page count moved by ~20%."""
    pages = [p for p in metas if p.type in v.KNOWLEDGE_TYPES]
    top = sorted(pages, key=lambda p: (-p.source_count, p.title.casefold()))[:OVERVIEW_PAGES]
    key = digest(sorted(p.slug for p in top), round(math.log(len(pages) + 1, 1.2)))
    record = snap.records.get(v.OVERVIEW)
    present = v.OVERVIEW in snap.pages
    if not pages or (present and (not files or (record is not None and record.input_hash == key))):
        return None  # nothing to describe, or nothing changed: no call
    payload: OverviewPayload = {"pages": [overview_page(p, top) for p in top], "source_count": source_count}
    system, user = load_prompt("overview").render(payload=fence_json(payload))
    try:
        reply = llm.complete(Request("overview", system, user, None, max_tokens=1500))
    except KwikiError as err:
        return Generated({}, failures=((v.OVERVIEW, str(err)),))
    known = {p.slug.casefold(): LinkTo(p.slug, p.title) for p in top}
    body = check_body(reply.text, lambda t: known.get(slugify(t).casefold()), [])
    meta = {"title": "Overview", "type": "overview", "summary": "What this wiki holds, in brief."}
    text = render(meta, f"# Overview\n\n{body}", snap.pages.get(v.OVERVIEW), today)
    return Generated({v.OVERVIEW: text}, (PageRecord(v.OVERVIEW, "overview", "overview", key, ()),))
