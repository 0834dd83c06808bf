"""One new note into a large wiki: what a run keeps in state so that it neither reads nor renders every page.

index.md is rebuilt from page metadata kept in state (a page whose (mtime_ns, size) is what the last run read is
not read again); a page made from what its base was made from, untouched since, is not rendered again.
"""

from __future__ import annotations

import os

from kwiki.generated import catalog
from kwiki.project import Paths
from kwiki.snapshot import LazyTexts, WikiSnapshot
from kwiki.state import State

from .conftest import run, scripted_llm, source_text, write_raw

PAGE = "sources/alpha.md"
TEXT = "---\ntitle: Alpha\ntype: source\nsummary: First.\nsources:\n- a.md\n---\n# Alpha\n"


def _snapshot(reads: list[str], cached: bool) -> WikiSnapshot:
    def read(rel: str) -> str:
        reads.append(rel)
        return TEXT

    entry = (7, len(TEXT), '["Alpha", "source", "First.", 1, ["a.md"]]')
    return WikiSnapshot(
        pages=LazyTexts([PAGE], read), catalog={PAGE: entry} if cached else {}, stamp=lambda rel: (7, len(TEXT))
    )


def test_an_unchanged_page_is_catalogued_from_state_without_being_read() -> None:
    reads: list[str] = []
    cached, cache = catalog(_snapshot(reads, cached=True), {})
    fresh, _ = catalog(_snapshot(reads, cached=False), {})
    assert reads == [PAGE]  # only the snapshot without a cache entry read the page
    assert cached == fresh and cached[0].title == "Alpha" and cached[0].sources == ("a.md",)
    assert cache == {PAGE: (7, len(TEXT), '["Alpha", "source", "First.", 1, ["a.md"]]')}


def test_a_page_edited_by_hand_is_read_again_and_the_index_shows_the_edit(project: Paths) -> None:
    mentions = ("Cursor | entity | | central",)
    write_raw(project, {"a.md": source_text("Alpha talk", mentions=mentions)})
    run(project, scripted_llm())
    write_raw(project, {"b.md": source_text("Beta post", mentions=mentions)})
    run(project, scripted_llm())  # the source page of a.md is now catalogued from state
    with State.open(project.state_db) as state:
        assert "sources/alpha-talk.md" in state.catalog()
    page = project.wiki / "sources" / "alpha-talk.md"
    before = page.stat()
    text = page.read_text(encoding="utf-8").replace("summary: ", "summary: Edited by hand. ", 1)
    page.write_text(text, encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same mtime: the size tells the edit
    write_raw(project, {"c.md": source_text("Gamma note", mentions=mentions)})
    run(project, scripted_llm())
    assert "Edited by hand." in (project.wiki / "index.md").read_text(encoding="utf-8")


def test_a_page_whose_base_is_not_what_kwiki_rendered_is_rendered_again(project: Paths) -> None:
    mentions = ("Cursor | entity | | central", "Zed | entity")
    write_raw(project, {n: source_text(n.upper(), mentions=mentions) for n in ("a.md", "b.md")})
    run(project, scripted_llm())
    page, base = project.wiki / "entities" / "zed.md", project.base_dir / "entities" / "zed.md"
    with State.open(project.state_db) as state:
        assert "entities/zed.md" in state.renders()
    kwiki_text = page.read_text(encoding="utf-8")
    for file in (page, base):  # the same text in both: no human edit to keep, but not what kwiki made either
        file.write_text(kwiki_text + "\nStray line.\n", encoding="utf-8")
    write_raw(project, {"c.md": source_text("C", mentions=("Cursor | entity",))})
    run(project, scripted_llm())
    assert page.read_text(encoding="utf-8") == kwiki_text
