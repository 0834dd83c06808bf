"""What ingest reads, in one place: the vault's pages, their bases, state, CLAUDE.md and the raw texts.

Compilation (`compile.py`, `generated.py` and the modules that build pages) is a function of a `WikiSnapshot`
and makes no filesystem call; `load_snapshot` is the only place ingest reads the project. File names are listed up
front; a text is read when compilation first asks for it and kept, so re-rendering one page does not read the whole
vault and nothing is read twice. Tests build a snapshot from plain dicts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from kwiki import entries
from kwiki.discover import read_source
from kwiki.entries import Odd
from kwiki.markdown import split_frontmatter
from kwiki.project import Paths
from kwiki.slugs import name_key
from kwiki.state import ContradictionRecord, PageRecord, SourceRecord, Stamped, State
from kwiki.vocabulary import FOLDERS, KNOWLEDGE_TYPES


class LazyTexts(Mapping[str, str]):
    """A fixed set of names whose texts are read on first access, then kept (reads are idempotent: thread-safe)."""

    def __init__(self, names: Iterable[str] | None, read: Callable[[str], str]) -> None:
        self._names = None if names is None else frozenset(names)  # None: any name may be read
        self._read = read
        self._texts: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self:
            raise KeyError(name)
        if name not in self._texts:
            self._texts[name] = self._read(name)
        return self._texts[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (self._names is None or name in self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._texts if self._names is None else self._names))

    def __len__(self) -> int:
        return len(self._texts if self._names is None else self._names)


@dataclass(frozen=True)
class WikiSnapshot:
    """The project as one run of ingest found it. Paths are posix and relative (to wiki/, .kwiki/base/, raw/)."""

    pages: Mapping[str, str]  # every markdown file of wiki/, human pages included (hidden folders are not)
    bases: Mapping[str, str] = field(default_factory=dict)  # what kwiki last generated for a page
    raw: Mapping[str, str] = field(default_factory=dict)  # source path → plain text (any file of raw/)
    records: Mapping[str, PageRecord] = field(default_factory=dict)
    sources: Mapping[str, SourceRecord] = field(default_factory=dict)
    contradictions: tuple[ContradictionRecord, ...] = ()
    schema: str = ""  # CLAUDE.md
    odd_pages: dict[str, Odd] = field(default_factory=dict)  # wiki path → an entry skipped or read with a problem
    odd_bases: dict[str, Odd] = field(default_factory=dict)  # the same for .kwiki/base/ (filled as texts are read)
    catalog: Mapping[str, Stamped] = field(default_factory=dict)  # page metadata as the last run read it (state)
    stamp: Callable[[str], tuple[int, int] | None] = lambda rel: None  # a page's (mtime_ns, size) now
    renders: Mapping[str, str] = field(default_factory=dict)  # page → what its base was rendered from (compile.py)

    def held(self) -> frozenset[str]:
        """Wiki paths kwiki must not write this run: no page lives there, or the page was not read cleanly."""
        return frozenset(rel for rel, odd in self.odd_pages.items() if odd.held)

    @cached_property
    def basenames(self) -> frozenset[str]:
        """Basenames (through `name_key`) of every page in the vault: a new page never takes one."""
        return frozenset(name_key(PurePosixPath(rel).stem) for rel in (*self.pages, *self.odd_pages))

    @cached_property
    def knowledge_titles(self) -> dict[tuple[str, str], str]:
        """(title, type) → path of every page in a knowledge folder: finds pages a human renamed."""
        from kwiki.resolve import normalize_name  # resolve is heavy to import; only renamed pages need it

        found = {}
        folders = {FOLDERS[kind] for kind in KNOWLEDGE_TYPES}
        for rel in sorted(self.pages):
            if rel.count("/") == 1 and rel.split("/")[0] in folders:
                meta = split_frontmatter(self.pages[rel])[0]
                found[(normalize_name(str(meta.get("title", ""))), str(meta.get("type", "")))] = rel
        return found

    def frontmatter(self, rel: str) -> dict[str, object]:
        return split_frontmatter(self.pages[rel])[0] if rel in self.pages else {}

    @cached_property
    def source_pages_on_disk(self) -> dict[str, str]:
        """Raw path → the page in sources/ that is that file's page (`sources:` names it alone)."""
        found: dict[str, str] = {}
        for rel in sorted(self.pages):
            if rel.count("/") == 1 and rel.startswith(FOLDERS["source"] + "/"):
                sources = split_frontmatter(self.pages[rel])[0].get("sources")
                if isinstance(sources, list) and len(sources) == 1 and isinstance(sources[0], str):
                    found.setdefault(sources[0], rel)
        return found


def load_snapshot(
    paths: Paths, state: State, sources: Mapping[str, SourceRecord] | None = None, schema: str | None = None
) -> WikiSnapshot:
    """List the project's files and state; texts are read when compilation first needs them.

    `sources` and `schema` are the source records and CLAUDE.md when the caller has read them already.
    """
    if schema is None:
        schema = paths.schema.read_text(encoding="utf-8") if paths.schema.is_file() else ""
    pages, bases = entries.list_files(paths.wiki), entries.list_files(paths.base_dir, "")
    odd_pages, odd_bases = {o.path: o for o in pages.odd}, {o.path: o for o in bases.odd}
    return WikiSnapshot(
        pages=LazyTexts(pages.names, _reader(paths.wiki, odd_pages, pages=True)),
        bases=LazyTexts(bases.names, _reader(paths.base_dir, odd_bases, pages=False)),
        raw=LazyTexts(None, lambda rel: read_source(paths.raw, rel)),
        records={r.path: r for r in state.pages()},
        sources=dict(sources) if sources is not None else {r.path: r for r in state.sources()},
        contradictions=tuple(state.contradictions()),
        schema=schema,
        odd_pages=odd_pages,
        odd_bases=odd_bases,
        catalog=state.catalog(),
        stamp=lambda rel: _stamp(paths.wiki / rel),
        renders=state.renders(),
    )


def _stamp(path: Path) -> tuple[int, int] | None:
    """(mtime_ns, size) of the file a page's text is read from (a link's target), or None."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def notices(paths: Paths, snap: WikiSnapshot) -> tuple[Odd, ...]:
    """Every entry of wiki/ and .kwiki/base/ this run skipped or could not read cleanly, with project paths."""
    base = paths.base_dir.relative_to(paths.root).as_posix()
    found = entries.shown(snap.odd_pages.values(), paths.wiki.name) + entries.shown(snap.odd_bases.values(), base)
    return tuple(sorted(found, key=lambda o: o.path))


def _reader(root: Path, odd: dict[str, Odd], pages: bool) -> Callable[[str], str]:
    """Reads a text, noting what was wrong with it in `odd`; a broken base is kwiki's own and is rewritten."""

    def read(rel: str) -> str:
        text, problem = entries.read_text(root, rel)
        problem = problem or (entries.frontmatter_problem(rel, text) if pages else None)
        if problem is not None:
            odd[rel] = problem if pages else dataclasses.replace(problem, held=False, fix=entries.BASE_FIX)
        return text

    return read
