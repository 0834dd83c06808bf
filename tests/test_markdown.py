"""Parsing pages into links, headings and properties, and writing them back."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import yaml
from markdown_it import MarkdownIt

from kwiki.markdown import (
    Heading,
    Link,
    dump_page,
    find_wikilinks,
    parse_page,
    replace_wikilinks,
    split_frontmatter,
)
from kwiki.markdown.properties import _PageDumper
from kwiki.markdown.scan import is_plain, parser, walk_plain, walk_tokens
from kwiki.markdown.simple_yaml import dump_simple, load_simple

PAGE = """---
title: Verifiability
aliases: [verifiable tasks]
cites: ["[[llm-os]]"]
updated: 2026-04-18
---

# Verifiability

Software 2.0 automates what you can verify ([[karpathy-2025|Nov 2025 posts]]).
Inline `[[not-a-link]]` and [[rlvr#Rewards]] and ![[chart.png]].

```
[[fenced-not-a-link]]
```

| Page | Note |
| --- | --- |
| [[jagged\\|Jagged]] | ok |

> "exact quote" — [[source-page]]

See [doc](My%20Note.md#Part) and ![img](https://example.com/x.png).

Related
-------
"""


def test_parse_page_reads_links_with_file_lines() -> None:
    page = parse_page(PAGE)
    found = [(link.target, link.subpath, link.display, link.embed, link.line, link.kind) for link in page.links]
    assert found == [
        ("llm-os", "", "", False, 4, "wiki"),
        ("karpathy-2025", "", "Nov 2025 posts", False, 10, "wiki"),
        ("rlvr", "Rewards", "", False, 11, "wiki"),
        ("chart.png", "", "", True, 11, "wiki"),
        ("jagged", "", "Jagged", False, 19, "wiki"),
        ("source-page", "", "", False, 21, "wiki"),
        ("My Note.md", "Part", "doc", False, 23, "md"),
    ]
    assert [(link.target, link.embed, link.line) for link in page.external] == [("https://example.com/x.png", True, 23)]


def test_parse_page_reads_frontmatter_and_headings() -> None:
    page = parse_page(PAGE)
    assert page.frontmatter["title"] == "Verifiability"
    assert page.frontmatter["updated"] == dt.date(2026, 4, 18)
    assert page.body_line == 7
    assert page.frontmatter_error == ""
    assert [(h.level, h.text, h.line) for h in page.headings] == [(1, "Verifiability", 8), (2, "Related", 25)]


def test_unparsable_or_unclosed_frontmatter_is_reported() -> None:
    assert "unparsable YAML" in parse_page("---\ntitle: [oops\n---\nbody\n").frontmatter_error
    assert "never closed" in parse_page("---\ntitle: x\nbody\n").frontmatter_error
    assert parse_page("no frontmatter\n").frontmatter_error == ""
    assert split_frontmatter("no frontmatter\n") == ({}, "no frontmatter\n")


def test_find_wikilinks_skips_code_and_counts_fragment_lines() -> None:
    links = find_wikilinks("a [[x]]\n`[[y]]`\n\n    [[indented-code]]\n\n[[z|Zed]]\n")
    assert links == [Link("x", "", "", False, 1, "wiki"), Link("z", "", "Zed", False, 6, "wiki")]


def test_replace_wikilinks_rewrites_only_real_links() -> None:
    body = "[[a]] and `[[a]]`\n\n| x | y |\n|---|---|\n| [[a]] | [[b\\|B]] |\n\n> - [[a]] [[a]]\n"
    result = replace_wikilinks(body, lambda link: f"[[A|{link.shown}]]" if link.target == "a" else None)
    assert result == "[[A|a]] and `[[a]]`\n\n| x | y |\n|---|---|\n| [[A\\|a]] | [[b\\|B]] |\n\n> - [[A|a]] [[A|a]]\n"


def test_replace_wikilinks_can_turn_links_into_text() -> None:
    assert replace_wikilinks("see [[gone|the page]].", lambda link: link.shown) == "see the page."


def test_dump_page_keeps_order_quotes_and_round_trips() -> None:
    front = {
        "title": "No",
        "type": "concept",
        "aliases": ["verifiable tasks"],
        "tags": ["rl"],
        "sources": ["2025/11.17.md"],
        "related": ["[[llm-os]]"],
        "created": dt.date(2026, 4, 18),
    }
    text = dump_page(front, "\n# Body\n\ntext\n\n")
    assert text.startswith("---\ntitle: 'No'\ntype: concept\naliases: [verifiable tasks]\n")
    assert "created: 2026-04-18\n" in text
    assert text.endswith("---\n\n# Body\n\ntext\n")
    assert split_frontmatter(text) == (front, "\n# Body\n\ntext\n")
    assert dump_page(*split_frontmatter(text)) == text


def test_dump_page_writes_repeated_dates_without_yaml_anchors() -> None:
    day = dt.date(2026, 4, 18)
    text = dump_page({"created": day, "updated": day}, "x")
    assert text == "---\ncreated: 2026-04-18\nupdated: 2026-04-18\n---\n\nx\n"


def _pyyaml(front: dict[str, object]) -> str:
    return str(
        yaml.dump(
            front, Dumper=_PageDumper, sort_keys=False, allow_unicode=True, width=1 << 20, default_flow_style=False
        )
    )


TRICKY = [
    "plain words",
    "Andy Matuschak's term",
    "a: b",
    "a:b",
    "ends:",
    "a #b",
    "a#b",
    "#a",
    "- a",
    "-a",
    "? a",
    "?a",
    ":a",
    "a, b",
    "a?b",
    "[x]",
    "{x}",
    "'q'",
    '"q"',
    'say "hi"',
    "it's",
    "%p",
    "@p",
    "`p`",
    "&p",
    "*p",
    "!p",
    "|p",
    ">p",
    "---",
    "...x",
    " lead",
    "trail ",
    "two  spaces",
    "",
    "yes",
    "No",
    "ON",
    "null",
    "Null",
    "~",
    "true",
    "1",
    "-1",
    "0x1F",
    "1e5",
    ".inf",
    ".NaN",
    "1_000",
    "12:30",
    "2026-12-02",
    "2026-12-02T10:00:00",
    "<<",
    "=",
    "café",
    "Sönke Ahrens",
    "中文 notes",
    "emoji 😀",
    "nbsp\u00a0here",
    "tab\there",
    "line\nbreak",
    "bom\ufeff",
    "nel\x85",
    "ls\u2028",
    "[[llm-os]]",
    "a [[b|c]] d",
    "2025/11.17.md",
    "x" * 5000,
]


def test_dump_simple_writes_what_pyyaml_writes_or_nothing() -> None:
    values: list[object] = [*TRICKY, dt.date(2026, 4, 18), 7, -3, True, None, 1.5, [], (), ["a"], ("a", "b")]
    values += [[text, "x"] for text in TRICKY] + [dt.datetime(2026, 4, 18, 10, 0), {"a": 1}, [["a"]]]
    fast = 0
    for value in values:
        for key in ("title", "tags", "yes", "a: b", "k" * 150):
            front = {key: value, "type": "concept"}
            got = dump_simple(front)
            assert got is None or got == _pyyaml(front), front
            fast += got is not None
    assert fast > 250  # kwiki's everyday values take the fast path
    random_texts = ["".join(random.Random(n).choices("ab :#,?[]{}'\"-.é中😀\t", k=n % 7)) for n in range(3000)]
    for text in random_texts:
        front = {"title": text, "tags": [text, "x"], "aliases": []}
        got = dump_simple(front)
        assert got is None or got == _pyyaml(front), front


def test_dump_page_output_is_the_same_with_or_without_the_fast_path() -> None:
    front = {"title": "atomic notes", "summary": "Ahrens's term: a note", "aliases": [], "tags": ["a", "b c"]}
    front |= {"sources": ["2025/x.md"], "created": dt.date(2026, 12, 2)}
    assert dump_simple(front) is not None
    assert dump_page(front, "# Body") == f"---\n{_pyyaml(front)}---\n\n# Body\n"


FRAGMENTS = [
    "[[a]]",
    "[[b|B]]",
    "![[c.png]]",
    "[[d#H]]",
    "# Head",
    "## Sub [[x]]",
    "> quote [[q]]",
    "- item [[i]]",
    "* it",
    "1. one",
    "text",
    "`code`",
    "`[[nc]]`",
    "https://x.y/z",
    "#tag",
    "-# no",
    "- # lh",
    "> ## qh",
    "",
    "\n",
    "[[",
    "]]",
    "[x]",
    "!",
    "|",
    "a | b",
    "> [!warning] Contradiction",
    "+ plus",
    "### h3 ###",
    "#",
    "2. # nh",
    "  indented",
    "1) # x",
    "> - # y",
    "`a` `b`",
    "## `c`",
    "* * # z",
    "[[https://x.y]]",
]


def _signature(found: tuple[list[Link], list[Heading]]) -> tuple[list[tuple[object, ...]], list[Heading]]:
    links, headings = found
    return sorted((x.kind, x.line, x.target, x.subpath, x.display, x.embed) for x in links), headings


def test_plain_scan_finds_what_markdown_it_finds() -> None:
    rng = random.Random(7)
    compared = 0
    for _ in range(4000):
        lines = [" ".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 8))]
        body = "\n".join(lines)
        if is_plain(body):
            compared += 1
            assert _signature(walk_plain(body, 5)) == _signature(walk_tokens(body, 5)), body
    assert compared > 1000


VALUES = [
    "concept",
    "2026-04-18",
    "2026-13-45",
    "'No'",
    "No",
    "yes",
    "on",
    "1.10",
    "12",
    "-3",
    "[a, b]",
    "[]",
    "['x', \"y\"]",
    '"[[alpha]]"',
    "[[alpha]]",
    "a: b",
    "a #c",
    "x#y",
    "'it''s'",
    "~",
    "null",
    "",
    "[2025/x.md, '2026/y.md']",
    "[1, a]",
    "a, b",
    "2026-04-18T10:00:00",
    "über",
    "@x",
    "[a, [b]]",
    "{a: 1}",
    "'a'b'",
    "x:",
    "True",
    "0x1F",
    "1e3",
    ".inf",
    "<<",
    "x y z ",
    "[ a , b ]",
    "[a, ]",
]


def test_simple_properties_read_as_pyyaml_reads_them() -> None:
    rng = random.Random(5)
    compared = 0
    for _ in range(3000):
        text = "\n".join(f"{rng.choice(['title', 'tags', 'a-b'])}: {rng.choice(VALUES)}" for _ in range(3))
        fast = load_simple(text)
        if fast is not None:
            compared += 1
            slow = yaml.safe_load(text)
            assert fast == slow and [type(v) for v in fast.values()] == [type(v) for v in slow.values()], text
    assert compared > 100


def test_property_links_are_read_by_the_one_wikilink_parser_in_any_yaml_layout() -> None:
    text = '---\ncites:\n    - "[[alpha|The alpha]]"\n    - "[[beta#Part]]"\nnote: "`[[not-a-link]]`"\n---\n\nBody.\n'
    found = [(link.target, link.subpath, link.display, link.line) for link in parse_page(text).links]
    assert found == [("alpha", "", "The alpha", 3), ("beta", "Part", "", 4)]


def test_the_parser_fills_mdurls_encoding_table_before_threads_share_it() -> None:
    # mdurl publishes its table before filling it; two page drafts parsing links at once read it half-built
    import mdurl._encode

    from kwiki.markdown.scan import parser

    mdurl._encode.encode_cache.clear()
    parser.cache_clear()
    parser()
    assert mdurl._encode.encode_cache and all(len(t) == 128 for t in mdurl._encode.encode_cache.values())


# --- quotes with no blank line between them ----------------------------------------------------------------

_LINES = (
    "> # heading",
    "> text [[a]]",
    "> > deeper",
    "plain [[b]]",
    "> ```",
    "```",
    "> - item",
    "- item",
    "",
    "    indented [[c]]",
    "> | a | b |",
    "> | - | - |",
    "# top",
    "> [ref]: /url",
    "<div>",
    "> ---",
    "text",
    "> > > three",
    "   lazy",
    "> <!--",
    "-->",
    "> ===",
    ">\tx",
    "> ~~~",
)


def _plain_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").disable(["emphasis", "entity", "inline", "text_join"])


def _blocks(md: MarkdownIt, text: str) -> list[tuple[object, ...]]:
    env: dict[str, object] = {}
    tokens = md.parse(text, env)
    # env also lists "duplicate_refs", which a quote shown twice adds to: kwiki never reads it
    return [(t.type, t.map, t.level, t.content, t.markup, t.info) for t in tokens] + [(env.get("references"),)]


def test_quotes_parse_as_markdown_it_parses_them_without_its_square_cost() -> None:
    rng = random.Random(7)
    for _ in range(150):  # docs of up to 600 lines, so quotes longer than the first lines shown come up
        weights = [rng.random() ** 3 for _ in _LINES]
        text = "\n".join(rng.choices(_LINES, weights, k=rng.randint(1, 600)))
        assert _blocks(parser(), text) == _blocks(_plain_parser(), text), text
    calls = [0]
    md = parser.__wrapped__()  # a parser of its own, not the shared one
    hr = next(r for r in md.block.ruler.__rules__ if r.name == "hr")
    checks = hr.fn

    def counted(*args: Any) -> bool:
        calls[0] += 1
        return checks(*args)

    md.block.ruler.at("hr", counted, {"alt": hr.alt})
    md.parse("> # quoted heading\nplain line\n" * 4_000)  # markdown-it alone: 8 million checks of a plain line
    assert calls[0] < 20 * 8_000


def test_rewriting_many_links_on_one_line_and_in_equal_cells() -> None:
    line = "a [[x]] b ![[x]] " * 5_000  # one line of 10,000 links (copied once per link, 64,000 took 21 s)
    assert replace_wikilinks(line, lambda link: "[[y]]") == "a [[y]] b [[y]] " * 5_000
    table = "| [[a]] | [[a]] |\n| - | - |\n| [[a]] | `[[a]]` [[a\\|b]] |"
    assert replace_wikilinks(table, lambda link: "[[c|d]]") == (
        "| [[c\\|d]] | [[c\\|d]] |\n| - | - |\n| [[c\\|d]] | `[[a]]` [[c\\|d]] |"
    )
