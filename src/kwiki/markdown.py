"""Pages as data: frontmatter, links and headings from markdown-it-py's token tree; pages written back.

Wikilinks come from a custom inline rule, so `[[x]]` inside a code span or fence is not a link, and `\\|` in a
table cell separates target from display as Obsidian expects. Every line number is 1-based in the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

FENCE = "---"
_SCHEME = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.\-]*:|//)")
_BARE_URL = re.compile(r"\bhttps?://[^\s<>()\[\]`\"']+")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Link:
    """One link. `display` is the text after `|` (wiki) or the link text (md), "" when none was written.

    kind is "wiki" or "md" for internal links; "url" for external ones (found only in `Page.external`).
    """

    target: str
    subpath: str
    display: str
    embed: bool
    line: int
    kind: str

    @property
    def shown(self) -> str:
        """What a reader sees in place of the link."""
        return self.display or self.target or self.subpath


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class Page:
    """A parsed page. `links` holds internal links of the body and those quoted in frontmatter properties."""

    frontmatter: dict[str, Any]
    body: str
    body_line: int
    links: tuple[Link, ...]
    headings: tuple[Heading, ...]
    frontmatter_error: str
    external: tuple[Link, ...] = ()


@dataclass(frozen=True)
class _Split:
    yaml_text: str | None  # None when the page has no frontmatter block
    body: str
    body_line: int
    error: str


def _split(text: str) -> _Split:
    """Obsidian's rule: frontmatter only when the very first line is `---` and a later line closes it."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not (text.startswith(FENCE + "\n") or text.rstrip("\n") == FENCE):
        return _Split(None, text, 1, "")
    lines = text.split("\n")
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in (FENCE, "..."):
            return _Split("\n".join(lines[1:number]), "\n".join(lines[number + 1 :]), number + 2, "")
    return _Split(None, text, 1, "frontmatter opened with --- on line 1 is never closed")


def _load_yaml(yaml_text: str) -> tuple[dict[str, Any], str]:
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
    part = _split(text)
    if part.yaml_text is None:
        return {}, part.body
    data, _ = _load_yaml(part.yaml_text)
    return data, part.body


# --- the markdown-it parser -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wiki:
    """A wikilink found in inline text: `start`/`end` delimit its markup, `inner` has `\\|` unescaped."""

    start: int
    end: int
    inner: str
    embed: bool


def _wiki_at(src: str, pos: int) -> _Wiki | None:
    embed = src.startswith("![[", pos)
    start = pos + 1 if embed else pos
    if not src.startswith("[[", start):
        return None
    end = src.find("]]", start + 2)
    inner = src[start + 2 : end] if end > 0 else ""
    if not inner.strip() or "\n" in inner or "[[" in inner:
        return None
    return _Wiki(pos, end + 2, inner.replace("\\|", "|"), embed)


def _scan_wikis(src: str) -> Iterator[_Wiki]:
    """What the inline rule finds, for text that holds no code, html, escapes or markdown links."""
    pos = src.find("[[")
    while pos >= 0:
        found = _wiki_at(src, pos - 1) if pos > 0 and src[pos - 1] == "!" else None
        found = found or _wiki_at(src, pos)
        if found is not None:
            yield found
        pos = src.find("[[", found.end if found else pos + 1)


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    found = _wiki_at(state.src, state.pos)
    if found is None:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.meta = {"wiki": found}
    state.pos = found.end
    return True


def _with_offset(rule: Callable[[StateInline, bool], bool], kinds: set[str]) -> Callable[[StateInline, bool], bool]:
    """Wrap a built-in rule so the tokens it creates know where they start in the inline text."""

    def wrapped(state: StateInline, silent: bool) -> bool:
        pos, before = state.pos, len(state.tokens)
        matched = rule(state, silent)
        if matched and not silent:
            for token in state.tokens[before:]:
                if token.type in kinds:
                    token.meta = {**(token.meta or {}), "start": pos}
                    break
        return matched

    return wrapped


@cache
def _parser() -> MarkdownIt:
    """Block structure for every page; inline parsing runs on demand (see `_children`), as it is the slow half."""
    md = MarkdownIt("commonmark").enable("table").disable(["emphasis", "entity", "inline", "text_join"])
    for name in ("link", "image", "autolink"):
        rule = next(r.fn for r in md.inline.ruler.__rules__ if r.name == name)
        md.inline.ruler.at(name, _with_offset(rule, {"link_open", "image"}))
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    return md


# Inline text without these holds only plain text and wikilinks, which `_scan_wikis` finds exactly.
_NEEDS_INLINE_PARSE = re.compile(r"[`<\\]|\]\(|\]\[")


