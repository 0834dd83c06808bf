"""`kwiki lint --fix`: the repairs code can make safely. Prose is never rewritten, only link targets; raw/ never."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import yaml

from kwiki import entries
from kwiki import vault as files
from kwiki.index import LogEntry, append_log, write_index
from kwiki.links import VaultIndex
from kwiki.lint.catalog import LOG, stale_log_lines
from kwiki.lint.links import SKIP_TYPES, has_subpath
from kwiki.lint.mentions import Candidate, candidates
from kwiki.lint.model import Fix
from kwiki.lint.properties import tag_ok, unquoted_link_lines
from kwiki.lint.snapshot import PageFile, Vault
from kwiki.markdown import Link, dump_page, parse_page, replace_wikilinks
from kwiki.pages import clean_tags
from kwiki.slugs import name_key, slugify, unique_slug

STUB_FOLDER = "concepts"
_LINK_VALUE = re.compile(r"^(\s*(?:[^\s:#'\"][^:]*:\s*|-\s+))(\[\[.*?)\s*$")
_LOGGED_PAGE = re.compile(r"`(?:wiki/)?([^`]+)\.md`")


def _stem(target: str) -> str:
    return target.rsplit("/", 1)[-1].removesuffix(".md").casefold()


def deleted_pages(vault: Vault) -> frozenset[str]:
    """Stems of the pages log.md names (`page: ...` lines and links) that are no longer in the vault."""
    log = vault.pages.get(LOG)
    if log is None:
        return frozenset()
    named = {_stem(m) for m in _LOGGED_PAGE.findall(log.text)} | {_stem(link.target) for link in log.page.links}
    return frozenset(named - {_stem(path) for path in vault.files.paths})


class _Authorship:
    """Which broken links --fix may unlink: those kwiki wrote (in the page's last generated text in
    .kwiki/base/) and those to pages that existed and were deleted. A link a person wrote to a page that does
    not exist yet is theirs: it stays, and lint keeps reporting it."""

    def __init__(self, vault: Vault) -> None:
        self.base = vault.paths.base_dir
        self.deleted = deleted_pages(vault)
        self._generated: dict[str, frozenset[str]] = {}

    def may_unlink(self, path: str, link: Link) -> bool:
        return _stem(link.target) in self.deleted or _stem(link.target) in self.generated(path)

    def generated(self, path: str) -> frozenset[str]:
        if path not in self._generated:
            text = entries.read_text(self.base, path)[0]  # "" when there is no base (or it is no file)
            self._generated[path] = frozenset(_stem(link.target) for link in parse_page(text).links)
        return self._generated[path]


@dataclass(frozen=True)
class _Edit:
    """A page's text split where --fix works on it: frontmatter lines (with fences) and the body."""

    head: list[str]
    body: str

    @classmethod
    def of(cls, file: PageFile) -> _Edit:
        lines = file.text.replace("\r\n", "\n").split("\n")
        cut = file.page.body_line - 1
        return cls(lines[:cut], "\n".join(lines[cut:]))

    def text(self) -> str:
        return "\n".join([*self.head, self.body])


def _stub(candidate: Candidate, slug: str, today: dt.date) -> str:
    front: dict[str, Any] = {
        "title": candidate.name,
        "type": "concept",
        "summary": f"Stub: mentioned on {len(candidate.mentions)} pages, not yet covered by a source.",
        "aliases": [],
        "tags": ["stub"],
        "sources": [],
        "created": today,
        "updated": today,
        "stub": True,
    }
    where = ", ".join(f"[[{path.rsplit('/', 1)[-1][:-3]}]]" for path, _ in candidate.mentions)
    body = f"# {candidate.name}\n\n_Stub made by `kwiki lint --fix`: mentioned on {where}._"
    return dump_page(front, body)


def _stubs(vault: Vault, today: dt.date) -> dict[str, str]:
    taken = {name_key(p.rsplit("/", 1)[-1].rsplit(".", 1)[0]) for p in vault.files.paths}
    made = {}
    for candidate in candidates(vault):
        slug = unique_slug(candidate.slug, taken)
        taken.add(slug.casefold())
        made[f"{STUB_FOLDER}/{slug}.md"] = _stub(candidate, slug, today)
    return made


