""".docx and .epub sources: paragraphs and chapters read in order, broken or locked files skipped with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from kwiki.discover import discover
from kwiki.ingest import IngestOptions, ingest
from kwiki.offline import ExtractiveLLM
from kwiki.project import Paths
from kwiki.readers import UnreadableDocument, docx_text, epub_text
from kwiki.sanitize import normalize_ws

from .pdfs import docx, epub
from .test_pdf import PAGE_TWO

LUHMANN = "Niklas Luhmann kept a Zettelkasten for four decades in Bielefeld."


def test_docx_paragraphs_in_order_with_headings() -> None:
    text = docx_text(docx([("Title", "Inside the slip-box"), ("Heading2", "Method"), ("", LUHMANN)]))
    assert text == f"# Inside the slip-box\n\n## Method\n\n{LUHMANN}\n"


def test_epub_chapters_follow_the_spine() -> None:
    text = epub_text(epub([f"<h1>One</h1><p>{LUHMANN}</p>", f"<p>{PAGE_TWO[0]}</p>"]))
    assert text.index("# One") < text.index(LUHMANN) < text.index(PAGE_TWO[0])


def test_broken_encrypted_and_empty_zipped_documents_say_why() -> None:
    with pytest.raises(UnreadableDocument, match="not a zip archive"):
        docx_text(b"\xd0\xcf\x11\xe0 an encrypted Office file is an OLE container")
    with pytest.raises(UnreadableDocument, match="DRM-protected"):
        epub_text(epub(["<p>x</p>"], drm=True))
    with pytest.raises(UnreadableDocument, match="without text"):
        docx_text(docx([("", "")]))
    with pytest.raises(UnreadableDocument, match=r"cannot read 'word/document\.xml'"):
        docx_text(epub(["<p>x</p>"]))


def test_ingest_of_docx_and_epub_verifies_quotes_against_their_text(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "kb")
    paths.raw.mkdir(parents=True)
    (paths.root / "kwiki.toml").write_text("", encoding="utf-8")
    word = docx([("Title", "Inside Luhmann's slip-box"), ("", LUHMANN), ("", PAGE_TWO[0])])
    book = epub([f"<h1>Five myths</h1><p>{LUHMANN}</p>", f"<p>{PAGE_TWO[1]}</p>"])
    (paths.raw / "slip-box.docx").write_bytes(word)
    (paths.raw / "myths.epub").write_bytes(book)
    (paths.raw / "broken.epub").write_bytes(b"PK\x03\x04 truncated")
    assert [f.rel for f in discover(paths.raw, [paths.raw], {}, 5_000_000).found] == ["myths.epub", "slip-box.docx"]
    report = ingest(paths, ExtractiveLLM(), IngestOptions(today="2026-11-21", provider="extractive"))
    assert sorted(report.ingested) == ["myths.epub", "slip-box.docx"]
    assert [s.path for s in report.skipped] == ["broken.epub"]
    sources = normalize_ws(docx_text(word) + epub_text(book))
    pages = [p.read_text(encoding="utf-8") for p in paths.wiki.rglob("*.md")]
    quotes = [line[3:-1] for text in pages for line in text.splitlines() if line.startswith('> "')]
    assert quotes and all(normalize_ws(q) in sources for q in quotes)
