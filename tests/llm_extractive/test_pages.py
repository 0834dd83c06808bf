"""The extractive "write-page", "overview" and "summarize" replies: built only from what the payload holds."""

from __future__ import annotations

import re
from typing import Any

from kwiki.payloads import OverviewPage, PageClaim, UpdatePagePayload, WritePagePayload
from llm_extractive.asking import ask


def _claim(statement: str, source: str, date: str, quote: str | None = None) -> PageClaim:
    return {
        "statement": statement,
        "quote": statement if quote is None else quote,
        "source_page": source,
        "source_title": source.title(),
        "date": date,
    }


def _page(**overrides: Any) -> dict[str, Any]:
    payload: WritePagePayload = {
        "title": "Zettelkasten",
        "type": "concept",
        "aliases": ["slip-box"],
        "current_body": "",
        "claims": [
            _claim("Luhmann's slip-box held about 90,000 notes.", "inside-the-slip-box", "2025-03-14"),
            _claim(
                "The Zettelkasten is a collection of paper slips linked by fixed numbers.",
                "inside-the-slip-box",
                "2025-03-14",
            ),
            _claim("Luhmann's slip-box held about 70,000 notes.", "slip-box-myths", "2025-07-19"),
            _claim("Every slip got a permanent address.", "slip-box-myths", "2025-07-19"),
            _claim(
                "Many tools copy the Zettelkasten, the favourite example of Niklas Luhmann's method.",
                "pkm-glossary",
                "2026-02-24",
                quote="",
            ),
        ],
        "descriptions": [],
        "neighbours": [{"page": "niklas-luhmann", "title": "Niklas Luhmann"}],
    }
    return {**payload, **overrides}


def _links(body: str) -> set[str]:
    return {m.split("|")[0] for m in re.findall(r"\[\[([^\]]+)\]\]", body)}


def test_write_page_opens_with_the_definition_and_cites_every_statement() -> None:
    body = ask("write-page", _page()).text
    first = body.split("\n", 1)[0]
    assert first == (
        "**Zettelkasten** — The Zettelkasten is a collection of paper slips linked by fixed numbers. "
        "[[inside-the-slip-box]]"
    )
    assert "- Every slip got a permanent address. — [[slip-box-myths]]" in body
    assert not body.startswith("---") and not body.startswith("# ") and "## Related" not in body


def test_write_page_orders_statements_by_date_and_quotes_only_the_payload() -> None:
    body = ask("write-page", _page()).text
    quotes = re.findall(r'^> "(.+)"$', body, flags=re.MULTILINE)
    assert quotes and set(quotes) <= {c["quote"] for c in _page()["claims"]}
    cited = [line.rsplit("[[", 1)[1] for line in body.split("\n") if line.startswith("- ")]
    assert cited == sorted(cited, key=["inside-the-slip-box]]", "slip-box-myths]]", "pkm-glossary]]"].index)


def test_write_page_flags_a_number_that_differs_between_sources() -> None:
    body = ask("write-page", _page()).text
    assert (
        "> [!warning] Contradiction\n"
        '> [[inside-the-slip-box]] says "Luhmann\'s slip-box held about 90,000 notes."; '
        '[[slip-box-myths]] says "Luhmann\'s slip-box held about 70,000 notes.".'
    ) in body
    assert "90,000 notes. — [[inside-the-slip-box]] [[slip-box-myths]]" not in body  # never merged


def test_write_page_links_only_sources_and_neighbours() -> None:
    body = ask("write-page", _page()).text
    assert "[[niklas-luhmann|Niklas Luhmann]]" in body
    assert _links(body) <= {"inside-the-slip-box", "slip-box-myths", "pkm-glossary", "niklas-luhmann"}


def test_write_page_keeps_what_the_current_body_said_about_other_sources() -> None:
    current = (
        "**Zettelkasten** — An old opening. [[old-source]]\n\n"
        "- Luhmann wrote by hand. — [[old-source]]\n- Every slip got a number. — [[slip-box-myths]]\n\n"
        '> "Luhmann wrote by hand."\n> — [[old-source]]'
    )
    body = ask("write-page", _page(current_body=current)).text
    assert "- Luhmann wrote by hand. — [[old-source]]" in body
    assert '> "Luhmann wrote by hand."\n> — [[old-source]]' in body
    assert "Every slip got a number." not in body  # that source's new claims replace its old ones
    assert "An old opening." not in body


