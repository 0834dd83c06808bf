"""Subjects several pages mention (as plain text or as dangling links) that have no page of their own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kwiki.lint.model import Finding, finding
from kwiki.lint.snapshot import PageFile, Vault
from kwiki.slugs import slugify
from kwiki.vocabulary import MENTIONS

MENTION_THRESHOLD = 3  # pages; a name mentioned this often deserves a page
SKIP_TYPES = frozenset({"index", "log", "contradictions"})
_ITEM = re.compile(r"^\s*[-*]\s+(.+?)\s*$")


@dataclass(frozen=True)
class Candidate:
    name: str
    slug: str
    mentions: tuple[tuple[str, int], ...]  # (page, line) for each page that mentions it, first line only


def plain_mentions(file: PageFile) -> Iterator[tuple[str, int]]:
    """(name, file line) of unlinked items in a `## Mentions` section, as kwiki writes source pages."""
    in_mentions = False
    if MENTIONS[1:] not in file.page.body:
        return
    for number, line in enumerate(file.page.body.split("\n"), start=file.page.body_line):
        if line.startswith("#"):
            in_mentions = line.lstrip("#").strip().lower() == MENTIONS.lower()
            continue
        item = _ITEM.match(line) if in_mentions else None
        if item and "[[" not in line and "](" not in line:
            yield item.group(1).split(" — ")[0].strip(), number


def _mentions(vault: Vault, path: str) -> Iterator[tuple[str, int]]:
    yield from plain_mentions(vault.pages[path])
    for edge in vault.edges[path]:
        link = edge.link
        if edge.target is None and link.kind == "wiki" and not link.embed and link.target.lower() not in vault.aliases:
            yield link.target, link.line


def _known(vault: Vault) -> set[str]:
    names = {slugify(file.title) for file in vault.pages.values()} | {slugify(a) for a in vault.aliases}
    return names | {file.slug.lower() for file in vault.pages.values()}


def candidates(vault: Vault) -> list[Candidate]:
    found: dict[str, dict[str, tuple[str, int]]] = {}
    names: dict[str, str] = {}
    for path in sorted(vault.pages):
        if vault.pages[path].type in SKIP_TYPES:
            continue
        for name, line in _mentions(vault, path):
            slug = slugify(name)
            names.setdefault(slug, name)
            found.setdefault(slug, {}).setdefault(path, (name, line))
    known = _known(vault)
    return [
        Candidate(names[slug], slug, tuple((path, line) for path, (_, line) in sorted(pages.items())))
        for slug, pages in sorted(found.items())
        if len(pages) >= MENTION_THRESHOLD and slug not in known
    ]


def check(vault: Vault) -> Iterator[Finding]:
    for candidate in candidates(vault):
        path, line = candidate.mentions[0]
        message = f"'{candidate.name}' is mentioned on {len(candidate.mentions)} pages but has no page"
        yield finding("concept-candidate", vault.wiki_path(path), line, message)
