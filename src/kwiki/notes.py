"""What extraction yields per source (SourceNote, Claim, Mention) and the JSON schemas the model must follow."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from kwiki.vocabulary import KNOWLEDGE_ORDER

KINDS = KNOWLEDGE_ORDER

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
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SourceNote:
        data = json.loads(text)
        return cls(
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


def mentions_from_data(items: list[dict[str, Any]]) -> tuple[Mention, ...]:
    return tuple(
        Mention(
            name=str(m["name"]).strip(),
            kind=m["type"] if m["type"] in KINDS else "concept",
            aliases=tuple(str(a).strip() for a in m["aliases"] if str(a).strip()),
            description=str(m["description"]).strip(),
            central=bool(m["central"]),
        )
        for m in items
        if str(m["name"]).strip()
    )
