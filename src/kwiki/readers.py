"""Documents that are not plain text (PDF, .docx, .epub), read as text kwiki can extract and verify quotes against."""

from __future__ import annotations

import io
import logging
import posixpath
import re
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from kwiki.errors import KwikiError

if TYPE_CHECKING:
    from pypdf import PdfReader

PAGE_MARKER = "[page {number}]"  # opens every page's text, so the extractor sees (and claims can cite) the page
UNZIPPED_LIMIT = 200_000_000  # bytes a .docx/.epub may unpack to: a zip bomb is skipped, not expanded
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^Heading\s*(\d)$|^Title$", re.IGNORECASE)


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


def docx_text(data: bytes) -> str:
    """A Word document's paragraphs in order, its Heading 1–6 (and Title) styles as markdown headings."""
    with _zip(data, ".docx") as archive:
        root = _xml(archive, "word/document.xml", ".docx")
    paragraphs = [_paragraph(p) for p in root.iter(f"{W}p")]
    text = "\n\n".join(p for p in paragraphs if p.strip())
    if not text.strip():
        raise UnreadableDocument(".docx without text")
    return text + "\n"


def _paragraph(p: ElementTree.Element) -> str:
    parts = []
    for node in p.iter():
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag in (f"{W}tab", f"{W}br"):
            parts.append("\t" if node.tag == f"{W}tab" else "\n")
    style = p.find(f"{W}pPr/{W}pStyle")
    match = _HEADING_STYLE.match(style.get(f"{W}val", "") if style is not None else "")
    level = 0 if match is None else int(match.group(1) or 1)
    return ("#" * level + " " if level else "") + "".join(parts).strip()


def epub_text(data: bytes) -> str:
    """An e-book's chapters in reading order (the OPF spine), each XHTML file reduced to its readable text."""
    from kwiki.discover import to_plain_text  # discover dispatches here: imported on use, not at load

    with _zip(data, ".epub") as archive:
        if "META-INF/encryption.xml" in archive.namelist():
            raise UnreadableDocument("DRM-protected or encrypted .epub")
        chapters = [
            to_plain_text(_member(archive, rel, ".epub").decode("utf-8", "replace"), ".html") for rel in _spine(archive)
        ]
    text = "\n\n".join(c.strip() for c in chapters if c.strip())
    if not text:
        raise UnreadableDocument(".epub without text")
    return text + "\n"


def _spine(archive: zipfile.ZipFile) -> Iterator[str]:
    container = _xml(archive, "META-INF/container.xml", ".epub")
    rootfile = next((e.get("full-path", "") for e in container.iter() if e.tag.endswith("rootfile")), "")
    opf = _xml(archive, rootfile, ".epub")
    items = {e.get("id"): e.get("href", "") for e in opf.iter() if e.tag.endswith("}item")}
    folder = posixpath.dirname(rootfile)
    for ref in (e for e in opf.iter() if e.tag.endswith("}itemref")):
        href = items.get(ref.get("idref"), "")
        if href:
            yield posixpath.normpath(posixpath.join(folder, urllib.parse.unquote(href)))


def _zip(data: bytes, kind: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableDocument(f"broken {kind} (not a zip archive; password-protected?)") from None
    if sum(info.file_size for info in archive.infolist()) > UNZIPPED_LIMIT:
        raise UnreadableDocument(f"{kind} unpacks to more than {UNZIPPED_LIMIT // 1_000_000} MB")
    return archive


def _member(archive: zipfile.ZipFile, name: str, kind: str) -> bytes:
    try:
        return archive.read(name)
    except (KeyError, zipfile.BadZipFile, RuntimeError, OSError) as err:  # missing, corrupt or encrypted member
        raise UnreadableDocument(f"broken {kind}: cannot read {name!r} ({err})") from None


def _xml(archive: zipfile.ZipFile, name: str, kind: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(_member(archive, name, kind))
    except ElementTree.ParseError as err:
        raise UnreadableDocument(f"broken {kind}: {name} is not valid XML ({err})") from None


READERS: Mapping[str, Callable[[bytes], str]] = {".pdf": pdf_text, ".docx": docx_text, ".epub": epub_text}
