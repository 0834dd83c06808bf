"""PDF sources: text read page by page, quotes checked against it, unreadable PDFs skipped with a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.conftest import run, scripted_llm
from kwiki.discover import discover, read_source
from kwiki.ingest import IngestOptions, ingest
from kwiki.llm.base import Request
from kwiki.llm.blocks import SOURCE, unfence
from kwiki.markdown import parse_page
from kwiki.offline import ExtractiveLLM
from kwiki.project import Paths
from kwiki.readers import UnreadableDocument, pdf_text
from kwiki.sanitize import normalize_ws
from kwiki.state import State

from .pdfs import scanned_pdf, text_pdf

PAGE_ONE = ["Inside Luhmann's slip-box", "", "Niklas Luhmann kept a Zettelkasten for four decades in Bielefeld."]
PAGE_TWO = [
    "Niklas Luhmann called the Zettelkasten his partner in communication.",
    "The Zettelkasten grew by links between notes.",
]


@pytest.fixture
def project(tmp_path: Path) -> Paths:
    root = tmp_path / "kb"
    (root / "raw").mkdir(parents=True)
    (root / "wiki").mkdir()
    (root / "kwiki.toml").write_text("", encoding="utf-8")
    return Paths(root)


def test_pdf_text_keeps_every_page_under_its_marker() -> None:
    text = pdf_text(text_pdf([PAGE_ONE, PAGE_TWO]))
    assert text.startswith("[page 1]\n\nInside Luhmann's slip-box")
    first, second = text.split("[page 2]")
    assert "four decades in Bielefeld" in first and "partner in communication" in second


def test_pdf_without_text_encrypted_or_broken_raises_a_reason() -> None:
    with pytest.raises(UnreadableDocument, match="without a text layer"):
        pdf_text(scanned_pdf())
    with pytest.raises(UnreadableDocument, match="encrypted PDF"):
        pdf_text(text_pdf([PAGE_ONE], password="secret"))
    with pytest.raises(UnreadableDocument, match="broken PDF"):
        pdf_text(text_pdf([PAGE_ONE])[:300])


def test_pdf_with_empty_user_password_is_read() -> None:
    assert "Bielefeld" in pdf_text(text_pdf([PAGE_ONE], password=""))


def test_discover_reads_pdfs_and_skips_unreadable_ones_with_reasons(project: Paths) -> None:
    (project.raw / "good.pdf").write_bytes(text_pdf([PAGE_ONE, PAGE_TWO]))
    (project.raw / "scan.pdf").write_bytes(scanned_pdf())
    (project.raw / "locked.pdf").write_bytes(text_pdf([PAGE_ONE], password="secret"))
    (project.raw / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really a pdf")
    found = discover(project.raw, [project.raw], {}, 5_000_000)
    assert [f.rel for f in found.found] == ["good.pdf"]
    reasons = {s.path: s.reason for s in found.skipped}
    assert "text layer" in reasons["scan.pdf"] and "encrypted" in reasons["locked.pdf"]
    assert reasons["broken.pdf"].startswith("broken PDF")
    assert "[page 2]" in read_source(project.raw, "good.pdf")


def test_ingest_of_a_pdf_quotes_only_its_extracted_text(project: Paths) -> None:
    data = text_pdf([PAGE_ONE, PAGE_TWO])
    (project.raw / "luhmann.pdf").write_bytes(data)
    report = ingest(project, ExtractiveLLM(), IngestOptions(today="2026-11-21", provider="extractive"))
    assert report.ingested == ["luhmann.pdf"] and not report.failures
    assert (project.raw / "luhmann.pdf").read_bytes() == data
    source = normalize_ws(pdf_text(data))
    pages = [p.read_text(encoding="utf-8") for p in project.wiki.rglob("*.md")]
    quotes = [line[3:-1] for text in pages for line in text.splitlines() if line.startswith('> "')]
    assert quotes and all(normalize_ws(q) in source for q in quotes)
    summary = next(project.wiki.glob("sources/*.md"))
    assert parse_page(summary.read_text(encoding="utf-8")).frontmatter["sources"] == ["luhmann.pdf"]
    with State.open(project.state_db) as state:
        assert [r.status for r in state.sources()] == ["done"]


def test_a_quote_not_in_the_pdf_text_is_dropped_and_the_page_marker_reaches_the_model(project: Paths) -> None:
    (project.raw / "luhmann.pdf").write_bytes(text_pdf([PAGE_ONE, PAGE_TWO]))
    seen: list[str] = []

    def extract(request: Request) -> dict[str, Any]:
        seen.append(unfence(request.user, SOURCE)[0])
        claims = [{"subject": "Zettelkasten", "statement": s, "quote": s} for s in (PAGE_TWO[1], "Invented.")]
        return {
            "title": "Luhmann",
            "date": "",
            "language": "en",
            "summary": "On page 2.",
            "tags": [],
            "claims": claims,
            "mentions": [],
        }

    report = run(project, scripted_llm(extract=extract))
    assert report.ingested == ["luhmann.pdf"] and report.dropped_quotes == 1
    assert "[page 2]" in seen[0]
