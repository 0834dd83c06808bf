"""Pages as data: frontmatter, links and headings read with markdown-it-py; pages written back.

Every line number is 1-based in the file. The public API: `parse_page`, `split_frontmatter`, `dump_page`,
`find_wikilinks`, `replace_wikilinks`, `code_span`, and the `Page`, `Link`, `Heading` data types.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from kwiki.markdown.model import Heading, Link, Page
from kwiki.markdown.properties import dump_page, load_properties, split_frontmatter, split_text
from kwiki.markdown.rewrite import replace_wikilinks
from kwiki.markdown.scan import walk

__all__ = [
    "Heading",
    "Link",
    "Page",
    "code_span",
    "dump_page",
    "find_wikilinks",
    "parse_page",
    "replace_wikilinks",
    "split_frontmatter",
]


def code_span(text: str) -> str:
    """`text` as inline code whatever backticks it holds (a file may be named ``a ` [[b]]``): fenced by one backtick
    more than its longest run of them, and padded with a space where it starts or ends with one (CommonMark)."""
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _property_links(yaml_text: str, data: Mapping[str, Any]) -> Iterator[Link]:
    """Links quoted in property values; Obsidian counts them as links (backlinks, graph)."""
    if "[[" not in yaml_text:
        return
    values = [v for value in data.values() for v in (value if isinstance(value, list) else [value])]
    wanted = {_key(link) for v in values if isinstance(v, str) and "[[" in v for link in find_wikilinks(v)}
    for number, line in enumerate(yaml_text.split("\n"), start=2):
        for link in find_wikilinks(line.strip()) if "[[" in line else ():  # stripped: an indent is no code block
            if _key(link) in wanted:
                yield Link(link.target, link.subpath, link.display, False, number, "wiki")


def _key(link: Link) -> tuple[str, str, str]:
    return link.target, link.subpath, link.display


def parse_page(text: str) -> Page:
    part = split_text(text)
    data, error = load_properties(part.yaml_text) if part.yaml_text is not None else ({}, part.error)
    links, headings = walk(part.body, part.body_line)
    front = list(_property_links(part.yaml_text, data)) if part.yaml_text else []
    internal = tuple(front + [link for link in links if link.kind != "url"])
    external = tuple(link for link in links if link.kind == "url")
    return Page(data, part.body, part.body_line, internal, tuple(headings), error, external)


def find_wikilinks(text: str) -> list[Link]:
    """The wikilinks of a markdown fragment (no frontmatter); lines are 1-based in the fragment."""
    links, _ = walk(text, 1)
    return [link for link in links if link.kind == "wiki"]
