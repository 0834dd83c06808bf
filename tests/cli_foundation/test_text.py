"""Counted nouns and wrapping for terminal output."""

from __future__ import annotations

import pytest

from kwiki.cli.text import plural, wrap


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [
        (1, "warning", "1 warning"),
        (2, "warning", "2 warnings"),
        (0, "error", "0 errors"),
        (3, "info", "3 info"),
        (2, "fix", "2 fixes"),
        (1, "fix", "1 fix"),
        (1_500, "token", "1,500 tokens"),
        (2, "chunk", "2 chunks"),
    ],
)
def test_plural_counts_nouns(count: int, noun: str, text: str) -> None:
    assert plural(count, noun) == text


def test_wrap_never_cuts_a_word_and_splits_only_what_cannot_fit() -> None:
    lines = wrap("alpha beta-gamma " * 10 + "x" * 50, 30, indent="", hang="    ")
    assert all(len(line) <= 30 for line in lines)
    assert " ".join(" ".join(lines).split()).startswith("alpha beta-gamma alpha")
    assert "".join(lines).count("x") == 50
