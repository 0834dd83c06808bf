"""Obsidian Bases views of the wiki (wiki/bases/*.base), built from the frontmatter kwiki writes on every page.

A .base file is YAML with `filters`, `formulas`, `properties`, `summaries` and `views` (help.obsidian.md/bases/syntax).
kwiki writes each of its bases once, when absent: after that the file is the user's, edited in Obsidian's UI.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from kwiki import vault

FOLDER = "bases"
TOP_KEYS = frozenset({"filters", "formulas", "properties", "summaries", "views"})
VIEW_TYPES = frozenset({"table", "cards", "list", "map", "kanban"})
FILTER_KEYS = frozenset({"and", "or", "not"})
_FORMULA_REF = re.compile(r"\bformula\.([A-Za-z_][A-Za-z0-9_]*)")

_KNOWLEDGE = {"or": ['type == "concept"', 'type == "entity"', 'type == "method"']}
_PAGES = {"or": [*_KNOWLEDGE["or"], 'type == "source"', 'type == "answer"']}
_DESC = "DESC"

KNOWLEDGE_BASE: Mapping[str, Any] = {
    "filters": {"and": ['file.ext == "md"']},
    "formulas": {"source_count": "if(sources, list(sources).length, 0)"},
    "properties": {
        "title": {"displayName": "Title"},
        "type": {"displayName": "Type"},
        "summary": {"displayName": "Summary"},
        "date": {"displayName": "Date"},
        "updated": {"displayName": "Updated"},
        "formula.source_count": {"displayName": "Sources"},
    },
    "views": [
        {
            "type": "table",
            "name": "Knowledge by number of sources",
            "filters": _KNOWLEDGE,
            "order": ["file.name", "type", "formula.source_count", "summary", "updated"],
            "sort": [{"property": "formula.source_count", "direction": _DESC}],
        },
        {
            "type": "cards",
            "name": "Knowledge cards",
            "filters": _KNOWLEDGE,
            "order": ["title", "summary", "formula.source_count", "tags"],
        },
        {
            "type": "table",
            "name": "Sources by date",
            "filters": 'type == "source"',
            "order": ["file.name", "date", "summary", "tags"],
            "sort": [{"property": "date", "direction": _DESC}],
        },
        {
            "type": "table",
            "name": "Updated by the last run",  # the first group is the latest ingest's date
            "filters": _PAGES,
            "groupBy": {"property": "updated", "direction": _DESC},
            "order": ["file.name", "type", "summary", "updated"],
        },
        {
            "type": "table",
            "name": "Not updated in 90 days",
            "filters": {"and": [_KNOWLEDGE, 'updated < today() - "90d"']},
            "order": ["file.name", "type", "formula.source_count", "updated"],
            "sort": [{"property": "updated", "direction": "ASC"}],
        },
        {
            "type": "table",
            "name": "In the contradictions register",  # open and settled: contradictions.md says which
            "filters": {"and": [_PAGES, 'link("contradictions").linksTo(file)']},
            "order": ["file.name", "type", "formula.source_count", "updated"],
        },
    ],
}
BASES: Mapping[str, Mapping[str, Any]] = {"knowledge.base": KNOWLEDGE_BASE}


class _BaseDumper(yaml.SafeDumper):
    """YAML as Obsidian writes bases: lists indented under their key, shared filters repeated (no &anchors)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def base_text(data: Mapping[str, Any]) -> str:
    return yaml.dump(dict(data), Dumper=_BaseDumper, sort_keys=False, allow_unicode=True, width=1000)


def ensure_bases(wiki: Path) -> list[str]:
    """Write each of kwiki's bases that is absent (wiki-relative paths written); an existing one is never touched."""
    written: list[str] = []
    if (wiki / FOLDER).is_symlink():  # kwiki never writes through a link; the user's folder is left alone
        return written
    for name, data in BASES.items():
        rel = f"{FOLDER}/{name}"
        if not os.path.lexists(wiki / rel):  # a dangling link or a FIFO there is the user's too
            vault.write_text(wiki, rel, base_text(data))
            written.append(rel)
    return written


def problems(text: str) -> list[tuple[int, str]]:
    """Why a .base text is not a Bases file Obsidian can open, as (line, message); empty when it is one."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        return [(mark.line + 1 if mark is not None else 1, f"not valid YAML: {getattr(err, 'problem', err)}")]
    if data is None:
        return []  # an empty base is valid: it shows every file
    if not isinstance(data, dict):
        return [(1, "a base is a YAML mapping of filters, formulas, properties, summaries and views")]
    found = [f"unknown top-level key {key!r}" for key in data if key not in TOP_KEYS]
    found += _filter_problems(data.get("filters"), "filters")
    found += _view_problems(data.get("views"))
    formulas = data.get("formulas") or {}
    if not isinstance(formulas, dict):
        found.append("formulas must map names to expressions")
        formulas = {}
    found += [f"formula.{name} is used but not defined in formulas" for name in _formula_refs(data) - set(formulas)]
    return [(_line_of(text, message), message) for message in found]


def _filter_problems(node: object, where: str) -> list[str]:
    if node is None or isinstance(node, str):
        return []
    if not isinstance(node, dict) or len(node) != 1 or next(iter(node)) not in FILTER_KEYS:
        return [f"{where}: a filter is an expression or a mapping with one key: and, or, not"]
    key, items = next(iter(node.items()))
    if not isinstance(items, list):
        return [f"{where}.{key} must be a list"]
    return [problem for item in items for problem in _filter_problems(item, f"{where}.{key}")]


def _view_problems(views: object) -> list[str]:
    if views is None:
        return []
    if not isinstance(views, list):
        return ["views must be a list"]
    found = []
    for number, view in enumerate(views, start=1):
        if not isinstance(view, dict):
            found.append(f"view {number} is not a mapping")
            continue
        if view.get("type") not in VIEW_TYPES:
            found.append(f"view {number} has type {view.get('type')!r}, not one of {', '.join(sorted(VIEW_TYPES))}")
        if not isinstance(view.get("order", []), list):
            found.append(f"view {number}: order must be a list of properties")
        found += _filter_problems(view.get("filters"), f"view {number} filters")
    return found


def _formula_refs(data: Mapping[str, Any]) -> set[str]:
    return set(_FORMULA_REF.findall(yaml.safe_dump(dict(data), width=10_000)))


def _line_of(text: str, message: str) -> int:
    """The line of the first name quoted in the message (formula.x, 'key'), else 1."""
    match = re.search(r"formula\.\w+|'[^']+'", message)
    needle = match.group(0).strip("'") if match else ""
    lines = text.split("\n")
    return next((n for n, line in enumerate(lines, start=1) if needle and needle in line), 1)