class _Relinker:
    """The replacement for each broken wikilink: the canonical page for an alias or a slug, else plain text."""

    def __init__(self, vault: Vault, index: VaultIndex, titles: dict[str, str], pages: dict[str, PageFile]) -> None:
        self.vault, self.index, self.titles, self.pages = vault, index, titles, pages
        self.authorship = _Authorship(vault)
        self.changed: list[str] = []

    def __call__(self, path: str, link: Link) -> str | None:
        target = self.index.resolve(link.target, path)
        shown = link.display or link.target
        if target is not None:
            page = self.pages.get(target)
            if not link.subpath or page is None or has_subpath(page, link.subpath):
                return None
            self.changed.append(f"dropped the missing heading #{link.subpath}")
            return f"[[{link.target}|{shown}]]" if link.display else f"[[{link.target}]]"
        if link.embed:
            return None
        found = self._canonical(link.target)
        if found is None:
            if not self.authorship.may_unlink(path, link):
                return None  # a person's link to a page not written yet
            self.changed.append(f"unlinked '{link.target}' (no such page)")
            return shown
        self.changed.append(f"relinked '{link.target}' to '{found}'")
        return f"[[{found}|{shown}]]"

    def _canonical(self, target: str) -> str | None:
        path = self.vault.aliases.get(target.lower()) or self.titles.get(target.casefold())
        path = path or self.index.resolve(slugify(target), "")
        return path.rsplit("/", 1)[-1][:-3] if path else None


def _quote_links(edit: _Edit, file: PageFile) -> int:
    count = 0
    for number in unquoted_link_lines(file):
        match = _LINK_VALUE.match(edit.head[number - 1])
        if match:
            value = match.group(2).replace("\\", "\\\\").replace('"', '\\"')
            edit.head[number - 1] = f'{match.group(1)}"{value}"'
            count += 1
    return count


def _normalize_tags(edit: _Edit, file: PageFile) -> bool:
    value = file.page.frontmatter.get("tags")
    tags = value if isinstance(value, list) else [value]
    if value is None or all(tag_ok(tag) for tag in tags):
        return False
    start = file.key_line("tags") - 1
    end = start + 1
    while end < len(edit.head) - 1 and edit.head[end].startswith((" ", "\t", "-")):
        end += 1
    flow = yaml.safe_dump(clean_tags([str(t) for t in tags]), default_flow_style=True, allow_unicode=True)
    edit.head[start:end] = [f"tags: {flow.strip()}"]
    return True


def _fix_page(file: PageFile, relink: _Relinker) -> list[str]:
    """Repair one page in place (in memory); what was done, in words."""
    edit = _Edit.of(file)
    relink.changed = []
    if file.type not in SKIP_TYPES:
        edit = _Edit(edit.head, replace_wikilinks(edit.body, lambda link: relink(file.path, link)))
    done = list(relink.changed)
    quoted = _quote_links(edit, file)
    if quoted:
        done.append(f"quoted {quoted} {'link' if quoted == 1 else 'links'} in properties")
    if _normalize_tags(edit, file):
        done.append("normalized tags")
    if done:
        relink.pages[file.path] = PageFile(file.path, edit.text(), parse_page(edit.text()))
    return done


def _drop_log_lines(vault: Vault) -> str | None:
    stale = {line for line, _ in stale_log_lines(vault)}
    if not stale or LOG not in vault.pages:
        return None
    lines = vault.pages[LOG].text.split("\n")
    return "\n".join(line for number, line in enumerate(lines, start=1) if number not in stale)


def apply_fixes(vault: Vault, today: dt.date) -> list[Fix]:
    """Make every safe repair, write the files, and log the run in log.md when anything changed."""
    wiki = vault.paths.wiki
    stubs = _stubs(vault, today)
    fixes = [Fix(vault.wiki_path(rel), "created a stub page") for rel in stubs]
    pages = dict(vault.pages) | {rel: PageFile(rel, text, parse_page(text)) for rel, text in stubs.items()}
    index = VaultIndex.from_paths([*vault.files.paths, *stubs])
    titles = {file.title.casefold(): path for path, file in sorted(pages.items(), reverse=True)}
    relink = _Relinker(vault, index, titles, pages)
    for path, file in sorted(vault.pages.items()):
        if path not in vault.held:  # a page kwiki could not read cleanly is never rewritten
            fixes += [Fix(vault.wiki_path(path), action) for action in _fix_page(file, relink)]
    log_text = _drop_log_lines(vault) if LOG not in vault.held else None
    if log_text is not None:
        fixes.append(Fix(vault.wiki_path(LOG), "removed log lines about deleted pages"))
    for rel, page in pages.items():
        if rel in stubs or page is not vault.pages.get(rel):
            files.write_text(wiki, rel, page.text)
    if log_text is not None:
        files.write_text(wiki, LOG, log_text)
    fixes += [Fix(vault.wiki_path(rel), "regenerated the index") for rel in write_index(vault.paths)]
    if fixes and LOG not in vault.held:
        _log_run(vault, fixes, today)
    return fixes


def _log_run(vault: Vault, fixes: list[Fix], today: dt.date) -> None:
    path = vault.paths.wiki / LOG
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    lines = tuple(f"- {fix.path}: {fix.action}" for fix in fixes)
    entry = LogEntry(today.isoformat(), "lint", f"{len(fixes)} {'fix' if len(fixes) == 1 else 'fixes'}", lines)
    files.write_text(vault.paths.wiki, LOG, append_log(old, [entry]))
