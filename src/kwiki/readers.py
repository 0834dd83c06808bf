"""Documents that are not plain text (PDF), read as text kwiki can extract from and verify quotes against."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from kwiki.errors import KwikiError

if TYPE_CHECKING:
    from pypdf import PdfReader

PAGE_MARKER = "[page {number}]"  # opens every page's text, so the extractor sees (and claims can cite) the page


class UnreadableDocument(KwikiError):
    """A document kwiki cannot turn into text; the message is the one-line skip reason."""


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, page by page, each page opened by its PAGE_MARKER line."""
    from pypdf import PdfReader  # imported on first use: `kwiki --help` stays fast
    from pypdf.errors import DependencyError, PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns about every repaired xref on stderr
    try:
        pages = _pages(PdfReader(io.BytesIO(data)))
    except DependencyError as err:
        raise UnreadableDocument(f"encrypted PDF kwiki cannot decrypt ({err})") from err
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
        raise UnreadableDocument(f"broken PDF ({type(err).__name__}: {str(err)[:120]})") from err
    if not pages:
        raise UnreadableDocument("PDF without a text layer (a scan?); run OCR on it first, e.g. with ocrmypdf")
    return "\n".join(pages)


def _pages(reader: PdfReader) -> list[str]:
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnreadableDocument("encrypted PDF (needs a password); put a decrypted copy into raw/")
    pages: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        text = _clean(page.extract_text())
        if text:
            pages.append(f"{PAGE_MARKER.format(number=number)}\n\n{text}\n")
    return pages


def _clean(text: str) -> str:
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(lines).strip()


READERS: Mapping[str, Callable[[bytes], str]] = {".pdf": pdf_text}
