"""Page names: safe, unique (case-insensitively) basenames in any script. The model proposes, code decides.

A name must fit the file system: most allow 255 *bytes* per name, and vault.py writes through a temp file named
`.<name>.XXXXXXXX.kwiki-tmp`. Slugs are therefore bounded in UTF-8 bytes as well as in characters, and cut
between words (or, for a single over-long word such as a CJK run, between code points).
"""

from __future__ import annotations

import re
import unicodedata

from kwiki.errors import KwikiError
from kwiki.vocabulary import FOLDERS, GENERATED

MAX_SLUG = 80  # characters: a readable name
NAME_MAX = 255  # bytes per file name on ext4, APFS, NTFS, btrfs, …
TEMP_OVERHEAD = 20  # vault.py's temp file adds "." + "." + 8 random characters + ".kwiki-tmp"
MAX_NAME_BYTES = NAME_MAX - TEMP_OVERHEAD - 35  # 200: any page or base file name, extension included
MAX_SLUG_BYTES = MAX_NAME_BYTES - len(".md")
# basenames of kwiki's own files (index.md, log.md, index/concepts.md, …): a page with one would make links ambiguous
RESERVED = frozenset({name.removesuffix(".md") for name in GENERATED} | set(FOLDERS.values()))
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)


def slugify(name: str) -> str:
    """Lowercase letters (any script), digits and single hyphens; never empty, never a reserved name."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("'s ", " ").replace("’s ", " ")
    slug = fit("-".join(re.findall(r"[^\W_]+", text)), MAX_SLUG, MAX_SLUG_BYTES) or "untitled"
    if slug in WINDOWS_RESERVED or slug.split(".")[0] in WINDOWS_RESERVED:
        slug += "-page"
    return slug


def fit(slug: str, max_chars: int, max_bytes: int) -> str:
    """`slug` cut to both limits: at the last hyphen that fits, else (one long word) at the last code point."""
    if len(slug) <= max_chars and _size(slug) <= max_bytes:
        return slug
    cut = slug[:max_chars].encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")
    if slug[len(cut) : len(cut) + 1] not in ("-", "") and "-" in cut:
        cut = cut.rsplit("-", 1)[0]  # the next character continues a word: drop the partial word
    return cut.strip("-")


def name_key(name: str) -> str:
    """A basename as kwiki compares it with the vault's: case folded, and composed (NFC), so `café` typed on a
    Mac (decomposed, NFD) is the same name as `café` from anywhere else — two pages would look alike."""
    return unicodedata.normalize("NFC", name).casefold()


def unique_slug(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`, … whichever is free; `taken` holds basenames through `name_key`."""
    candidate, n = slug, 1
    while name_key(candidate) in taken:
        n += 1
        suffix = f"-{n}"
        candidate = fit(slug, MAX_SLUG - len(suffix), MAX_SLUG_BYTES - len(suffix)) + suffix
    return candidate


def check_name(rel: str) -> None:
    """Refuse a relative path with a part the file system (or the temp-file scheme) cannot hold."""
    for part in rel.split("/"):
        if "\0" in part or not part:
            raise KwikiError(f"refusing the page name {rel!r}: empty part or NUL byte", "this is a kwiki bug")
        if _size(part) > MAX_NAME_BYTES:
            raise KwikiError(
                f"refusing the page name {part[:40]!r}…: {_size(part)} bytes (at most {MAX_NAME_BYTES})",
                "rename the page to a shorter name",
            )


def _size(text: str) -> int:
    return len(text.encode("utf-8", errors="surrogatepass"))
