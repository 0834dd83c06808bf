"""One read of the project for every check: pages parsed (in parallel on big vaults), links resolved, state."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from kwiki import entries
from kwiki.discover import shown_name
from kwiki.entries import Odd
from kwiki.links import VaultIndex
from kwiki.markdown import Link, Page, parse_page, split_frontmatter
from kwiki.project import Paths
from kwiki.state import ContradictionRecord, SourceRecord, State
from kwiki.vocabulary import FOLDER_TYPES as PAGE_FOLDER_TYPES
from kwiki.vocabulary import GENERATED, INDEX, INDEX_FOLDER, KNOWLEDGE_TYPES

KNOWLEDGE = KNOWLEDGE_TYPES
FOLDER_TYPES = {**PAGE_FOLDER_TYPES, INDEX_FOLDER: "index"}
ROOT_TYPES = GENERATED


@dataclass(frozen=True)
class PageFile:
    """A markdown file of the vault, parsed."""

    path: str  # wiki-relative posix path
    text: str
    page: Page

    @cached_property
    def type(self) -> str:
        declared = self.page.frontmatter.get("type")
        if isinstance(declared, str) and declared:
            return declared
        return ROOT_TYPES.get(self.path) or FOLDER_TYPES.get(self.path.split("/")[0], "note")

    @property
    def stub(self) -> bool:
        return self.page.frontmatter.get("stub") is True

    @property
    def title(self) -> str:
        title = self.page.frontmatter.get("title")
        return title if isinstance(title, str) and title else posixpath.basename(self.path)[:-3]

    @property
    def slug(self) -> str:
        return posixpath.basename(self.path)[:-3]

    def key_line(self, key: str) -> int:
        """The file line of a frontmatter key (1 when absent): findings about a property point at it."""
        for number, line in enumerate(self.text.split("\n")[1 : self.page.body_line - 1], start=2):
            if line.startswith(f"{key}:"):
                return number
        return 1


@dataclass(frozen=True)
class StateView:
    sources: tuple[SourceRecord, ...]
    contradictions: tuple[ContradictionRecord, ...]


class Edge(NamedTuple):
    """A link and the wiki-relative path it resolves to (a tuple: a big vault has hundreds of thousands)."""

    link: Link
    target: str | None


@dataclass
class Vault:
    """Everything the checks read. Built once per run by `load_vault`."""

    paths: Paths
    files: VaultIndex
    pages: dict[str, PageFile]
    raw: frozenset[str]  # every raw file, posix paths relative to raw/
    state: StateView | None
    edges: dict[str, list[Edge]]
    odd: tuple[Odd, ...] = ()  # entries named like pages that are none, or were not read cleanly (entries.py)

    def wiki_path(self, rel: str) -> str:
        return self._wiki_prefix + rel

    def raw_path(self, rel: str) -> str:
        """The source as lint shows it: a name that is not UTF-8, or holds control or bidi characters, escaped."""
        return self._raw_prefix + shown_name(rel)

    @cached_property
    def _wiki_prefix(self) -> str:
        return self.paths.wiki.name + "/"

    @cached_property
    def _raw_prefix(self) -> str:
        return self.paths.raw.name + "/"

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Lowercased alias → the page that declares it."""
        found: dict[str, str] = {}
        for path, file in sorted(self.pages.items()):
            for alias in _strings(file.page.frontmatter.get("aliases")):
                found.setdefault(alias.lower(), path)
        return found

    @cached_property
    def inbound(self) -> dict[str, set[str]]:
        """Page → the other pages that link to it."""
        links: dict[str, set[str]] = {}
        for source, edges in self.edges.items():
            for edge in edges:
                if edge.target is not None and edge.target != source:
                    links.setdefault(edge.target, set()).add(source)
        return links

    @cached_property
    def held(self) -> frozenset[str]:
        """Pages a --fix or --deep must not write: kwiki could not read them cleanly (latin-1 bytes, …)."""
        return frozenset(o.path for o in self.odd if o.held)

    def knowledge(self) -> Iterator[PageFile]:
        return (f for f in self.pages.values() if f.type in KNOWLEDGE)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _catalog_page(text: str) -> Page:
    """An index file read for its properties only: its links are generated, and no check judges them."""
    front, body = split_frontmatter(text)
    return Page(front, body, text.count("\n") - body.count("\n") + 1, (), (), "")


def _read(wiki: Path, rels: list[str], odd: dict[str, Odd]) -> list[PageFile]:
    """Every page that is a readable file; what is not (a FIFO, a loop, latin-1 bytes) goes into `odd`."""
    files = []
    for rel in rels:
        text, problem = entries.read_text(wiki, rel)
        if problem is not None:
            odd[rel] = problem
            if not text:
                continue
        catalog = rel == INDEX or rel.startswith(INDEX_FOLDER + "/")
        files.append(PageFile(rel, text, _catalog_page(text) if catalog else parse_page(text)))
    return files


def _walk_files(root: Path) -> frozenset[str]:
    if not root.is_dir():
        return frozenset()
    return frozenset(VaultIndex.scan(root).paths)


def _edges(files: VaultIndex, pages: dict[str, PageFile]) -> dict[str, list[Edge]]:
    return {
        path: [Edge(link, files.resolve(link.target, path)) for link in file.page.links] for path, file in pages.items()
    }


def load_vault(paths: Paths, state: State | None) -> Vault:
    files = VaultIndex.scan(paths.wiki)
    rels = [p for p in files.paths if p.lower().endswith(".md")]
    odd = {o.path: o for o in entries.list_files(paths.wiki).odd}
    pages = {file.path: file for file in _read(paths.wiki, rels, odd)}
    view = StateView(tuple(state.sources()), tuple(state.contradictions())) if state is not None else None
    found = tuple(odd[rel] for rel in sorted(odd))
    return Vault(paths, files, pages, _walk_files(paths.raw), view, _edges(files, pages), found)
