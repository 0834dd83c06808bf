"""Extract: one structured call per source (or per chunk, merged in code, plus one reduce call)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kwiki.gate import normalize_ws, quote_occurs
from kwiki.llm.base import LLM, Request
from kwiki.llm.blocks import SOURCE, fence, fence_json
from kwiki.notes import EXTRACT_SCHEMA, SUMMARIZE_SCHEMA, Claim, Mention, SourceNote, bounded, mentions_from_data
from kwiki.payloads import SummarizePayload
from kwiki.prompts import SCHEMA_CHARS, load_prompt

CHUNK_CHARS = 24_000  # ~6k tokens: fits every supported model with room for the schema and the reply


@dataclass(frozen=True)
class Extraction:
    note: SourceNote
    dropped_quotes: int


def split_text(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Chunks of at most `limit` characters, cut at headings, else paragraphs, else lines, else hard."""
    if len(text) <= limit:
        return [text]
    for pattern in (r"\n(?=#{1,6} )", r"\n\s*\n", r"\n"):
        parts = [p for p in re.split(pattern, text) if p.strip()]
        if len(parts) > 1:
            return _pack(parts, limit, pattern)
    return [text[i : i + limit] for i in range(0, len(text), limit)]


def _pack(parts: list[str], limit: int, pattern: str) -> list[str]:
    joiner = "\n\n" if "\\s" in pattern else "\n"
    chunks: list[str] = []
    current = ""
    for part in parts:
        if len(part) > limit:
            chunks.extend([current] if current else [])
            chunks.extend(split_text(part, limit))
            current = ""
        elif current and len(current) + len(joiner) + len(part) > limit:
            chunks.append(current)
            current = part
        else:
            current = f"{current}{joiner}{part}" if current else part
    return [*chunks, current] if current else chunks


def extract_request(rel: str, chunk: str, index: int, total: int, schema_doc: str) -> Request:
    system, user = load_prompt("extract").render(
        schema_doc=schema_doc[:SCHEMA_CHARS],  # whole head: see prompts.page_schema
        meta=fence_json({"path": rel, "chunk": index, "chunks": total}),
        source=fence(SOURCE, chunk),
    )
    return Request("extract", system, user, EXTRACT_SCHEMA, max_tokens=4096)


def summarize_request(rel: str, title: str, summaries: list[str]) -> Request:
    system, user = load_prompt("summarize").render(
        payload=fence_json(SummarizePayload(path=rel, title=title, summaries=summaries))
    )
    return Request("summarize", system, user, SUMMARIZE_SCHEMA, max_tokens=1024)


def extract_source(llm: LLM, rel: str, text: str, schema_doc: str) -> Extraction:
    chunks = split_text(text)
    datas = [
        llm.complete(extract_request(rel, chunk, index, len(chunks), schema_doc)).data or {}
        for index, chunk in enumerate(chunks, start=1)
    ]
    title, summary = _text(datas[0], "title"), _text(datas[0], "summary")
    if len(chunks) > 1:
        reply = llm.complete(summarize_request(rel, title, [_text(d, "summary") for d in datas]))
        title = _text(reply.data or {}, "title") or title
        summary = _text(reply.data or {}, "summary") or summary
    note, dropped = _merge(rel, text, title, summary, datas)
    return Extraction(note, dropped)


def _merge(rel: str, text: str, title: str, summary: str, datas: list[dict[str, Any]]) -> tuple[SourceNote, int]:
    normalized = normalize_ws(text)
    claims: dict[tuple[str, str], Claim] = {}
    dropped = 0
    for data in datas:
        for item in data.get("claims", []):
            quote = str(item.get("quote", ""))
            verified = quote if quote_occurs(quote, normalized) else ""
            dropped += bool(quote) and not verified
            claim = Claim(str(item["subject"]), str(item["statement"]), verified)
            claims.setdefault((claim.subject.casefold(), claim.statement.casefold()), claim)
    mentions = _merge_mentions([m for d in datas for m in mentions_from_data(d.get("mentions", []))])
    first = datas[0] if datas else {}
    note = SourceNote(
        path=rel,
        title=title,
        date=_text(first, "date"),
        language=_text(first, "language"),
        summary=summary,
        tags=tuple(str(t) for d in datas for t in d.get("tags", [])),
        claims=tuple(claims.values()),
        mentions=mentions,
    )
    return bounded(note, text), dropped


def _merge_mentions(mentions: list[Mention]) -> tuple[Mention, ...]:
    merged: dict[str, Mention] = {}
    for m in mentions:
        key = m.name.casefold()
        old = merged.get(key)
        if old is None:
            merged[key] = m
        else:
            aliases = tuple(dict.fromkeys(old.aliases + m.aliases))
            merged[key] = Mention(
                old.name, old.kind, aliases, old.description or m.description, old.central or m.central
            )
    return tuple(merged.values())


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    return value.strip() if isinstance(value, str) else ""
