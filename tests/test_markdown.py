"""Parsing pages into links, headings and properties, and writing them back."""

from __future__ import annotations

import datetime as dt

from kwiki.markdown import Link, dump_page, find_wikilinks, parse_page, replace_wikilinks, split_frontmatter

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
    assert [(link.target, link.embed, link.line) for link in page.external] == [
        ("https://example.com/x.png", True, 23)
    ]


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
