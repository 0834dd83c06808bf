"""Links and headings of a markdown body, from markdown-it-py's token tree or, when provably equal, a plain scan.

Wikilinks come from a custom inline rule, so `[[x]]` inside a code span or fence is not a link, and `\\|` in a
table cell separates target from display as Obsidian expects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote

if TYPE_CHECKING:  # markdown-it is imported when the first page needs the full parser, not with this module
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

from kwiki.markdown.model import Heading, Link

_SCHEME = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.\-]*:|//)")
_BARE_URL = re.compile(r"\bhttps?://[^\s<>()\[\]`\"']+")

# --- the markdown-it parser -------------------------------------------------------------------------------


class _Wiki(NamedTuple):
    """A wikilink found in inline text: `start`/`end` delimit its markup, `inner` has `\\|` unescaped.

    A tuple, not a dataclass: a big vault has hundreds of thousands of them, and tuples are cheap to make.
    """

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


# A quoted line's block collects every line up to the next blank one, then may end after a few of them (after
# `> # heading`, a plain line starts a new paragraph): markdown-it then starts over at the next `>`, so a long
# run of such quotes with no blank line costs the square of its length (300 KB of model reply: 45 s).
_FIRST_SPAN = 64


def _bounded_blockquote(rule: Callable[[StateBlock, int, int, bool], bool]) -> Callable[..., bool]:
    """markdown-it's blockquote rule, shown a few lines more at a time: a quote that ends before the last line
    it was shown is final, as no line below could have changed it (a test compares the tokens on random text)."""

    def wrapped(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        span = _FIRST_SPAN
        while True:
            shown = min(end, start + span)
            before, level = len(state.tokens), state.level
            matched = rule(state, start, shown, silent)
            if not matched or silent or shown == end or state.line < shown:
                return matched
            del state.tokens[before:]  # cut short by `shown`: undo, and show it four times as many lines
            state.line, state.level, span = start, level, span * 4

    return wrapped


@cache
def parser() -> MarkdownIt:
    """Block structure for every page; inline parsing runs on demand (see `_children`), as it is the slow half."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table").disable(["emphasis", "entity", "inline", "text_join"])
    for name in ("link", "image", "autolink"):
        rule = next(r.fn for r in md.inline.ruler.__rules__ if r.name == name)
        md.inline.ruler.at(name, _with_offset(rule, {"link_open", "image"}))
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    quote = next(r for r in md.block.ruler.__rules__ if r.name == "blockquote")
    md.block.ruler.at("blockquote", _bounded_blockquote(quote.fn), {"alt": quote.alt})
    # mdurl publishes its percent-encoding table before filling it, so the first links parsed at once by two
    # threads (page drafts run in a pool) can read it half-built (IndexError): fill it here, once.
    md.normalizeLink("https://a.example/?q=1")
    md.normalizeLinkText("a")
    return md


# Inline text without these holds only plain text and wikilinks, which `_scan_wikis` finds exactly.
_NEEDS_INLINE_PARSE = re.compile(r"[`<\\]|\]\(|\]\[")


def _children(content: str, env: dict[str, Any]) -> list[Token] | None:
    """markdown-it's inline tokens for the text, or None when a plain scan gives the same links."""
    if not env.get("references") and not _NEEDS_INLINE_PARSE.search(content):
        return None
    tokens: list[Token] = []
    md = parser()
    md.inline.parse(content, md, env, tokens)
    return tokens


# --- reading tokens ----------------------------------------------------------------------------------------


def wiki_link(wiki: _Wiki, line: int) -> Link:
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


def wikis(content: str, env: dict[str, Any]) -> list[_Wiki]:
    children = _children(content, env)
    if children is None:
        return list(_scan_wikis(content))
    return [token.meta["wiki"] for token in children if token.type == "wikilink"]


def _inline_links(content: str, env: dict[str, Any], first_line: int) -> Iterator[Link]:
    children = _children(content, env)
    if children is None:
        for wiki in _scan_wikis(content):
            yield wiki_link(wiki, first_line + content.count("\n", 0, wiki.start))
        yield from _plain_urls(content, first_line)
        return
    in_label, cursor = False, [0]
    for index, token in enumerate(children):
        start = token.meta["wiki"].start if token.type == "wikilink" else (token.meta or {}).get("start", 0)
        line = first_line + content.count("\n", 0, start)
        if token.type == "wikilink":
            yield wiki_link(token.meta["wiki"], line)
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


def _shown(content: str) -> str:
    """Plain text with each wikilink replaced by what it shows."""
    if "[[" not in content:
        return content.strip()
    shown = content
    for wiki in reversed(list(_scan_wikis(content))):
        shown = shown[: wiki.start] + wiki_link(wiki, 0).shown + shown[wiki.end :]
    return shown.strip()


def _heading_text(content: str, env: dict[str, Any]) -> str:
    children = _children(content, env)
    if children is None:
        return _shown(content)
    parts = []
    for token in children:
        if token.type == "wikilink":
            parts.append(wiki_link(token.meta["wiki"], 0).shown)
        elif token.type in ("text", "code_inline"):
            parts.append(token.content)
    return "".join(parts).strip()


def walk_tokens(body: str, body_line: int) -> tuple[list[Link], list[Heading]]:
    links: list[Link] = []
    headings: list[Heading] = []
    env: dict[str, Any] = {}
    tokens = parser().parse(body, env)
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
_UNSAFE_TEXT = ("<", "\\", "\t", "](", "][", "~~~", "```", "    ")
# Each alternative starts at a newline, so the regex engine jumps from line to line (`"\n" + body` is searched).
_UNSAFE_LINE = re.compile(r"\n(?:[ >]*[-=|:][ >|:=-]*(?=\n)|[ >*+-]*\d+[.)] +#| {0,3}\[[^\]\n]*\]:)")
_ATX = re.compile(r"\n(?: {0,3}(?:> ?|[-*+] +))* {0,3}(#{1,6})(?:[ ]+([^\n]*))?(?=\n)")
_CLOSING = re.compile(r"(?:^|[ ]+)#+[ ]*$")


def is_plain(body: str) -> bool:
    if any(text in body for text in _UNSAFE_TEXT) or _UNSAFE_LINE.search(f"\n{body}\n"):
        return False
    if "`" in body:
        for line in body.split("\n"):
            # single-backtick spans that close on their own line, away from links and headings, hide nothing
            risky = "``" in line or line.count("`") % 2 or "[[" in line or "http" in line
            if "`" in line and (risky or _ATX.match(f"\n{line}\n")):
                return False
    return True


def walk_plain(body: str, body_line: int) -> tuple[list[Link], list[Heading]]:
    links: list[Link] = []
    line, last = body_line, 0
    for wiki in _scan_wikis(body):
        line += body.count("\n", last, wiki.start)
        last = wiki.start
        links.append(wiki_link(wiki, line))
    if "http" in body:
        links.extend(_plain_urls(body, body_line))
    headings = []
    padded = f"\n{body}\n"
    for match in _ATX.finditer(padded) if "#" in body else ():
        text = _CLOSING.sub("", (match.group(2) or "").strip())
        headings.append(Heading(len(match.group(1)), _shown(text), body_line + padded.count("\n", 0, match.start())))
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


def walk(body: str, body_line: int) -> tuple[list[Link], list[Heading]]:
    return walk_plain(body, body_line) if is_plain(body) else walk_tokens(body, body_line)
