"""What extraction yields per source (SourceNote, Claim, Mention) and the JSON schemas the model must follow."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import PurePosixPath
from typing import Any

from kwiki import gate
from kwiki.vocabulary import KNOWLEDGE_ORDER

KINDS = KNOWLEDGE_ORDER
MAX_CLAIMS = 100  # per note, over all chunks: what state, the resolver and every page draft may receive
MAX_MENTIONS = 60

_STR = {"type": "string"}
_STRS = {"type": "array", "items": _STR}

EXTRACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "date", "language", "summary", "tags", "claims", "mentions"],
    "properties": {
        "title": _STR,
        "date": _STR,
        "language": _STR,
        "summary": _STR,
        "tags": {**_STRS, "maxItems": 8},
        "claims": {
            "type": "array",
            "maxItems": 40,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["subject", "statement", "quote"],
                "properties": {"subject": _STR, "statement": _STR, "quote": _STR},
            },
        },
        "mentions": {
            "type": "array",
            "maxItems": 30,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "type", "aliases", "description", "central"],
                "properties": {
                    "name": _STR,
                    "type": {"type": "string", "enum": list(KINDS)},
                    "aliases": _STRS,
                    "description": _STR,
                    "central": {"type": "boolean"},
                },
            },
        },
    },
}

SUMMARIZE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "summary"],
    "properties": {"title": _STR, "summary": _STR},
}


@dataclass(frozen=True)
class Claim:
    subject: str
    statement: str
    quote: str  # verified verbatim against the source (whitespace-normalized), or "" when it was not


@dataclass(frozen=True)
class Mention:
    name: str
    kind: str  # concept | entity | method
    aliases: tuple[str, ...]
    description: str
    central: bool


@dataclass(frozen=True)
class SourceNote:
    """One source, as extracted: the input of its source page and of every knowledge page it feeds."""

    path: str  # relative to raw/
    title: str
    date: str
    language: str
    summary: str
    tags: tuple[str, ...]
    claims: tuple[Claim, ...]
    mentions: tuple[Mention, ...]

    def to_json(self) -> str:
        """The note as stored, marked with the gate's version (every note kwiki stores has been through it)."""
        data = {**_flat(self), "claims": [_flat(c) for c in self.claims], "mentions": [_flat(m) for m in self.mentions]}
        return json.dumps({**data, "gate": gate.VERSION}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SourceNote:
        """A stored note; one stored before these caps existed is bounded again, so it cannot poison later runs."""
        data = json.loads(text)
        note = cls(
            path=data["path"],
            title=data["title"],
            date=data["date"],
            language=data["language"],
            summary=data["summary"],
            tags=tuple(data["tags"]),
            claims=tuple(Claim(**c) for c in data["claims"]),
            mentions=tuple(
                Mention(m["name"], m["kind"], tuple(m["aliases"]), m["description"], m["central"])
                for m in data["mentions"]
            ),
        )
        return note if data.get("gate") == gate.VERSION else bounded(note)


def _flat(item: SourceNote | Claim | Mention) -> dict[str, Any]:
    """The fields of one dataclass, one level deep (tuples of strings encode as JSON lists): `asdict` without its
    recursive deep copy, which cost more than the rest of a source page's rendering."""
    return {f.name: getattr(item, f.name) for f in fields(item)}


def mentions_from_data(items: list[dict[str, Any]]) -> tuple[Mention, ...]:
    """The mentions of a reply, each through the gate; one whose name is junk (`it`, a path, empty) is dropped."""
    mentions = (
        Mention(
            str(m["name"]),
            m["type"] if m["type"] in KINDS else "concept",
            tuple(str(a) for a in m["aliases"]),
            str(m["description"]),
            bool(m["central"]),
        )
        for m in items
    )
    return tuple(m for m in (_bounded_mention(m, None) for m in mentions) if m.name)


def bounded(note: SourceNote, source_text: str | None = None) -> SourceNote:
    """The note with every field through the gate and within its cap; with the source text, foreign URLs go too.

    Applied where a reply is parsed and where a note is read back, so nothing oversize reaches state, the
    resolver or a prompt. Images a source holds stay images here: rendering decides (setting `source_images`).
    A title that cannot name a page falls back to the raw file's name.
    """
    sources = None if source_text is None else [source_text]
    claims = (_bounded_claim(c, sources) for c in note.claims)
    return replace(
        note,
        title=_title(note.title, note.path),
        date=gate.date(note.date),
        language=gate.language(note.language),
        summary=gate.prose(note.summary, None, sources, images=True),
        tags=tuple(gate.tags(note.tags)),
        claims=tuple(c for c in claims if c.statement)[:MAX_CLAIMS],
        mentions=tuple(m for m in (_bounded_mention(m, sources) for m in note.mentions) if m.name)[:MAX_MENTIONS],
    )


def fallback_title(path: str) -> str:
    """A title from the raw file's name (`notes/llm_os-2024.md` → `llm os 2024`), for a title that is junk."""
    stem = PurePosixPath(path).stem
    words = gate.title(stem.replace("_", " ").replace("-", " "))
    return words if gate.usable_name(words) else gate.title(path)


def _title(title: str, path: str) -> str:
    """The model's title, bounded; the file's name when it is junk, or so long it is a paragraph, not a title."""
    clean = gate.title(title)
    if gate.usable_name(clean) and len(title) <= 4 * gate.MAX_TITLE:
        return clean
    return fallback_title(path)


def _bounded_claim(claim: Claim, sources: Sequence[str] | None) -> Claim:
    quote = claim.quote if len(claim.quote) <= gate.MAX_QUOTE else ""
    statement = gate.inline(claim.statement, None, sources, gate.MAX_STATEMENT, images=True)
    return Claim(gate.line(claim.subject, gate.MAX_NAME), statement, quote)


def _bounded_mention(m: Mention, sources: Sequence[str] | None) -> Mention:
    name = gate.name(m.name)
    description = gate.inline(m.description, None, sources, images=True)
    return Mention(name, m.kind, gate.aliases(m.aliases, name), description, m.central)
