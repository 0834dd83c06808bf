"""The offline engine against the hand-made gold sets (tests/fixtures/gold): pages a reader keeps, named as people
name them. `bench/gold.py` prints the same scores with the junk and missing lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldset import FIXTURES, Score, score_corpus

EXAMPLE_RAW = Path(__file__).resolve().parents[2] / "raw"


def _holds_the_bar(score: Score) -> None:
    report = score.report()
    assert score.recall >= 0.70, report
    assert score.precision >= 0.90, report
    assert not score.common_words, report
    assert not score.duplicates, report


def test_offline_wiki_of_the_gold_posts_has_the_expected_pages_and_little_else() -> None:
    _holds_the_bar(score_corpus(FIXTURES / "posts", FIXTURES / "gold.toml"))


@pytest.mark.skipif(not EXAMPLE_RAW.is_dir(), reason="the bundled example raw/ is not beside the tests")
def test_offline_wiki_of_the_bundled_example_has_the_expected_pages_and_little_else() -> None:
    _holds_the_bar(score_corpus(EXAMPLE_RAW, FIXTURES / "example.toml"))
