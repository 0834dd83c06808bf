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
        offset, counted, line_start = 0, 0, 0  # `counted` only moves on, so a long paragraph is read once
        for wiki in wikis(content, env):
            if newlines := content.count("\n", counted, wiki.start):
                offset += newlines
                line_start = content.rfind("\n", counted, wiki.start) + 1
            counted, column = wiki.start, wiki.start - line_start
            line = token.map[0] + offset
            markup = content[wiki.start : wiki.end]
            yield _Spot(line, block_lines[offset], column, markup, wiki_link(wiki, line + 1), in_table)


def _locate(line: str, spot: _Spot, cursor: int, starts: dict[tuple[int, str, bool], int]) -> tuple[int, str]:
    """(column, markup as written) of the link in the source line, or (-1, "").

    markdown-it strips quote markers and indents from inline text, and `\\|` escapes inside table cells. Where
    the inline text starts in the line is found once per line (`starts`), not once per link on it.
    """
    escaped = spot.markup.replace("|", "\\|") if "\\|" not in spot.markup else spot.markup
    for in_cell, markup in ((False, spot.markup), (True, escaped)):
        key = (spot.line, spot.inline_line, in_cell)
        if key not in starts:
            starts[key] = line.find(spot.inline_line.replace("|", "\\|") if in_cell else spot.inline_line)
        column = starts[key] + spot.column
        if starts[key] >= 0 and column >= cursor and line.startswith(markup, column):
            return column, markup
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
    starts: dict[tuple[int, str, bool], int] = {}
    edits: list[tuple[int, int, str, str]] = []
    for spot in _spots(text):
        column, markup = _locate(lines[spot.line], spot, cursors.get(spot.line, 0), starts)
        if column < 0:
            continue
        cursors[spot.line] = column + len(markup)
        replacement = fn(spot.link)
        if replacement is not None:
            escaped = replacement.replace("\\|", "|").replace("|", "\\|") if spot.in_table else replacement
            edits.append((spot.line, column, markup, escaped))
    for line_no, edited in _edited_lines(lines, edits).items():
        lines[line_no] = edited
    return "\n".join(lines)


def _edited_lines(lines: list[str], edits: list[tuple[int, int, str, str]]) -> dict[int, str]:
    """Each edited line, joined once from its pieces: a line with thousands of links is not copied per link."""
    pieces: dict[int, list[str]] = {}
    done: dict[int, int] = {}  # how far into each line the pieces reach
    for line_no, column, markup, replacement in edits:  # in order along each line
        pieces.setdefault(line_no, []).extend((lines[line_no][done.get(line_no, 0) : column], replacement))
        done[line_no] = column + len(markup)
    return {line_no: "".join(parts) + lines[line_no][done[line_no] :] for line_no, parts in pieces.items()}
