"""The extractive "query" and "compare" replies: matching sentences cited by page, number contradictions."""

from __future__ import annotations

from typing import Any

from llm_extractive.asking import ask

ZETTELKASTEN = """\
**Zettelkasten** — The Zettelkasten is a collection of paper slips linked by fixed numbers. [[inside]]

- Luhmann's slip-box held about 90,000 notes. — [[inside]]
- Every slip got a permanent address. — [[myths]]

> "Luhmann let the notes index each other."
> — [[inside]]
"""
MEMEX = "**Memex** — Vannevar Bush imagined the memex in 1945 as a desk that stores trails of documents."


def _query(question: str, **extra: Any) -> str:
    pages = [
        {"page": "zettelkasten", "title": "Zettelkasten", "text": ZETTELKASTEN, "earlier_answer": False},
        {"page": "memex", "title": "Memex", "text": MEMEX, "earlier_answer": False},
    ]
    return ask("query", {"question": question, "pages": pages, **extra}).text


def test_query_answers_with_the_matching_sentences_of_each_page_cited() -> None:
    answer = _query("How many notes did Luhmann's slip-box hold?")
    first = answer.split("\n")[0]
    assert first == "- Luhmann's slip-box held about 90,000 notes. [[zettelkasten]]"
    assert "[[memex]]" not in answer


def test_query_cites_only_the_pages_it_was_given() -> None:
    answer = _query("What did Vannevar Bush imagine about trails of notes?")
    cited = {part.split("]]")[0] for part in answer.split("[[")[1:]}
    assert cited == {"memex", "zettelkasten"}
    assert answer.index("[[memex]]") < answer.index("[[zettelkasten]]")  # the page that matches most leads


def test_query_says_so_when_no_page_answers() -> None:
    assert _query("What is the capital of Peru?") == "The wiki has no page that answers this.\n"


def _claims(*statements: str) -> list[dict[str, str]]:
    return [{"id": f"c{i}", "statement": s, "quote": s, "source": "raw.md"} for i, s in enumerate(statements)]


def test_compare_reports_the_same_fact_with_different_numbers() -> None:
    payload = {
        "a": {
            "page": "inside",
            "title": "Inside",
            "claims": _claims("Luhmann's slip-box held about 90,000 notes.", "Luhmann was born in 1927."),
        },
        "b": {
            "page": "myths",
            "title": "Myths",
            "claims": _claims("The slip-box of Luhmann held about 70,000 notes.", "Luhmann was born in 1927."),
        },
    }
    reply = ask("compare", payload)
    assert reply.data == {
        "contradictions": [
            {
                "a_claim": "c0",
                "b_claim": "c0",
                "explanation": "The statements match except for their numbers: 90,000 vs 70,000.",
            }
        ]
    }


def test_compare_ignores_numbers_in_unrelated_statements() -> None:
    payload = {
        "a": {"page": "a", "title": "A", "claims": _claims("Luhmann wrote 70 books in his career.")},
        "b": {"page": "b", "title": "B", "claims": _claims("Anki was released in 2006 by Damien Elmes.")},
    }
    assert ask("compare", payload).data == {"contradictions": []}
