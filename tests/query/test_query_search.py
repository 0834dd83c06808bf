"""Retrieval over the fixture wiki: ranking, languages, safety of the query, incremental refresh."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from kwiki.project import Paths
from kwiki.search import fts_query, matching_sentences, query_terms, refresh_index, search


def top(paths: Paths, question: str, limit: int = 5) -> list[str]:
    refresh_index(paths)
    return [hit.page for hit in search(paths, question, limit)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Jagged intelligence", "concepts/jagged-intelligence.md"),
        ("verifiability", "concepts/verifiability.md"),
        ("What is RLVR?", "methods/rlvr.md"),
        ("uneven capability", "concepts/jagged-intelligence.md"),
        ("serendipity", "concepts/commonplace-book.md"),
        ("How do models learn from rewards that a program can check?", "methods/rlvr.md"),
        ("Wie findet man Informationen im Gedächtnispalast wieder?", "concepts/gedaechtnispalast.md"),
        ("Was ist die Loci-Methode?", "concepts/gedaechtnispalast.md"),
        ("gedachtnispalast", "concepts/gedaechtnispalast.md"),
    ],
)
def test_expected_page_ranks_first(wiki: Paths, question: str, expected: str) -> None:
    assert top(wiki, question)[0] == expected


def test_hub_pages_are_never_hits(wiki: Paths) -> None:
    found = top(wiki, "verifiability serendipity RLVR Gedächtnispalast overview index log", limit=20)
    assert found
    assert not {"index.md", "log.md", "overview.md"} & set(found)


def test_knowledge_page_outranks_source_page_with_the_same_text(make_wiki: Callable[[dict[str, str]], Paths]) -> None:
    body = "# Tidepools\n\nTidepools hold anemones and crabs.\n"
    paths = make_wiki(
        {
            "sources/a-tidepools.md": "---\ntitle: Tidepools\ntype: source\n---\n\n" + body,
            "concepts/tidepools.md": "---\ntitle: Tidepools\ntype: concept\n---\n\n" + body,
        },
    )
    assert top(paths, "tidepools anemones") == ["concepts/tidepools.md", "sources/a-tidepools.md"]


def test_answer_pages_are_marked_earlier_answers(wiki: Paths) -> None:
    refresh_index(wiki)
    hits = {hit.page: hit for hit in search(wiki, "what is verifiability", 10)}
    assert hits["answers/what-is-verifiability.md"].earlier_answer
    assert not hits["concepts/verifiability.md"].earlier_answer


def test_linked_pages_join_through_one_hop(wiki: Paths) -> None:
    refresh_index(wiki)
    hits = search(wiki, "checkable outcome", 5)
    assert hits[0].page == "concepts/verifiability.md"
    via = {hit.page: hit.via for hit in hits[1:]}
    assert via["methods/rlvr.md"] == "concepts/verifiability.md"
    assert hits[1].snippet  # a page reached by a link still shows its first line


@pytest.mark.parametrize(
    "question",
    ['"unbalanced', "NEAR(verifiability rlvr, 2)", "rlvr*", "title:rlvr", "a AND NOT b", "^x (y) {z} -w +v", "'"],
)
def test_question_text_is_never_fts_syntax(wiki: Paths, question: str) -> None:
    refresh_index(wiki)
    search(wiki, question, 5)  # must not raise sqlite3.OperationalError


def test_query_terms_drop_stopwords_and_quote() -> None:
    assert query_terms("What is the RLVR method?") == ("rlvr", "method")
    assert query_terms("what is it") == ("what", "is", "it")  # nothing but stopwords: keep them
    assert query_terms("  ") == ()
    assert fts_query(("near", "or")) == '"near" OR "or"'


def test_matching_sentences_skip_headings() -> None:
    body = "# Tides\n\nThe moon pulls the sea. Crabs hide.\n\n## Moon facts\n- The moon is dry.\n"
    assert matching_sentences(body, ("moon",)) == ("The moon pulls the sea.", "The moon is dry.")


def test_refresh_reads_only_what_changed(wiki: Paths) -> None:
    first = refresh_index(wiki)
    assert (first.added, first.unchanged) == (7, 0)
    assert refresh_index(wiki).unchanged == 7
    rlvr = wiki.wiki / "methods/rlvr.md"
    os.utime(rlvr, ns=(1, 1))  # new stamp, same bytes
    assert refresh_index(wiki).unchanged == 7
    rlvr.write_text(rlvr.read_text(encoding="utf-8").replace("puzzles", "zyzzyva riddles"), encoding="utf-8")
    (wiki.wiki / "concepts/commonplace-book.md").unlink()
    (wiki.wiki / "entities/luhmann.md").parent.mkdir()
    (wiki.wiki / "entities/luhmann.md").write_text("# Niklas Luhmann\n\nKept a zettelkasten.\n", encoding="utf-8")
    stats = refresh_index(wiki)
    assert (stats.added, stats.updated, stats.removed, stats.unchanged) == (1, 1, 1, 5)
    assert top(wiki, "zyzzyva") == ["methods/rlvr.md"]
    assert top(wiki, "serendipity") == []
    assert [(h.title, h.type) for h in search(wiki, "zettelkasten", 1)] == [("Niklas Luhmann", "entity")]


def test_damaged_index_is_rebuilt(wiki: Paths) -> None:
    wiki.state_dir.mkdir()
    (wiki.state_dir / "search.sqlite").write_bytes(b"this is not a database" * 100)
    assert refresh_index(wiki).added == 7
    assert top(wiki, "serendipity") == ["concepts/commonplace-book.md"]


def test_hidden_folders_and_symlinks_are_not_indexed(wiki: Paths) -> None:
    (wiki.wiki / ".obsidian").mkdir()
    (wiki.wiki / ".obsidian" / "notes.md").write_text("quokka", encoding="utf-8")
    outside = wiki.root / "outside.md"
    outside.write_text("quokka", encoding="utf-8")
    (wiki.wiki / "concepts" / "linked.md").symlink_to(outside)
    assert top(wiki, "quokka") == []
