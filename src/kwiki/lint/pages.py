"""Pages on their own: orphans, empty pages, and the evidence behind knowledge pages (`sources`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kwiki.lint.model import Finding, finding
from kwiki.lint.snapshot import KNOWLEDGE, PageFile, Vault
from kwiki.vocabulary import RELATED_SEPARATOR

LINKED_TYPES = KNOWLEDGE | {"source"}  # pages that something should link to
CATALOG_TYPES = frozenset({"index", "log"})  # their links do not count as a page being linked
MIN_WORDS = 15
_SEPARATOR = re.escape(RELATED_SEPARATOR.strip())
_STRUCTURE = re.compile(rf"^\s*(#{{1,6}}\s|>\s*\[!|[-*]\s+\[\[[^\]]*\]\]\s*({_SEPARATOR}\s*\[\[[^\]]*\]\]\s*)*$)")


def prose_words(file: PageFile, enough: int = MIN_WORDS) -> int:
    """Words outside headings, callout titles and bare link lists (counting stops at `enough`)."""
    count = 0
    for line in file.page.body.split("\n"):
        if not _STRUCTURE.match(line):
            count += len(line.split())
            if count >= enough:
                break
    return count


def _sources(file: PageFile) -> list[str]:
    value = file.page.frontmatter.get("sources")
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v] if isinstance(value, list) else []


def known_deleted(vault: Vault) -> frozenset[str]:
    """Raw files the state saw once that are gone now (reported as stale pages, not as missing sources)."""
    if vault.state is None:
        return frozenset()
    return frozenset(s.path for s in vault.state.sources if s.path not in vault.raw)


def _evidence(vault: Vault, file: PageFile, deleted: frozenset[str]) -> Iterator[Finding]:
    where = vault.wiki_path(file.path)
    sources = _sources(file)
    if not sources:
        yield finding("no-sources", where, file.key_line("sources"), "a knowledge page without `sources`")
        return
    for source in sources:
        if source not in vault.raw and source not in deleted:
            yield finding("source-missing", where, file.key_line("sources"), f"'{source}' is not in raw/")
    if file.type in KNOWLEDGE and len(sources) == 1:
        yield finding("single-source", where, file.key_line("sources"), f"only one source: {sources[0]}")


def _linked(vault: Vault, path: str) -> bool:
    return any(vault.pages[s].type not in CATALOG_TYPES for s in vault.inbound.get(path, ()))


def check(vault: Vault) -> Iterator[Finding]:
    deleted = known_deleted(vault)
    for path, file in sorted(vault.pages.items()):
        if file.type not in LINKED_TYPES or file.stub:
            continue
        where = vault.wiki_path(path)
        if not _linked(vault, path):
            yield finding("orphan", where, 1, "no other page links here")
        if prose_words(file) < MIN_WORDS:
            body = file.page.body
            line = file.page.body_line + len(body) - len(body.lstrip("\n"))  # the first line with text
            yield finding("page-empty", where, line, f"{prose_words(file)} words of text")
        yield from _evidence(vault, file, deleted)
