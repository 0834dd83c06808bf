"""Long sources in batch mode: a source's later chunks travel in the same batch as its first one.

The ingest asks for a source's chunks one after the other, so a collecting round sees only the first. The
others do not depend on its reply, so they are built here the way extract.py builds them, and added only when
rebuilding the first chunk gives exactly the request the run made (same cache key): if the two ever differ,
nothing extra is batched, and each chunk simply takes a round.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kwiki.discover import read_source
from kwiki.extract import extract_request, split_text
from kwiki.llm.base import Request
from kwiki.llm.blocks import unfence_json


def later_chunks(
    raw: Path, schema: Path, recorded: Sequence[tuple[str, Request]], key_of: Callable[[Request], str]
) -> list[tuple[str, Request]]:
    """Chunks 2…n, by cache key, of every long source whose first chunk is among `recorded`."""
    schema_doc = schema.read_text(encoding="utf-8") if schema.is_file() else ""
    more: list[tuple[str, Request]] = []
    for key, request in recorded:
        rel = _long_source(request)
        if rel is None:
            continue
        try:
            chunks = split_text(read_source(raw, rel))
        except (OSError, UnicodeDecodeError):
            continue
        requests = [extract_request(rel, chunk, i, len(chunks), schema_doc) for i, chunk in enumerate(chunks, 1)]
        if len(requests) > 1 and key_of(requests[0]) == key:
            more.extend((key_of(r), r) for r in requests[1:])
    return more


def _long_source(request: Request) -> str | None:
    """The source path of a first-chunk extraction request of a source with more chunks."""
    if request.name != "extract":
        return None
    try:
        meta: Any = unfence_json(request.user)
    except ValueError:
        return None
    if not isinstance(meta, dict) or meta.get("chunk") != 1 or not isinstance(meta.get("path"), str):
        return None
    chunks = meta.get("chunks")
    return meta["path"] if isinstance(chunks, int) and chunks > 1 else None
