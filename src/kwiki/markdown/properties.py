"""Frontmatter: split from the body as Obsidian does, read (fast for kwiki's own pages), written in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from kwiki.markdown.simple_yaml import dump_simple, load_simple

FENCE = "---"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class SplitText:
    yaml_text: str | None  # None when the page has no frontmatter block
    body: str
    body_line: int
    error: str


def split_text(text: str) -> SplitText:
    """Obsidian's rule: frontmatter only when the very first line is `---` and a later line closes it."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not (text.startswith(FENCE + "\n") or text.rstrip("\n") == FENCE):
        return SplitText(None, text, 1, "")
    lines = text.split("\n")
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in (FENCE, "..."):
            return SplitText("\n".join(lines[1:number]), "\n".join(lines[number + 1 :]), number + 2, "")
    return SplitText(None, text, 1, "frontmatter opened with --- on line 1 is never closed")


def load_properties(yaml_text: str) -> tuple[dict[str, Any], str]:
    """(properties, error message); most pages kwiki wrote are read by the fast `load_simple`."""
    simple = load_simple(yaml_text)
    if simple is not None:
        return simple, ""
    try:
        data = yaml.load(yaml_text, Loader=_LOADER)  # a safe loader, the C one when available
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return {}, f"unparsable YAML{where}: {problem}"
    if data is None:
        return {}, ""
    if not isinstance(data, dict):
        return {}, "frontmatter is not a mapping of keys to values"
    return {str(key): value for key, value in data.items()}, ""


def split_frontmatter(text: str) -> tuple[dict[str, Any], str]:
    """(properties, body); ({}, text) when there is no frontmatter or it cannot be parsed."""
    part = split_text(text)
    if part.yaml_text is None:
        return {}, part.body
    data, _ = load_properties(part.yaml_text)
    return data, part.body


# --- writing pages -----------------------------------------------------------------------------------------


class _PageDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]  # C dumper: ~4x faster
    """Flow-style lists (`tags: [a, b]`), ISO dates, no key sorting, no `&anchors` for repeated values."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, data: list[Any] | tuple[Any, ...]) -> yaml.Node:
    flow = all(not isinstance(item, dict | list) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_datetime(dumper: yaml.SafeDumper, data: dt.datetime) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", data.isoformat(timespec="seconds"))


_PageDumper.add_representer(list, _represent_list)
_PageDumper.add_representer(tuple, _represent_list)
_PageDumper.add_representer(dt.datetime, _represent_datetime)


def dump_page(frontmatter: Mapping[str, Any], body: str) -> str:
    """The page as text: YAML properties in the given order, a blank line, the body, one final newline."""
    text = body.replace("\r\n", "\n").strip("\n")
    if not frontmatter:
        return text + "\n"
    properties = dump_simple(frontmatter)  # kwiki's own pages: 10x faster, the same bytes
    if properties is None:
        properties = yaml.dump(
            dict(frontmatter),
            Dumper=_PageDumper,
            sort_keys=False,
            allow_unicode=True,
            width=1 << 20,
            default_flow_style=False,
        )
    return f"{FENCE}\n{properties}{FENCE}\n\n{text}\n" if text else f"{FENCE}\n{properties}{FENCE}\n"
