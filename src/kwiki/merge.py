"""Three-way merge of a regenerated page with the human edits on disk, section by section (docs/design.md §5).

A section is the text under a `## ` heading; the part before the first one (H1 and lead) is a section too.
The caller must store `new` — never `MergeResult.text` — as the next base: the base is what kwiki itself
would write, so a human's kept text keeps differing from it and keeps winning on every later run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kwiki.markdown import Link, dump_page, parse_page, replace_wikilinks
from kwiki.vocabulary import UPDATE_CALLOUT

CALLOUT_HEAD = UPDATE_CALLOUT
CALLOUT_INTRO = "> kwiki would now write this section as:"
LEAD_TITLE = "(lead)"

_Key = tuple[str, int]  # (heading text, occurrence): the same title may appear twice on a page
_LEAD: _Key = ("", 0)
_H2_LINE = re.compile(r" {0,3}##(?:[ \t]|$)")
_MISSING: Any = object()


@dataclass(frozen=True)
class MergeResult:
    text: str  # the page to write
    human_edited: bool  # disk differed from base in a way that is not link-only
    conflicts: tuple[str, ...]  # section titles where a true conflict happened ("(lead)" for the lead)


@dataclass(frozen=True)
class _Section:
    key: _Key
    text: str  # heading line included, blank lines around it trimmed

    @property
    def title(self) -> str:
        return LEAD_TITLE if self.key == _LEAD else self.key[0]

    @property
    def content(self) -> str:
        """What a callout proposes: the lead whole, other sections without the heading they keep anyway."""
        return self.text if self.key == _LEAD else _trim(self.text.partition("\n")[2])


@dataclass(frozen=True)
class _Page:
    head: str  # the frontmatter block exactly as written, closing fence included; "" when none
    meta: dict[str, Any]
    body: str
    sections: tuple[_Section, ...]
    readable: bool  # False when the frontmatter is unparsable or never closed


def merge_page(base: str | None, disk: str | None, new: str) -> MergeResult:
    """The page to write when kwiki wants `new`, last wrote `base`, and `disk` is on disk now."""
    if disk is None:
        return MergeResult(new, False, ())
    if base is None:
        return _merge_unowned(disk, new)
    if disk == base or _same_page(base, disk, ignore=("updated",)):  # the first test saves parsing both pages
        return MergeResult(new, False, ())
    old, mine, theirs = _parse(base), _parse(disk), _parse(new)
    if not mine.readable:
        # a broken frontmatter cannot be merged key by key: keep the human's page whole
        return _merge_unowned(disk, new)
    body, conflicts = _merge_body(old.sections, mine.sections, theirs.sections)
    meta = _merge_meta(old.meta, mine.meta, theirs.meta)
    return MergeResult(dump_page(meta, body), True, conflicts)


def is_link_only_change(a: str, b: str) -> bool:
    """True when a and b are the same page (or fragment) once wikilink targets are masked.

    These are the rewrites Obsidian makes in linking pages when a page is renamed: `[[old]]`→`[[new]]`,
    `[[old|x]]`→`[[new|x]]`, `[[old]]`→`[[new|old]]`. Frontmatter compares parsed, so Obsidian's own
    re-serialisation of properties is not a change either. Identical texts count as link-only.
    """
    return _same_page(a, b, ignore=())


# --- whole pages -------------------------------------------------------------------------------------------


def _merge_unowned(disk: str, new: str) -> MergeResult:
    """No usable base: the disk page is the human's. Keep it whole; note where kwiki would write otherwise."""
    if _same_page(disk, new, ignore=("updated", "created")):
        return MergeResult(_keep_created(new, disk), False, ())
    mine, theirs = _parse(disk), _parse(new)
    body, conflicts = _merge_body(None, mine.sections, theirs.sections)
    if not conflicts:
        return MergeResult(disk, True, ())
    return MergeResult(f"{mine.head}\n{body}" if mine.head else body, True, conflicts)


def _keep_created(new: str, disk: str) -> str:
    """`new`, but with the creation date the page on disk already had."""
    mine, theirs = _parse(disk), _parse(new)
    created = mine.meta.get("created", _MISSING)
    if created is _MISSING or theirs.meta.get("created") == created:
        return new
    return dump_page({**theirs.meta, "created": created}, theirs.body)