def _children(content: str, env: dict[str, Any]) -> list[Token] | None:
    """markdown-it's inline tokens for the text, or None when a plain scan gives the same links."""
    if not env.get("references") and not _NEEDS_INLINE_PARSE.search(content):
        return None
    tokens: list[Token] = []
    md = _parser()
    md.inline.parse(content, md, env, tokens)
    return tokens


# --- reading tokens ----------------------------------------------------------------------------------------


def _wiki_link(wiki: _Wiki, line: int) -> Link:
    target_part, _, display = wiki.inner.partition("|")
    target, _, subpath = target_part.partition("#")
    return Link(target.strip(), subpath.strip(), display.strip(), wiki.embed, line, "wiki")


def _md_link(href: str, display: str, embed: bool, line: int) -> Link:
    if _SCHEME.match(href):
        return Link(href, "", display, embed, line, "url")
    path, _, fragment = href.partition("#")
    return Link(unquote(path), unquote(fragment), display, embed, line, "md")


def _label(children: list[Token], start: int) -> str:
    """Text of a link's label: the tokens between link_open and its link_close."""
    parts: list[str] = []
    for token in children[start + 1 :]:
        if token.type == "link_close":
            break
        parts.append(token.content)
    return "".join(parts)


def _wikis(content: str, env: dict[str, Any]) -> list[_Wiki]:
    children = _children(content, env)
    if children is None:
        return list(_scan_wikis(content))
    return [token.meta["wiki"] for token in children if token.type == "wikilink"]


def _inline_links(content: str, env: dict[str, Any], first_line: int) -> Iterator[Link]:
    children = _children(content, env)
    if children is None:
        for wiki in _scan_wikis(content):
            yield _wiki_link(wiki, first_line + content.count("\n", 0, wiki.start))
        yield from _bare_urls(content, content, first_line, [0])
        return
    in_label, cursor = False, [0]
    for index, token in enumerate(children):
        start = token.meta["wiki"].start if token.type == "wikilink" else (token.meta or {}).get("start", 0)
        line = first_line + content.count("\n", 0, start)
        if token.type == "wikilink":
            yield _wiki_link(token.meta["wiki"], line)
        elif token.type == "link_open":
            in_label = True
            yield _md_link(str(token.attrGet("href") or ""), _label(children, index), False, line)
        elif token.type == "link_close":
            in_label = False
        elif token.type == "image":
            yield _md_link(str(token.attrGet("src") or ""), token.content, True, line)
        elif token.type == "text" and not in_label:
            yield from _bare_urls(token.content, content, first_line, cursor)


def _bare_urls(text: str, block: str, first_line: int, cursor: list[int]) -> Iterator[Link]:
    """URLs in a text token; `cursor` (a one-item list) keeps the search moving so repeats get their own line."""
    for match in _BARE_URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        at = block.find(url, cursor[0])
        cursor[0] = at + len(url) if at >= 0 else cursor[0]
        yield Link(url, "", "", False, first_line + block.count("\n", 0, max(at, 0)), "url")


def _heading_text(content: str, env: dict[str, Any]) -> str:
    children = _children(content, env)
    if children is None:
        shown = content
        for wiki in reversed(list(_scan_wikis(content))):
            shown = shown[: wiki.start] + _wiki_link(wiki, 0).shown + shown[wiki.end :]
        return shown.strip()
    parts = []
    for token in children:
        if token.type == "wikilink":
            parts.append(_wiki_link(token.meta["wiki"], 0).shown)
        elif token.type in ("text", "code_inline"):
            parts.append(token.content)
    return "".join(parts).strip()


def _walk_tokens(body: str, body_line: int) -> tuple[list[Link], list[Heading]]:
    links: list[Link] = []
    headings: list[Heading] = []
    env: dict[str, Any] = {}
    tokens = _parser().parse(body, env)
    for index, token in enumerate(tokens):
        if token.type == "inline" and token.map is not None:
            links.extend(_inline_links(token.content, env, body_line + token.map[0]))
        elif token.type == "heading_open" and token.map is not None:
            text = _heading_text(tokens[index + 1].content, env)
            headings.append(Heading(int(token.tag[1]), text, body_line + token.map[0]))
    return links, headings


# A body without `<`, `\\`, tabs, `](`, `][` and these has no code, html, tables, setext headings, escapes,
# reference definitions or markdown links: its block structure cannot hide a link, so a plain scan finds what
# markdown-it finds (tests/test_markdown.py checks that on generated pages).
_PLAIN_UNSAFE = re.compile(
    r"~~~|```| {4}|^ {0,3}\[[^\]]*\]:|^[ >|:=-]*[-=][ >|:=-]*$|^[ >*+-]*\d+[.)] +#",
    re.MULTILINE,
)
_TICK_LINE = re.compile(r"^.*`.*$", re.MULTILINE)
_ATX = re.compile(r"^(?: {0,3}(?:> ?|[-*+] +))* {0,3}(#{1,6})(?:[ ]+(.*))?$", re.MULTILINE)
_CLOSING = re.compile(r"(?:^|[ ]+)#+[ ]*$")


