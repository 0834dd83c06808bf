"""The offline engine against the hand-made gold sets (tests/fixtures/gold): pages a reader keeps, named as people
name them, and pages that read like a wiki. `bench/gold.py` prints the scores with the junk and missing lists."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from goldset import FIXTURES, Score, build, score, score_corpus
from kwiki.markdown import parse_page

EXAMPLE_RAW = Path(__file__).resolve().parents[2] / "examples" / "pkm" / "raw"


@pytest.fixture(scope="module")
def posts_wiki() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        build(FIXTURES / "posts", Path(tmp) / "kb")
        yield Path(tmp) / "kb" / "wiki"


def _holds_the_bar(result: Score) -> None:
    report = result.report()
    assert result.recall >= 0.70, report
    assert result.precision >= 0.90, report
    assert not result.common_words, report
    assert not result.duplicates, report


def test_offline_wiki_of_the_gold_posts_has_the_expected_pages_and_little_else(posts_wiki: Path) -> None:
    _holds_the_bar(score(posts_wiki, FIXTURES / "gold.toml"))


@pytest.mark.skipif(not EXAMPLE_RAW.is_dir(), reason="the bundled example raw/ is not beside the tests")
def test_offline_wiki_of_the_bundled_example_has_the_expected_pages_and_little_else() -> None:
    _holds_the_bar(score_corpus(EXAMPLE_RAW, FIXTURES / "example.toml"))


def test_every_source_page_links_the_knowledge_pages_it_contributes_to(posts_wiki: Path) -> None:
    cited: dict[str, set[str]] = {}
    for page in posts_wiki.glob("[cem]*/*.md"):
        for source in parse_page(page.read_text(encoding="utf-8")).frontmatter["sources"]:
            cited.setdefault(source, set()).add(page.stem)
    for page in (posts_wiki / "sources").glob("*.md"):
        parsed = parse_page(page.read_text(encoding="utf-8"))
        links = {link.target for link in parsed.links if link.kind == "wiki"}
        assert cited.get(parsed.frontmatter["sources"][0], set()) <= links, page.name


def test_a_short_source_page_says_each_sentence_once(posts_wiki: Path) -> None:
    for page in (posts_wiki / "sources").glob("*.md"):
        body = parse_page(page.read_text(encoding="utf-8")).body.split("## Mentions")[0]
        sentences = [s.strip(' >-"') for s in re.split(r"(?<=[.!?])\s+|\n+", body) if len(s.split()) > 5]
        assert len(sentences) == len(set(sentences)), page.name


def test_tags_are_topic_terms_not_frequent_words(posts_wiki: Path) -> None:
    for page in (posts_wiki / "sources").glob("*.md"):
        tags = parse_page(page.read_text(encoding="utf-8")).frontmatter["tags"]
        assert not {"provides", "observed", "useful", "critiques", "implements", "introduces"} & set(tags), page.name
