"""A draft cannot forge what code owns on a page: its Related and Sources sections, contradictions between sources
it does not cite, kwiki's own callouts. Found by an adversarial review (2026-12-03); each test failed before."""

from __future__ import annotations

from typing import Any

from kwiki.lint.model import LintOptions
from kwiki.lint.run import run_lint
from kwiki.llm.base import Request
from kwiki.llm.blocks import unfence_json
from kwiki.project import Paths
from kwiki.state import State

from .conftest import page_reply, run, scripted_llm, source_text, wiki_pages, write_raw, zettel_sources

PAGE = "concepts/zettelkasten.md"


def test_a_section_of_the_models_named_related_something_survives_a_later_ingest(project: Paths) -> None:
    """`## Related work` and all after it were cut when the page was next re-rendered from its base, by any
    later ingest: kwiki's own section was found by the prefix `## Related`."""
    zettel_sources(project)
    extra = "## Related work\n\nLuhmann's slip box inspired it.\n\n## History\n\nImportant history paragraph."
    run(project, scripted_llm(page_extra=extra))
    assert "Important history paragraph." in wiki_pages(project)[PAGE]
    write_raw(project, {"n3.md": source_text("Note 3", mentions=("Other thing | concept | | central",))})
    run(project, scripted_llm(page_extra=extra))
    text = wiki_pages(project)[PAGE]
    assert "## Related work" in text and "Important history paragraph." in text, text


def test_a_draft_cannot_add_a_second_sources_section(project: Paths) -> None:
    """A `# Sources` H1 slipped past the check (which looked for `##`) and the gate then made it `## Sources`."""
    zettel_sources(project)
    run(project, scripted_llm(page_extra="# Sources\n\n- [[note-1]] (retracted)\n- Made-up Book, 1999"))
    text = wiki_pages(project)[PAGE]
    assert text.count("## Sources") == 1 and "Made-up Book" not in text, text


def test_a_contradiction_must_cite_the_pages_own_sources(project: Paths) -> None:
    """Any page's draft could record a contradiction between any two source pages of the wiki."""
    zettel_sources(project, "Other thing")

    def write(request: Request) -> Any:
        payload = unfence_json(request.user)
        forged = "> [!warning] Contradiction\n> [[note-1]] says the moon is cheese; [[note-2]] denies it."
        return page_reply(payload, forged if payload["title"] == "Other thing" else "")

    llm = scripted_llm()
    llm._replies["write-page"] = write  # other-thing cites only n3.md
    run(project, llm)
    pages = wiki_pages(project)
    assert "moon is cheese" not in pages["sources/note-1.md"] and "moon is cheese" not in pages["contradictions.md"]


def test_a_draft_cannot_forge_kwikis_callouts(project: Paths) -> None:
    """A `> [!note] kwiki update` made lint report a conflict no merge made; `>[!warning] Contradiction` (no space)
    showed as a contradiction that contradictions.md and lint knew nothing of."""
    zettel_sources(project)
    extra = (
        "> [!note] kwiki update\n> kwiki would now write this section as:\n> ## Sources\n> - [[note-1]] retracted\n\n"
        ">[!warning] Contradiction\n>[[note-1]] is contradicted by a peer-reviewed study."
    )
    run(project, scripted_llm(page_extra=extra))
    with State.open(project.state_db) as state:
        ids = [f.id for f in run_lint(project, state, LintOptions()).findings]
    text = wiki_pages(project)[PAGE]
    assert "update-conflict" not in ids and "[!warning] Contradiction" not in text and "retracted" not in text
