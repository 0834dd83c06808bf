"""index.md sharding and the settling of contradictions: pure functions on literal inputs."""

from __future__ import annotations

from kwiki.contradictions import Finding, settle
from kwiki.index import SHARD_AT, PageMeta, build_index, page_meta


def _pages(count: int, page_type: str, folder: str) -> list[PageMeta]:
    return [PageMeta(f"{folder}/p{i:04d}.md", f"Page {i}", page_type, f"About {i}.", 1) for i in range(count)]


def test_small_wiki_gets_one_index_with_a_table_per_type() -> None:
    files = build_index(_pages(3, "concept", "concepts") + _pages(2, "source", "sources"))
    assert list(files) == ["index.md"]
    assert "## Concepts" in files["index.md"] and "## Sources" in files["index.md"]
    assert "| [[p0000\\|Page 0]] | About 0. | 1 |" in files["index.md"]


def test_large_wiki_splits_the_index_into_linked_shards_per_type() -> None:
    files = build_index(_pages(SHARD_AT, "concept", "concepts") + _pages(5, "entity", "entities"))
    assert set(files) == {"index.md", "index/concepts.md", "index/entities.md"}
    assert "[[concepts|Concepts]] — 300 pages" in files["index.md"]
    assert "[[entities|Entities]] — 5 pages" in files["index.md"]
    assert files["index/concepts.md"].count("| [[p") == SHARD_AT


PAGES = {"a.md": "sources/a.md", "b.md": "sources/b.md", "c.md": "sources/c.md"}


def test_two_sources_that_disagree_stay_open() -> None:
    records = settle(
        [Finding("concepts/x.md", "a.md", "b.md", "90k vs 70k")], {"a.md": "2025-01-01", "b.md": "2025-06-01"}, PAGES
    )
    assert [(r.status, r.note) for r in records] == [("open", "")]


def test_a_newer_source_siding_with_one_claim_supersedes_the_dispute() -> None:
    findings = [
        Finding("concepts/x.md", "a.md", "b.md", "90k vs 70k"),
        Finding("concepts/x.md", "b.md", "c.md", "70k vs 90k"),
    ]
    dates = {"a.md": "2025-01-01", "b.md": "2025-06-01", "c.md": "2026-01-01"}
    records = settle(findings, dates, PAGES)
    assert {r.status for r in records} == {"superseded"}
    assert all("[[c]]" in r.note for r in records)


def test_without_dates_nothing_is_settled() -> None:
    findings = [Finding("concepts/x.md", "a.md", "b.md", "t"), Finding("concepts/x.md", "b.md", "c.md", "t")]
    assert {r.status for r in settle(findings, {}, PAGES)} == {"open"}


def test_a_page_without_type_is_typed_by_its_folder_and_filed_under_it() -> None:
    meta = page_meta("entities/ada.md", "---\ntitle: Ada\n---\n# Ada\n")
    assert meta.type == "entity"
    index = build_index([meta])["index.md"]
    assert "## Entities" in index and "## Concepts" not in index
