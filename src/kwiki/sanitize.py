"""Checks on model output before it reaches a page: quotes must occur in the source, no foreign URLs or images."""

from __future__ import annotations

import re
from collections.abc import Iterable

_URL = re.compile(r"https?://[^\s)\]>\"']+", re.IGNORECASE)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def normalize_ws(text: str) -> str:
    """Whitespace folded and typographic quotes straightened, for comparing a quote with its source."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.split())


def quote_occurs(quote: str, normalized_source: str) -> bool:
    q = normalize_ws(quote).strip(" \"'")
    return len(q) >= 8 and q in normalized_source


def strip_foreign_urls(markdown: str, allowed_texts: Iterable[str]) -> str:
    """Drop images and URLs that none of the allowed texts (the page's sources) contains verbatim.

    Obsidian fetches remote images when it renders a page, so an image URL invented by a model (or planted in
    a source aimed at the model) is an exfiltration channel.
    """
    allowed = set()
    for text in allowed_texts:
        allowed.update(_URL.findall(text))

    def image(match: re.Match[str]) -> str:
        return match.group(0) if match.group(2) in allowed else match.group(1)

    def link(match: re.Match[str]) -> str:
        return match.group(0) if match.group(2) in allowed else match.group(1)

    def bare(match: re.Match[str]) -> str:
        return match.group(0) if match.group(0) in allowed else "(link removed)"

    markdown = _HTML_IMG.sub("", markdown)
    markdown = _MD_IMAGE.sub(image, markdown)
    markdown = _MD_LINK.sub(link, markdown)
    return _URL.sub(bare, markdown)


def one_line(text: str, limit: int = 300) -> str:
    """A model-provided string made safe for a single line (titles, summaries in tables)."""
    flat = " ".join(text.split()).replace("|", "/")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
