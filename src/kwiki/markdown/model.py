"""What a parsed page is: its links (line numbers 1-based in the file), headings and properties."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Link:
    """One link. `display` is the text after `|` (wiki) or the link text (md), "" when none was written.

    kind is "wiki" or "md" for internal links; "url" for external ones (found only in `Page.external`).
    """

    target: str
    subpath: str
    display: str
    embed: bool
    line: int
    kind: str

    @property
    def shown(self) -> str:
        """What a reader sees in place of the link."""
        return self.display or self.target or self.subpath


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class Page:
    """A parsed page. `links` holds internal links of the body and those quoted in frontmatter properties."""

    frontmatter: dict[str, Any]
    body: str
    body_line: int
    links: tuple[Link, ...]
    headings: tuple[Heading, ...]
    frontmatter_error: str
    external: tuple[Link, ...] = ()