def _same_page(a: str, b: str, ignore: tuple[str, ...]) -> bool:
    pa, pb = _parse(a), _parse(b)
    if pa.readable != pb.readable or (not pa.readable and pa.head != pb.head):
        return False
    meta_a = {k: v for k, v in pa.meta.items() if k not in ignore}
    meta_b = {k: v for k, v in pb.meta.items() if k not in ignore}
    return _equivalent(meta_a, meta_b) and _same_text(pa.body, pb.body)


def _parse(text: str) -> _Page:
    page = parse_page(text)
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    head = "\n".join(lines[: page.body_line - 1]) + "\n" if page.body_line > 1 else ""
    body_lines = page.body.split("\n")
    # only top-level ATX `## ` lines split: not setext, not inside quotes (kwiki's callouts), lists or code
    splits = [
        (h.line - page.body_line, h.text)
        for h in page.headings
        if h.level == 2 and _H2_LINE.match(body_lines[h.line - page.body_line])
    ]
    return _Page(head, page.frontmatter, page.body, _sections(body_lines, splits), not page.frontmatter_error)


def _sections(lines: list[str], splits: list[tuple[int, str]]) -> tuple[_Section, ...]:
    starts = [0, *(line for line, _ in splits)]
    titles = ["", *(title for _, title in splits)]
    seen: Counter[str] = Counter()
    sections = []
    for lo, hi, title in zip(starts, [*starts[1:], len(lines)], titles, strict=True):
        sections.append(_Section((title, seen[title]), _trim("\n".join(lines[lo:hi]))))
        seen[title] += 1
    return tuple(sections)


# --- the body ----------------------------------------------------------------------------------------------


def _merge_body(
    base: tuple[_Section, ...] | None, disk: tuple[_Section, ...], new: tuple[_Section, ...]
) -> tuple[str, tuple[str, ...]]:
    """Merged body and conflicting section titles. base None: every disk section is the human's."""
    old = {s.key: s for s in base or ()}
    theirs = {s.key: s for s in new}
    out: list[tuple[_Key, str]] = []
    conflicts: list[str] = []
    carried: dict[str, str] = {}
    for section in disk:
        core, own, orphans = _split_callouts(section.text)
        carried.update(orphans)
        text, conflict = _merge_section(old.get(section.key), core, own, theirs.get(section.key))
        out.append((section.key, text))
        if conflict:
            conflicts.append(section.title)
    tail = _missing_sections(base, disk, new, out, conflicts, carried)
    return _join(*(text for _, text in out), *tail) + "\n", tuple(conflicts)


def _merge_section(base: _Section | None, core: str, own: list[str], new: _Section | None) -> tuple[str, bool]:
    """(text, is a true conflict) for a section on disk, `core` being its text without kwiki callouts."""
    if new is not None and _same_text(core, new.text):
        return new.text, False
    if base is not None and _same_text(core, base.text):
        return (new.text if new else ""), False
    if new is None or (base is not None and _same_text(new.text, base.text)):
        return _join(core, *own), False
    tail = _appended(base, new)
    if tail:  # kwiki only added to the end of the section (a delta update): both edits stand, no conflict
        return _join(core, *([] if _trim(tail) in core else [tail]), *own), False
    return _join(core, _callout(new.content)), True


def _appended(base: _Section | None, new: _Section) -> str:
    """What `new` adds after the whole of `base`, from a line boundary on; "" when it changed anything else."""
    if base is None or not new.text.startswith(base.text) or new.text[len(base.text) : len(base.text) + 1] != "\n":
        return ""
    return _trim(new.text[len(base.text) :])


def _missing_sections(
    base: tuple[_Section, ...] | None,
    disk: tuple[_Section, ...],
    new: tuple[_Section, ...],
    out: list[tuple[_Key, str]],
    conflicts: list[str],
    carried: dict[str, str],
) -> list[str]:
    """Insert sections kwiki added into `out`; return the callouts for sections the human removed."""
    old = {s.key: s for s in base or ()}
    on_disk = {s.key for s in disk}
    order = [s.key for s in new]
    tail = []
    for section in (s for s in new if s.key not in on_disk):
        before = old.get(section.key)
        if base is not None and before is None:
            _insert_after_predecessor(out, section, order)
        elif before is None or not _same_text(before.text, section.text):
            tail.append(_callout(section.text))
            conflicts.append(section.title)
        elif section.key[0] in carried:
            tail.append(carried[section.key[0]])  # the human has not dismissed it yet
    return tail