def _plain(body: str) -> bool:
    if "<" in body or "\\" in body or "\t" in body or "](" in body or "][" in body or _PLAIN_UNSAFE.search(body):
        return False
    for match in _TICK_LINE.finditer(body):
        # single-backtick spans that close on their own line, away from links and headings, hide nothing
        line = match.group(0)
        if "``" in line or line.count("`") % 2 or "[[" in line or "http" in line or _ATX.match(line):
            return False
    return True


def _walk_plain(body: str, body_line: int) -> tuple[list[Link], list[Heading]]:
    links: list[Link] = []
    line, last = body_line, 0
    for wiki in _scan_wikis(body):
        line += body.count("\n", last, wiki.start)
        last = wiki.start
        links.append(_wiki_link(wiki, line))
    if "http" in body:
        links.extend(_plain_urls(body, body_line))
    headings = []
    for match in _ATX.finditer(body) if "#" in body else ():
        text = _CLOSING.sub("", (match.group(2) or "").strip())
        headings.append(
            Heading(len(match.group(1)), _heading_text(text, {}), body_line + body.count("\n", 0, match.start()))
        )
    return links, headings


def _plain_urls(body: str, body_line: int) -> Iterator[Link]:
    """Bare URLs outside wikilinks (a URL inside `[[...]]` is part of the link target, not a URL)."""
    parts, last = [], 0
    for wiki in _scan_wikis(body):
        parts += [body[last : wiki.start], " " * (wiki.end - wiki.start)]
        last = wiki.end
    masked = "".join([*parts, body[last:]])
    for match in _BARE_URL.finditer(masked):
        line = body_line + masked.count("\n", 0, match.start())
        yield Link(match.group(0).rstrip(".,;:!?"), "", "", False, line, "url")


def _walk(body: str, body_line: int) -> tuple[list[Link], list[Heading]]:
    return _walk_plain(body, body_line) if _plain(body) else _walk_tokens(body, body_line)


_PROPERTY_LINK = re.compile(r"\[\[([^\[\]\n]+?)\]\]")


def _property_links(yaml_text: str, data: Mapping[str, Any]) -> Iterator[Link]:
    """Links quoted in property values; Obsidian counts them as links (backlinks, graph)."""
    values = [v for value in data.values() for v in (value if isinstance(value, list) else [value])]
    wanted = {m.group(1) for v in values if isinstance(v, str) for m in _PROPERTY_LINK.finditer(v)}
    for number, line in enumerate(yaml_text.split("\n"), start=2):
        for match in _PROPERTY_LINK.finditer(line):
            if match.group(1) in wanted:
                target_part, _, display = match.group(1).partition("|")
                target, _, subpath = target_part.partition("#")
                yield Link(target.strip(), subpath.strip(), display.strip(), False, number, "wiki")


def parse_page(text: str) -> Page:
    part = _split(text)
    data, error = _load_yaml(part.yaml_text) if part.yaml_text is not None else ({}, part.error)
    links, headings = _walk(part.body, part.body_line)
    front = list(_property_links(part.yaml_text, data)) if part.yaml_text else []
    internal = tuple(front + [link for link in links if link.kind != "url"])
    external = tuple(link for link in links if link.kind == "url")
    return Page(data, part.body, part.body_line, internal, tuple(headings), error, external)


def find_wikilinks(text: str) -> list[Link]:
    """The wikilinks of a markdown fragment (no frontmatter); lines are 1-based in the fragment."""
    links, _ = _walk(text, 1)
    return [link for link in links if link.kind == "wiki"]


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
    for token in _parser().parse(text, env):
        if token.type in ("table_open", "table_close"):
            in_table = token.type == "table_open"
        if token.type != "inline" or token.map is None:
            continue
        content = token.content
        block_lines = content.split("\n")
        for wiki in _wikis(content, env):
            offset = content.count("\n", 0, wiki.start)
            column = wiki.start - content.rfind("\n", 0, wiki.start) - 1
            line = token.map[0] + offset
            markup = content[wiki.start : wiki.end]
            yield _Spot(line, block_lines[offset], column, markup, _wiki_link(wiki, line + 1), in_table)


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


# --- writing pages -----------------------------------------------------------------------------------------


class _PageDumper(yaml.SafeDumper):
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
    properties = yaml.dump(
        dict(frontmatter),
        Dumper=_PageDumper,
        sort_keys=False,
        allow_unicode=True,
        width=1 << 20,
        default_flow_style=False,
    )
    return f"{FENCE}\n{properties}{FENCE}\n\n{text}\n" if text else f"{FENCE}\n{properties}{FENCE}\n"
