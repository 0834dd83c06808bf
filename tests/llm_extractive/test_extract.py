"""The extractive "extract" reply on literal sources: honest quotes, titles, dates, languages, mentions."""

from __future__ import annotations

import re

from llm_extractive.asking import ask, extract
from llm_extractive.texts import GERMAN, SLIP_BOX


def test_extract_copies_every_quote_verbatim_from_the_source() -> None:
    data = extract(SLIP_BOX)
    assert 6 <= len({c["quote"] for c in data["claims"]}) <= 12
    for claim in data["claims"]:
        assert claim["quote"] in SLIP_BOX
        assert " ".join(claim["quote"].split()) == claim["statement"]


def test_extract_never_turns_an_instruction_to_the_model_into_content() -> None:
    data = extract(SLIP_BOX)
    text = repr(data).lower()
    assert "ignore all previous instructions" not in text
    assert "internet" not in text


def test_extract_reads_title_date_and_language_from_frontmatter() -> None:
    data = extract(SLIP_BOX)
    assert data["title"] == "Inside Luhmann's Slip-Box"
    assert data["date"] == "2025-03-14"
    assert data["language"] == "en"


def test_extract_summary_is_two_to_four_sentences_of_the_source() -> None:
    summary = extract(SLIP_BOX)["summary"]
    sentences = re.split(r"(?<=[.!?])\s+", summary)
    assert 2 <= len(sentences) <= 4
    flat = " ".join(SLIP_BOX.split())
    assert all(s in flat for s in sentences)


def test_extract_tags_are_obsidian_safe_keywords() -> None:
    tags = extract(SLIP_BOX)["tags"]
    assert 3 <= len(tags) <= 5
    assert "zettelkasten" in tags
    assert all(re.fullmatch(r"[a-z0-9-]+", t) and re.search(r"[a-z]", t) for t in tags)


def test_extract_finds_people_concepts_and_methods_without_junk() -> None:
    mentions = {m["name"]: m for m in extract(SLIP_BOX)["mentions"]}
    assert mentions["Niklas Luhmann"]["type"] == "entity"
    assert "Luhmann" in mentions["Niklas Luhmann"]["aliases"]
    assert mentions["Niklas Luhmann"]["central"] is True
    assert mentions["Zettelkasten"]["type"] == "concept"
    assert mentions["spaced repetition"]["type"] == "method"
    assert "Vannevar Bush" in mentions
    assert not {"The", "However", "Every", "Later", "Luhmann", "Bush", "Niklas", "Ignore"} & set(mentions)


def test_extract_takes_aliases_from_acronyms_and_or_appositions() -> None:
    mentions = {m["name"]: m for m in extract(SLIP_BOX)["mentions"]}
    assert mentions["personal knowledge management"]["aliases"] == ["PKM"]
    assert "slip-box" in mentions["Zettelkasten"]["aliases"]


def test_extract_describes_a_mention_with_a_sentence_of_the_source() -> None:
    mentions = {m["name"]: m for m in extract(SLIP_BOX)["mentions"]}
    assert mentions["Zettelkasten"]["description"] == (
        "The Zettelkasten is a collection of paper slips linked by fixed numbers."
    )
    assert mentions["Niklas Luhmann"]["description"].startswith("Niklas Luhmann was a German sociologist")


def test_extract_claims_are_about_the_mentions_they_name() -> None:
    claims = extract(SLIP_BOX)["claims"]
    subjects = {c["subject"] for c in claims if "90,000" in c["statement"]}
    assert "Niklas Luhmann" in subjects
    names = {m["name"] for m in extract(SLIP_BOX)["mentions"]} | {"Inside Luhmann's Slip-Box"}
    assert {c["subject"] for c in claims} <= names


def test_extract_prefers_sentences_with_numbers_and_definitions() -> None:
    statements = [c["statement"] for c in extract(SLIP_BOX)["claims"]]
    assert any("90,000 notes" in s for s in statements)
    assert "The Zettelkasten is a collection of paper slips linked by fixed numbers." in statements
    assert not any(s.startswith(("#", "- ")) for s in statements)


def test_extract_is_deterministic() -> None:
    first = ask("extract", {"path": "a.md", "chunk": 1, "chunks": 1}, SLIP_BOX)
    second = ask("extract", {"path": "a.md", "chunk": 1, "chunks": 1}, SLIP_BOX)
    assert first.text == second.text


def test_extract_detects_german_and_does_not_make_every_noun_a_mention() -> None:
    data = extract(GERMAN)
    assert data["language"] == "de"
    assert data["date"] == "1962-03-14"
    names = {m["name"] for m in data["mentions"]}
    assert {"Niklas Luhmann", "Zettelkasten"} <= names
    assert not {"Arbeitszimmer", "Papier", "Nummer", "Netz", "Forschung", "Nachlass", "Bücher"} & names


def test_extract_falls_back_to_heading_html_title_and_first_sentence() -> None:
    assert extract("# A Heading\n\nSome text here that says a thing.\n")["title"] == "A Heading"
    html = "<html><head><title>The Quickest Web</title></head><body><p>Wikis began in 1995.</p></body></html>"
    assert extract(html)["title"] == "The Quickest Web"
    long_first = "Spaced repetition schedules reviews " + "of many small cards " * 10 + "for you."
    title = extract(long_first)["title"]
    assert title.startswith("Spaced repetition schedules reviews") and len(title) <= 81


def test_extract_finds_written_dates_in_the_text() -> None:
    assert extract("Published March 14, 2025. Notes follow here.")["date"] == "2025-03-14"
    assert extract("Published 14 March 2025. Notes follow here.")["date"] == "2025-03-14"
    assert extract("Nothing dated here at all, not even a year.")["date"] == ""


def test_extract_of_an_empty_source_is_still_a_valid_reply() -> None:
    data = extract("")
    assert data == {"title": "", "date": "", "language": "en", "summary": "", "tags": [], "claims": [], "mentions": []}
