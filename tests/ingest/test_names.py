"""Page names stay within the file system's limits, whatever the script or length of a title."""

from __future__ import annotations

from kwiki.project import Paths
from kwiki.slugs import MAX_NAME_BYTES, slugify, unique_slug
from kwiki.vault import TEMP_SUFFIX

from .conftest import RawGuard, run, scripted_llm, source_text, wiki_pages, write_raw

CHINESE_TITLE = "知识管理系统的设计原则与实践经验总结" * 5  # 90 characters, 270 bytes in UTF-8


def test_a_long_chinese_title_is_ingested_and_later_runs_still_work(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, {"long.md": source_text(CHINESE_TITLE[:88], claims=("知识 | 知识管理很重要。",))})
    raw_guard.freeze(project)
    report = run(project, scripted_llm())
    assert report.ingested == ["long.md"] and not report.failures
    names = [rel.split("/")[-1] for rel in wiki_pages(project)]
    assert all(len(name.encode()) <= MAX_NAME_BYTES for name in names)
    assert not (project.state_dir / "journal.json").exists()
    again = run(project, scripted_llm())
    assert again.unchanged == 1 and not again.failures


def test_slugs_fit_in_bytes_with_room_for_the_temp_suffix() -> None:
    for title in (CHINESE_TITLE * 3, "😀" * 300, "ü" * 300, "ᄀ" * 300, "a" * 1000):
        slug = slugify(title)
        name = f".{slug}.md.abcdefgh{TEMP_SUFFIX}"
        assert len(name.encode()) <= 255 - 20, title[:10]
        assert slug.encode().decode() == slug  # never a cut through a code point


def test_latin_titles_are_cut_between_words_not_inside_one() -> None:
    title = "A framework for transparent and enhanced accountability in distributed autonomous agent systems today"
    slug = slugify(title)
    assert slug == "a-framework-for-transparent-and-enhanced-accountability-in-distributed"
    assert title.casefold().replace(" ", "-").startswith(slug)


def test_numbered_duplicates_stay_within_the_limits() -> None:
    slug = slugify(CHINESE_TITLE * 3)
    taken: set[str] = set()
    made = []
    for _ in range(12):
        made.append(unique_slug(slug, taken))
        taken.add(made[-1].casefold())
    assert made[-1].endswith("-12") and len(set(made)) == 12
    assert all(len(f"{name}.md".encode()) <= MAX_NAME_BYTES for name in made)
