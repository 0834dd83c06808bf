"""Rewriting the wikilinks of a body in place: only real links change, code and everything else stay as written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kwiki.markdown.model import Link
from kwiki.markdown.scan import parser, wiki_link, wikis

# --- rewriting wikilinks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spot:
    line: int  # 0-based in the text
    inline_line: str  # the inline block's text on that line, as markdown-it saw it
    column: int  # position of the link within inline_line
    markup: str  # the link as markdown-it saw it, e.g. "![[a|b]]"
    link: Link
    in_table: bool  # a `|` in a replacement must then be written `\\|`


def _spots(text: str) -> Iterator[_Spot]:
    in_table = False
    env: dict[str, Any] = {}
    for token in parser().parse(text, env):
        if token.type in ("table_open", "table_close"):
            in_table = token.type == "table_open"
        if token.type != "inline" or token.map is None:
            continue
        content = token.content
        block_lines = content.split("\n")
        for wiki in wikis(content, env):
            offset = content.count("\n", 0, wiki.start)
            column = wiki.start - content.rfind("\n", 0, wiki.start) - 1
            line = token.map[0] + offset
            markup = content[wiki.start : wiki.end]
            yield _Spot(line, block_lines[offset], column, markup, wiki_link(wiki, line + 1), in_table)


def _locate(line: str, spot: _Spot, cursor: int) -> tuple[int, str]:
    """(column, markup as written) of the link in the source line, or (-1, "").

    markdown-it strips quote markers and indents from inline text, and `\\|` escapes inside table cells.
    """
    escaped = spot.markup.replace("|", "\\|") if "\\|" not in spot.markup else spot.markup
    for inline_line, markup in (
        (spot.inline_line, spot.markup),
        (spot.inline_line.replace("|", "\\|"), escaped),
    ):
        start = line.find(inline_line, cursor)
        if start >= 0 and line.startswith(markup, start + spot.column):
            return start + spot.column, markup
    for markup in (spot.markup, escaped):
        found = line.find(markup, cursor)
        if found >= 0:
            return found, markup
    return -1, ""


def replace_wikilinks(body: str, fn: Callable[[Link], str | None]) -> str:
    """Rewrite each real wikilink as fn(link) gives it, for the whole `[[...]]` (None: keep); code stays."""
    text = body.replace("\r\n", "\n")
    lines = text.split("\n")
    cursors: dict[int, int] = {}
    edits: list[tuple[int, int, str, str]] = []
    for spot in _spots(text):
        column, markup = _locate(lines[spot.line], spot, cursors.get(spot.line, 0))
        if column < 0:
            continue
        cursors[spot.line] = column + len(markup)
        replacement = fn(spot.link)
        if replacement is not None:
            escaped = replacement.replace("\\|", "|").replace("|", "\\|") if spot.in_table else replacement
            edits.append((spot.line, column, markup, escaped))
    for line_no, column, markup, replacement in reversed(edits):
        current = lines[line_no]
        lines[line_no] = current[:column] + replacement + current[column + len(markup) :]
    return "\n".join(lines)
