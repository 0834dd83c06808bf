"""Requests shaped like the real prompts: a kwiki_data block and, for extract, an untrusted_source block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kwiki.llm.base import Reply, Request
from kwiki.llm.blocks import SOURCE, fence, fence_json
from kwiki.offline import ExtractiveLLM


def ask(name: str, payload: Mapping[str, Any], source: str | None = None) -> Reply:
    user = "Payload:\n\n" + fence_json(payload)
    if source is not None:
        user += "\n\nSource:\n\n" + fence(SOURCE, source)
    return ExtractiveLLM().complete(Request(name, "system text", user))


def extract(source: str, path: str = "2025/note.md") -> dict[str, Any]:
    reply = ask("extract", {"path": path, "chunk": 1, "chunks": 1}, source)
    assert reply.data is not None
    return reply.data
