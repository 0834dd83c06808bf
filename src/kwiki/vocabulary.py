"""The vault's vocabulary, in one place: page types and folders, kwiki's own files, section and callout names.

Renderers (pages, compile, contradictions, index, query) and readers (lint, merge, search, the offline engine)
import these, so renaming a heading or a folder is one edit here, and a check never goes quiet because the page
format moved on. Changing what a page looks like also changes `RENDER_VERSION`'s inputs (see `render_digest`).
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache

KNOWLEDGE_TYPES = frozenset({"concept", "entity", "method"})
KNOWLEDGE_ORDER = ("concept", "entity", "method")
FOLDERS = {"source": "sources", "concept": "concepts", "entity": "entities", "method": "methods", "answer": "answers"}
FOLDER_TYPES = {folder: page_type for page_type, folder in FOLDERS.items()}  # wiki/<folder>/ holds pages of a type

# kwiki's generated files at the root of wiki/, and the folder of index shards
INDEX = "index.md"
LOG = "log.md"
OVERVIEW = "overview.md"
CONTRADICTIONS = "contradictions.md"
INDEX_FOLDER = "index"
GENERATED = {INDEX: "index", LOG: "log", OVERVIEW: "overview", CONTRADICTIONS: "contradictions"}  # file → type

# section headings kwiki writes (and merge and lint read back)
SUMMARY = "Summary"
KEY_CLAIMS = "Key claims"
QUOTES = "Quotes"
MENTIONS = "Mentions"
RELATED = "Related"
SOURCES = "Sources"
RELATED_SEPARATOR = " · "
NO_TEXT = "_No text yet._"
NO_RELATED = "_None yet._"

# callout heads
SOURCE_CALLOUT = "> [!info] Source"
CONTRADICTION_CALLOUT = "> [!warning] Contradiction"
UPDATE_CALLOUT = "> [!note] kwiki update"


def heading(title: str) -> str:
    return f"## {title}"


def related_at(text: str) -> int:
    """Where kwiki's own Related section starts in a page's text: the last line that is exactly its heading (a
    `## Related work` of the page's own is not it), or -1."""
    starts = [m.start() for m in _RELATED_LINE.finditer(text)]
    return starts[-1] if starts else -1


_RELATED_LINE = re.compile(rf"^{re.escape(heading(RELATED))}[ \t]*$", re.MULTILINE)


# Bump when page rendering changes in a way the constants above don't show (layout code in pages.py/compile.py):
# every page is then re-rendered on the next ingest, from stored notes, without a model call.
RENDER_VERSION = 1


@cache  # constants only: the same digest for the life of the process
def render_digest() -> str:
    """A digest of everything that decides how a page looks; part of every page's input hash."""
    parts = [
        RENDER_VERSION,
        FOLDERS,
        [SUMMARY, KEY_CLAIMS, QUOTES, MENTIONS, RELATED, SOURCES, RELATED_SEPARATOR, NO_TEXT, NO_RELATED],
        [SOURCE_CALLOUT, CONTRADICTION_CALLOUT],
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]