def _insert_after_predecessor(out: list[tuple[_Key, str]], section: _Section, order: list[_Key]) -> None:
    """Place a section kwiki added after the nearest section that precedes it in kwiki's page."""
    keys = [key for key, _ in out]
    earlier = order[: order.index(section.key)]
    anchor = next((keys.index(key) for key in reversed(earlier) if key in keys), 0)
    out.insert(anchor + 1, (section.key, section.text))


# --- callouts ----------------------------------------------------------------------------------------------


def _callout(proposed: str) -> str:
    lines = [CALLOUT_HEAD, CALLOUT_INTRO, *(f"> {line}".rstrip() for line in proposed.split("\n"))]
    return "\n".join(lines)


def _split_callouts(text: str) -> tuple[str, list[str], dict[str, str]]:
    """(text without kwiki callouts, the section's own callouts, callouts for removed sections by title).

    A callout for a removed section proposes it whole, so its first proposed line is a `## ` heading.
    """
    lines = text.split("\n")
    kept: list[str] = []
    own: list[str] = []
    orphans: dict[str, str] = {}
    i = 0
    while i < len(lines):
        if lines[i].rstrip() != CALLOUT_HEAD:
            kept.append(lines[i])
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].startswith(">"):
            end += 1
        title = _orphan_title(lines[i + 2 : end])
        if title is None:
            own.append("\n".join(lines[i:end]))
        else:
            orphans[title] = "\n".join(lines[i:end])
        i = end
    return _trim("\n".join(kept)), own, orphans


def _orphan_title(proposed: list[str]) -> str | None:
    first = proposed[0][1:].lstrip() if proposed else ""
    if not _H2_LINE.match(first):
        return None
    headings = parse_page(first).headings
    return headings[0].text if headings else ""


# --- frontmatter -------------------------------------------------------------------------------------------


def _merge_meta(base: Mapping[str, Any], disk: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Key by key: what the human changed wins, lists merge set-wise, `updated` is new's, `created` disk's."""
    merged: dict[str, Any] = {}
    for key in [*new, *(k for k in disk if k not in new)]:
        mine, theirs = disk.get(key, _MISSING), new.get(key, _MISSING)
        if key == "updated":
            value = theirs if theirs is not _MISSING else mine
        elif key == "created":
            value = mine if mine is not _MISSING else theirs
        else:
            value = _merge_value(base.get(key, _MISSING), mine, theirs)
        if value is not _MISSING:
            merged[key] = value
    return merged


def _merge_value(base: Any, disk: Any, new: Any) -> Any:
    if isinstance(disk, list) and isinstance(new, list):
        return _merge_list(base if isinstance(base, list) else [], disk, new)
    return new if _equivalent(disk, base) else disk


def _merge_list(base: list[Any], disk: list[Any], new: list[Any]) -> list[Any]:
    """Items the human added or removed stay so; otherwise kwiki's additions and removals apply."""

    def keep(item: Any) -> bool:
        return (item in disk) if (item in disk) != (item in base) else (item in new)

    merged: list[Any] = []
    for item in [*disk, *new]:
        if item not in merged and keep(item):
            merged.append(item)
    return merged


# --- comparing text ----------------------------------------------------------------------------------------


def _equivalent(a: Any, b: Any) -> bool:
    """Equal, with strings compared with wikilink targets masked."""
    if isinstance(a, str) and isinstance(b, str):
        return _same_text(a, b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equivalent(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equivalent(a[k], b[k]) for k in a)
    return bool(a == b)


def _same_text(a: str, b: str) -> bool:
    skeleton_a, links_a = _skeleton(a)
    skeleton_b, links_b = _skeleton(b)
    return (
        skeleton_a == skeleton_b
        and len(links_a) == len(links_b)
        and all(_same_link(x, y) for x, y in zip(links_a, links_b, strict=True))
    )


def _skeleton(text: str) -> tuple[str, list[Link]]:
    """The text with every wikilink replaced by `[[]]` (whitespace normalised), and the links in order."""
    links: list[Link] = []

    def mask(link: Link) -> str:
        links.append(link)
        return "![[]]" if link.embed else "[[]]"

    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    normalised = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return replace_wikilinks(normalised, mask), links


def _same_link(a: Link, b: Link) -> bool:
    """Same display, or one bare link whose target the other (renamed) link now shows."""
    if a.display == b.display:
        return True
    return (not a.display and b.display in _names(a)) or (not b.display and a.display in _names(b))


def _names(link: Link) -> tuple[str, str]:
    return link.target, f"{link.target}#{link.subpath}" if link.subpath else link.target


def _trim(text: str) -> str:
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _join(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part.strip())
