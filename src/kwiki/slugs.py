"""Page names: safe, unique (case-insensitively) basenames in any script. The model proposes, code decides."""

from __future__ import annotations

import re
import unicodedata

from kwiki.vocabulary import FOLDERS, GENERATED

MAX_SLUG = 80
# basenames of kwiki's own files (index.md, log.md, index/concepts.md, …): a page with one would make links ambiguous
RESERVED = frozenset({name.removesuffix(".md") for name in GENERATED} | set(FOLDERS.values()))
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)


def slugify(name: str) -> str:
    """Lowercase letters (any script), digits and single hyphens; never empty, never a reserved name."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("'s ", " ").replace("’s ", " ")
    words = re.findall(r"[^\W_]+", text)
    slug = "-".join(words)[:MAX_SLUG].strip("-") or "untitled"
    if slug in WINDOWS_RESERVED or slug.split(".")[0] in WINDOWS_RESERVED:
        slug += "-page"
    return slug


def unique_slug(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`, … whichever is free; `taken` holds casefolded basenames."""
    candidate, n = slug, 1
    while candidate.casefold() in taken:
        n += 1
        suffix = f"-{n}"
        candidate = slug[: MAX_SLUG - len(suffix)] + suffix
    return candidate