def test_write_page_without_claims_still_names_the_page() -> None:
    assert ask("write-page", _page(claims=[], neighbours=[])).text == "**Zettelkasten**\n"


def test_update_page_adds_the_new_claims_cited_and_flags_one_an_earlier_claim_contradicts() -> None:
    payload: UpdatePagePayload = {
        "title": "Zettelkasten",
        "type": "concept",
        "outline": ["Quotes"],
        "lead": "**Zettelkasten** — The Zettelkasten is a collection of paper slips linked by fixed numbers.",
        "claims": [
            _claim("Luhmann's slip-box held about 70,000 notes.", "slip-box-myths", "2025-07-19"),
            _claim("The Zettelkasten is a collection of paper slips linked by fixed numbers.", "slip-box-myths", "2"),
            _claim("Niklas Luhmann filed every slip by hand.", "slip-box-myths", "2025-07-19"),
        ],
        "earlier": [
            {
                "statement": "Luhmann's slip-box held about 90,000 notes.",
                "source_page": "inside-the-slip-box",
                "date": "2025-03-14",
            }
        ],
        "neighbours": [{"page": "niklas-luhmann", "title": "Niklas Luhmann"}],
    }
    body = ask("update-page", payload).text
    assert body.startswith(
        "- Luhmann's slip-box held about 70,000 notes. — [[slip-box-myths]]\n"
        "- [[niklas-luhmann|Niklas Luhmann]] filed every slip by hand. — [[slip-box-myths]]\n\n"
    )
    assert "linked by fixed numbers" not in body  # the lead says it already
    assert '[[slip-box-myths]] says "Luhmann\'s slip-box held about 70,000 notes."' in body
    assert '[[inside-the-slip-box]] says "Luhmann\'s slip-box held about 90,000 notes."' in body
    assert ask("update-page", {**payload, "claims": []}).text == "\n"


def _pages() -> list[OverviewPage]:
    return [
        {
            "page": "zettelkasten",
            "title": "Zettelkasten",
            "type": "concept",
            "summary": "A slip-box of linked notes.",
            "source_count": 5,
            "related": ["niklas-luhmann"],
        },
        {
            "page": "niklas-luhmann",
            "title": "Niklas Luhmann",
            "type": "entity",
            "summary": "German sociologist.",
            "source_count": 7,
            "related": ["zettelkasten"],
        },
        {
            "page": "spaced-repetition",
            "title": "Spaced repetition",
            "type": "method",
            "summary": "Reviews at growing intervals.",
            "source_count": 2,
        },
        {
            "page": "inside",
            "title": "Inside",
            "type": "source",
            "summary": "A source.",
            "source_count": 1,
        },
    ]


def test_overview_groups_pages_the_same_sources_discuss_into_themes_most_supported_first() -> None:
    body = ask("overview", {"pages": _pages(), "source_count": 9}).text
    assert body.startswith("This wiki compiles 9 sources.")
    lines = [line for line in body.splitlines() if line.startswith("- ")]
    assert lines == [
        "- **[[niklas-luhmann|Niklas Luhmann]]** with [[zettelkasten|Zettelkasten]] — German sociologist. (7 sources)",
        "- **[[spaced-repetition|Spaced repetition]]** — Reviews at growing intervals. (2 sources)",
    ]
    assert "[[inside" not in body


def test_overview_of_an_empty_wiki_says_so() -> None:
    assert "no concept, entity or method pages" in ask("overview", {"pages": [], "source_count": 0}).text


def test_summarize_keeps_the_opening_sentences_of_each_chunk_without_repeats() -> None:
    summaries = [
        "Luhmann kept a slip-box. It held 90,000 notes. He wrote 70 books.",
        "Luhmann kept a slip-box. The numbering made it grow inward.",
    ]
    reply = ask("summarize", {"path": "a.md", "title": "Inside the Slip-Box", "summaries": summaries})
    assert reply.data == {
        "title": "Inside the Slip-Box",
        "summary": "Luhmann kept a slip-box. It held 90,000 notes. The numbering made it grow inward.",
    }
