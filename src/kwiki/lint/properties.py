"""Frontmatter: present and parsable, required keys, one type per key vault-wide, valid tags, quoted links."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from kwiki.lint.model import Finding, finding
from kwiki.lint.snapshot import KNOWLEDGE, PageFile, Vault

BASE_KEYS = ("title", "type")
# `sources` on knowledge pages is judged by the no-sources check, so it is not listed here.
TYPE_KEYS = {
    **{t: ("summary", "aliases", "tags", "created", "updated") for t in KNOWLEDGE},
    "source": ("summary", "tags", "sources", "created", "updated"),
    "answer": ("created",),
}
_TAG = re.compile(r"[\w/-]+")
_UNQUOTED_LINK = re.compile(r"^\s*(?:[^\s:#'\"][^:]*:\s*|-\s+)\[\[")


_TYPES: dict[type, str | None] = {
    str: "text",
    list: "list",
    dt.date: "date",
    dt.datetime: "datetime",
    bool: "checkbox",
    int: "number",
    float: "number",
    dict: "object",
    type(None): None,
}


def value_type(value: Any) -> str | None:
    """The Obsidian property type of a YAML value (None for an empty value, which fits any type)."""
    if type(value) in _TYPES:
        return _TYPES[type(value)]
    if value is None:
        return None
    if isinstance(value, bool):
        return "checkbox"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, list):
        return "list"
    return "object" if isinstance(value, dict) else "text"


def tag_ok(tag: object) -> bool:
    return isinstance(tag, str) and _TAG.fullmatch(tag) is not None and not tag.replace("/", "").isdigit()


def _tags(value: object) -> list[object]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _presence(file: PageFile, where: str) -> Iterator[Finding]:
    page = file.page
    if page.frontmatter_error:
        yield finding("frontmatter-invalid", where, 1, page.frontmatter_error)
        return
    if page.body_line == 1:  # no properties block; kwiki's log.md is plain markdown on purpose
        if file.type != "log":
            yield finding("frontmatter-missing", where, 1, "the page has no properties")
        return
    wanted = BASE_KEYS + TYPE_KEYS.get(file.type, ())
    missing = [key for key in wanted if key not in page.frontmatter]
    if missing:
        yield finding("frontmatter-keys", where, 1, "missing properties: " + ", ".join(missing))


def _tag_findings(file: PageFile, where: str) -> Iterator[Finding]:
    bad = [str(tag) for tag in _tags(file.page.frontmatter.get("tags")) if not tag_ok(tag)]
    if bad:
        yield finding("tag-invalid", where, file.key_line("tags"), "tags Obsidian rejects: " + ", ".join(bad))


def unquoted_link_lines(file: PageFile) -> list[int]:
    """File lines of frontmatter values that start with an unquoted [[link]] (YAML reads them as lists)."""
    if file.page.body_line == 1 or "[[" not in file.text[: file.text.find("\n---", 3) + 1]:
        return []
    lines = file.text.split("\n")[1 : file.page.body_line - 2]
    return [number for number, line in enumerate(lines, start=2) if _UNQUOTED_LINK.match(line)]


def _types(vault: Vault) -> dict[str, list[tuple[str, str]]]:
    """Page → (key, type) of each non-empty property."""
    found = {}
    for path, file in vault.pages.items():
        pairs = [(key, value_type(value)) for key, value in file.page.frontmatter.items()]
        found[path] = [(key, kind) for key, kind in pairs if kind is not None]
    return found


def _majority_types(types: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for pairs in types.values():
        for key, kind in pairs:
            counts[key][kind] += 1
    majority = {}
    for key, counter in counts.items():
        ranked = counter.most_common(2)
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            majority[key] = ranked[0][0]
    return majority


def check(vault: Vault) -> Iterator[Finding]:
    types = _types(vault)
    majority = _majority_types(types)
    for path, file in sorted(vault.pages.items()):
        where = vault.wiki_path(path)
        yield from _presence(file, where)
        yield from _tag_findings(file, where)
        unquoted = unquoted_link_lines(file)
        if unquoted:
            yield finding("property-link-unquoted", where, unquoted[0], "a link in a property is not quoted")
        for key, kind in types[path]:
            if key in majority and kind != majority[key] and not unquoted:
                message = f"'{key}' is {kind} here but {majority[key]} on most pages"
                yield finding("property-type", where, file.key_line(key), message)
