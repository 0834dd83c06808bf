"""Every blockquote a draft writes is a quote, checked against the source its attribution names (quotes.py).
Found by an adversarial review (2026-12-03): a quote could name a source that never said it, and quotes in
another shape than `> "…"` were not checked at all."""

from __future__ import annotations

from typing import Any

from kwiki.knowledge import check_body
from kwiki.llm.base import Request
from kwiki.llm.blocks import unfence_json
from kwiki.project import Paths

from .conftest import run, scripted_llm, wiki_pages, zettel_sources

PAGE = "concepts/zettelkasten.md"


def _page_with(project: Paths, quotes: str) -> str:
    zettel_sources(project)

    def write(request: Request) -> Any:
        return f"{unfence_json(request.user)['title']}.\n\n{quotes}"

    llm = scripted_llm()
    llm._replies["write-page"] = write
    run(project, llm)
    return wiki_pages(project)[PAGE]


def test_a_quote_is_kept_only_under_the_source_that_holds_it(project: Paths) -> None:
    text = _page_with(project, '> "Zettelkasten note 2 links cards together."\n> — [[note-1]]\n')  # n2.md says it
    assert "note 2 links" not in text, text


def test_quotes_in_any_other_shape_are_dropped(project: Paths) -> None:
    text = _page_with(
        project,
        '> "Zettelkasten is a scam invented in 2021." — [[note-1]]\n\n'
        "> “Luhmann burned all his cards.“\n\n> 'Cards must never be linked.'\n\n"
        '> *"The slip box is dead."*\n\n'
        '> "Zettelkasten note 1 links cards together."\n'
        "> and every card must be burned after use.\n> — [[note-1]]\n",
    )
    for fabricated in ("scam invented", "burned all", "never be linked", "slip box is dead", "burned after use"):
        assert fabricated not in text, fabricated


def test_true_quotes_stay_in_each_form_the_prompts_allow(project: Paths) -> None:
    text = _page_with(
        project,
        '> "Zettelkasten note 1 links cards together."\n> — [[note-1]]\n\n'  # the prompts' form
        "> “Zettelkasten note 2 links cards\n> together.” — [[note-2]]\n\n"  # curly, wrapped, attributed on its line
        '> "Zettelkasten note 2 links cards together."\n',  # unattributed: any of the page's sources
    )
    assert text.count("Zettelkasten note 1 links cards together.") >= 1
    assert "> “Zettelkasten note 2 links cards\n> together.” — [[note-2]]" in text, text
    assert '\n> "Zettelkasten note 2 links cards together."\n' in text, text


def test_lines_of_code_are_no_quotes_and_no_headings() -> None:
    """`>>> print(x)` in a code block was dropped as an unverified quote, and a `# Sources` comment cut the body."""
    body = '```python\n>>> print("hi")\nhi\n# Sources\nx = 1\n```\n\n### Sources of light\n\nThe sun.'
    assert check_body(f"Intro.\n\n{body}", lambda target: None, []) == f"Intro.\n\n{body}"


def test_attributions_in_the_shapes_models_write_are_checked_not_dropped(project: Paths) -> None:
    """Found in review: true quotes were dropped for a period after the mark, a parenthesised or bold attribution,
    or a date after it."""
    text = _page_with(
        project,
        '> "Zettelkasten note 1 links cards together.". ([[note-1]])\n\n'
        '> "Zettelkasten note 2 links cards together."\n> — *[[note-2]]*, 2024\n\n'
        '> "Zettelkasten note 2 links cards together." ([[note-1]])\n',  # named the wrong source: dropped
    )
    assert '> "Zettelkasten note 1 links cards together.". ([[note-1]])' in text, text
    assert "> — *[[note-2]]*, 2024" in text and 'together." ([[note-1]])' not in text
