"""Offline search over the wiki of the gold posts: a question whose answer is a page finds that page first, with
a snippet a reader can read (prose, clean bold) and scores on one 0–1 scale."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from goldset import FIXTURES, build
from kwiki.project import Paths
from kwiki.search import refresh_index, search

QUESTIONS = {
    "what is micrograd": "micrograd",
    "what is nanoGPT": "nanogpt",
    "who is Andrej Karpathy": "andrej-karpathy",
    "what is PyTorch": "pytorch",
    "what is the LLM Council": "llm-council",
    "what are policy gradients": "policy-gradients",
    "what is GPT-2": "gpt-2",
    "what is ImageNet": "imagenet",
    "what is an LSTM": "lstm",
    "what is Software 2.0": "software-2-0",
}


@pytest.fixture(scope="module")
def wiki() -> Iterator[Paths]:
    with tempfile.TemporaryDirectory() as tmp:
        build(FIXTURES / "posts", Path(tmp) / "kb")
        paths = Paths(Path(tmp) / "kb")
        refresh_index(paths)
        yield paths


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_a_question_whose_answer_is_a_page_finds_that_page_first(wiki: Paths, question: str) -> None:
    hits = search(wiki, question, 5)
    assert hits and hits[0].name == QUESTIONS[question], [h.name for h in hits]
    assert hits[0].score == 1.0 and all(0.0 <= h.score <= 1.0 for h in hits)


def test_snippets_are_prose_with_clean_bold_and_each_sentence_once(wiki: Paths) -> None:
    for question in QUESTIONS:
        for hit in search(wiki, question, 5):
            assert "[[" not in hit.snippet and "[!info]" not in hit.snippet and "raw/" not in hit.snippet
            assert "****" not in hit.snippet and hit.snippet.count("**") % 2 == 0, hit.snippet
            assert len(set(hit.sentences)) == len(hit.sentences)
    karpathy = search(wiki, "who is Andrej Karpathy", 1)[0]
    assert "**Andrej Karpathy**" in karpathy.snippet
