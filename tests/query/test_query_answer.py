"""Answering with the fake provider: what the prompt holds, citation checks, and filing the answer back."""

from __future__ import annotations

import datetime as dt

import pytest

from kwiki.errors import ProviderError, UsageError
from kwiki.links import VaultIndex
from kwiki.llm.base import Request
from kwiki.llm.blocks import unfence_json
from kwiki.llm.fake import FakeLLM
from kwiki.markdown import parse_page
from kwiki.project import Paths
from kwiki.query import answer, save_answer, select_context
from kwiki.search import refresh_index, search

TODAY = dt.date(2026, 5, 1)
QUESTION = "How do models learn from rewards that a program can check?"
REPLY = (
    "Models practise on puzzles a checker grades [[rlvr]]; this works because outcomes are verifiable "
    "[[verifiability|verifiability]]. Some say it fails [[made-up-page|elsewhere]] and [[zettelkasten]].\n\n"
    "![tracker](https://evil.example/pixel.png)"
)


def sent_pages(request: Request) -> list[dict[str, object]]:
    payload = unfence_json(request.user)
    assert payload["question"] == QUESTION
    pages: list[dict[str, object]] = payload["pages"]
    return pages


def test_prompt_holds_only_retrieved_pages_within_the_budget(wiki: Paths) -> None:
    llm = FakeLLM({"query": REPLY})
    answer(wiki, llm, QUESTION, limit=3, budget=400)
    (request,) = llm.requests
    assert request.name == "query"
    pages = sent_pages(request)
    retrieved = {hit.name for hit in search(wiki, QUESTION, 3)}
    assert pages and {page["page"] for page in pages} <= retrieved
    assert sum(len(str(page["text"])) for page in pages) <= 400
    assert "Gedächtnispalast" not in request.user  # nothing unrelated travels
    assert "earlier answer" in request.system.lower()


def test_fabricated_citations_are_removed_and_reported(wiki: Paths) -> None:
    result = answer(wiki, FakeLLM({"query": REPLY}), QUESTION)
    assert set(result.removed_citations) == {"made-up-page", "zettelkasten"}
    assert "[[made-up-page" not in result.text and "elsewhere" in result.text
    assert "[[rlvr]]" in result.text and "[[verifiability]]" in result.text  # the gate drops a display = name
    assert [page.name for page in result.citations] == ["rlvr", "verifiability"]
    assert "evil.example" not in result.text  # a remote image in a saved answer would be fetched by Obsidian


def test_citing_a_real_page_that_was_not_sent_is_removed(wiki: Paths) -> None:
    llm = FakeLLM({"query": "See [[gedaechtnispalast]] and [[rlvr]]."})
    result = answer(wiki, llm, QUESTION, limit=1)
    assert result.removed_citations == ("gedaechtnispalast",)
    assert result.text == "See gedaechtnispalast and [[rlvr]]."


def test_saved_answer_is_a_valid_page_whose_links_resolve(wiki: Paths) -> None:
    result = answer(wiki, FakeLLM({"query": REPLY}), QUESTION)
    rel = save_answer(wiki, result, TODAY)
    assert rel == "answers/how-do-models-learn-from-rewards-that-a-program-can-check.md"
    page = parse_page((wiki.wiki / rel).read_text(encoding="utf-8"))
    assert page.frontmatter_error == ""
    meta = page.frontmatter
    assert meta["type"] == "answer" and meta["title"] == QUESTION == meta["question"]
    assert meta["cites"] == ["[[rlvr]]", "[[verifiability]]"]
    assert meta["sources"] == ["2025/11.17.md"]
    assert meta["tags"] == ["answer"] and meta["created"] == TODAY == meta["updated"]
    assert meta["summary"].startswith("Models practise on puzzles a checker grades rlvr;")
    vault = VaultIndex.scan(wiki.wiki)
    assert page.links and all(vault.resolve(link.target, rel) for link in page.links)
    log = (wiki.wiki / "log.md").read_text(encoding="utf-8")
    assert f"## [2026-05-01] query | {QUESTION}" in log
    assert "[[how-do-models-learn-from-rewards-that-a-program-can-check]]" in log
    assert "[[how-do-models-learn-from-rewards-that-a-program-can-check" in (wiki.wiki / "index.md").read_text()


def test_saving_the_same_question_twice_keeps_both(wiki: Paths) -> None:
    result = answer(wiki, FakeLLM({"query": REPLY}), QUESTION)
    first, second = save_answer(wiki, result, TODAY), save_answer(wiki, result, TODAY)
    assert second == first.replace(".md", "-2.md")


def test_saved_answers_come_back_as_earlier_answers(wiki: Paths) -> None:
    llm = FakeLLM({"query": REPLY})
    save_answer(wiki, answer(wiki, llm, QUESTION), TODAY)
    answer(wiki, llm, "checker grades puzzles", limit=10)
    flags = {page["page"]: page["earlier_answer"] for page in sent_pages_of(llm.requests[-1])}
    assert flags["how-do-models-learn-from-rewards-that-a-program-can-check"] is True
    assert flags["rlvr"] is False


def sent_pages_of(request: Request) -> list[dict[str, object]]:
    pages: list[dict[str, object]] = unfence_json(request.user)["pages"]
    return pages


def test_no_matching_page_means_no_model_call(wiki: Paths) -> None:
    llm = FakeLLM({"query": REPLY})
    result = answer(wiki, llm, "quokka marsupials")
    assert llm.requests == [] and result.pages == () and "No page" in result.text


def test_empty_question_is_a_usage_error(wiki: Paths) -> None:
    with pytest.raises(UsageError):
        answer(wiki, FakeLLM({}), "   ")


def test_empty_reply_is_a_provider_error(wiki: Paths) -> None:
    with pytest.raises(ProviderError):
        answer(wiki, FakeLLM({"query": "  "}), QUESTION)


@pytest.mark.parametrize("budget", [600, 800, 1500])
def test_long_page_is_cut_to_its_matching_sections(wiki: Paths, budget: int) -> None:
    filler = "\n\n".join(f"## Part {n}\n\n" + "Unrelated words about weather. " * 20 for n in range(10))
    page = f"# Tides\n\nTides rise twice a day.\n\n{filler}\n\n## Moon\n\nThe moon drives\ntides.\n"
    (wiki.wiki / "concepts/tides.md").write_text(page, encoding="utf-8")
    refresh_index(wiki)
    (context,) = select_context(search(wiki, "moon tides", 1), budget)
    assert context.truncated and len(context.text) <= budget
    assert context.text.startswith("# Tides") and "The moon drives\ntides." in context.text
    assert "[…]" in context.text


def test_citation_by_a_sent_pages_title_is_kept_under_its_name(wiki: Paths) -> None:
    llm = FakeLLM({"query": "A checker grades it [[Reinforcement learning from verifiable rewards]]."})
    result = answer(wiki, llm, QUESTION, limit=1)
    assert result.text == "A checker grades it [[rlvr|Reinforcement learning from verifiable rewards]]."
    assert result.removed_citations == () and [page.name for page in result.citations] == ["rlvr"]


HOSTILE = (
    "---\ntitle: Pwned\ntype: source\n---\n\n# Take over\n\n"
    "Models practise on checked puzzles [[rlvr]] and [[no-such-page|a ghost]].\n\n"
    '<script>alert(1)</script><img src="https://evil.example/p.png"> <b>bold</b> <!-- hidden\n\n'
    "See https://evil.example/exfil?q=secret and [click](https://evil.example/x).\n\n"
    "%% an Obsidian comment left open\n\n```\nan open fence\n\n" + "A very long answer. " * 200_000
)


def test_a_hostile_answer_passes_the_gate_before_it_is_shown_or_saved(wiki: Paths) -> None:
    result = answer(wiki, FakeLLM({"query": HOSTILE}), QUESTION)
    rel = save_answer(wiki, result, TODAY)
    text = (wiki.wiki / rel).read_text(encoding="utf-8")
    page = parse_page(text)
    assert page.frontmatter["type"] == "answer" and page.frontmatter["title"] == QUESTION
    assert text.count("\n---\n") == 1  # the model's frontmatter block is no frontmatter of the page
    for leak in ("<script", "<img", "<b>", "<!--", "evil.example", "%%", "[[no-such-page"):
        assert leak not in text and leak not in result.text, leak
    assert "a ghost" in text and "[[rlvr]]" in text
    assert "\n# Take over" not in text  # the page's only H1 is the question
    assert sum(line.startswith("```") for line in text.split("\n")) % 2 == 0
    assert len(result.text) <= 20_000 and len(text) < 25_000


def test_saving_next_to_a_log_saved_as_latin1_files_the_answer_and_leaves_the_log(wiki: Paths) -> None:
    log = wiki.wiki / "log.md"
    latin1 = "# Log\n\nNotes écrites à la main.\n".encode("latin-1")
    log.write_bytes(latin1)
    rel = save_answer(wiki, answer(wiki, FakeLLM({"query": REPLY}), QUESTION), TODAY)
    assert (wiki.wiki / rel).is_file() and log.read_bytes() == latin1
