"""Page assembly in code: frontmatter, the source page body, and the stable-date rule for rewrites."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kwiki import vocabulary as v
from kwiki.discover import shown_name
from kwiki.markdown import dump_page, replace_wikilinks, split_frontmatter
from kwiki.notes import SourceNote
from kwiki.sanitize import one_line, strip_foreign_urls

_TAG = re.compile(r"[^\w/-]+")


@dataclass(frozen=True)
class LinkTo:
    """A resolved link from one page to another: basename plus the text to show."""

    slug: str
    title: str
    description: str = ""

    def markdown(self) -> str:
        shown = display_text(self.title)
        return f"[[{self.slug}|{shown}]]" if shown and shown != self.slug else f"[[{self.slug}]]"


def display_text(text: str) -> str:
    """Text safe inside `[[target|…]]`: brackets and pipes would end or split the link."""
    return " ".join(re.sub(r"[\[\]|]", " ", text).split())


def plain_prose(text: str, allowed_texts: Sequence[str]) -> str:
    """Model text for one line: links become their shown text; URLs and images no source holds are dropped."""
    text = replace_wikilinks(text, lambda link: display_text(link.display or link.target))
    return one_line(strip_foreign_urls(text, allowed_texts), 300)


def clean_tags(tags: Sequence[str]) -> list[str]:
    """Tags Obsidian accepts: lowercase letters, digits, `_ - /`, at least one non-digit, no spaces."""
    out: list[str] = []
    for tag in tags:
        clean = _TAG.sub("-", tag.strip().lstrip("#").casefold()).strip("-/")
        if clean and not clean.replace("-", "").isdigit() and clean not in out:
            out.append(clean)
    return out[:8]


def source_body(
    note: SourceNote, source_text: str, links: Sequence[LinkTo], mentions_plain: Sequence[str], callouts: Sequence[str]
) -> str:
    """Summary, key claims, verified quotes, and what it mentions (linked where a page exists)."""
    summary = strip_foreign_urls(note.summary, [source_text]).strip() or "_No summary._"
    meta = " · ".join(x for x in (f"`raw/{shown_name(note.path)}`", note.date, note.language) if x)
    parts = [f"# {note.title}", f"{v.SOURCE_CALLOUT}\n> {meta}", v.heading(v.SUMMARY), summary]
    claims, quotes = _said_once(note, summary, source_text)
    if claims:
        parts += [v.heading(v.KEY_CLAIMS), "\n".join(claims)]
    if quotes:
        parts += [v.heading(v.QUOTES), "\n\n".join(quotes)]
    mentioned = [
        f"- {link.markdown()}" + (f" — {plain_prose(link.description, [source_text])}" if link.description else "")
        for link in links
    ]
    mentioned += [f"- {plain_prose(name, [source_text])}" for name in mentions_plain]
    if mentioned:
        parts += [v.heading(v.MENTIONS), "\n".join(mentioned)]
    parts += list(callouts)
    return "\n\n".join(parts)


def _said_once(note: SourceNote, summary: str, source_text: str) -> tuple[list[str], list[str]]:
    """Key claims and quotes, each sentence shown once: a claim the summary says, or a quote a claim says, is not
    repeated (a short source's one sentence would otherwise appear under three headings)."""
    said: list[str] = []
    for claim in note.claims:
        statement = strip_foreign_urls(claim.statement, [source_text])
        if statement and statement not in said and statement not in summary:
            said.append(statement)
    quotes = dict.fromkeys(q for c in note.claims if (q := c.quote.strip()) and q not in said and q not in summary)
    return [f"- {s}" for s in said], [f'> "{q}"' for q in quotes]


def source_frontmatter(note: SourceNote) -> dict[str, object]:
    return {
        "title": note.title,
        "type": "source",
        "summary": one_line(plain_prose(note.summary.split("\n")[0], []), 200),
        "aliases": [],
        "tags": clean_tags(note.tags),
        "sources": [note.path],
        **({"date": as_date(note.date)} if note.date else {}),
    }


def as_date(value: object) -> dt.date | str:
    """A YAML date (unquoted, so Obsidian types it as Date) when the value is ISO, else the text."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)


def render(frontmatter: Mapping[str, object], body: str, old_text: str | None, today: str) -> str:
    """The page text, keeping `created` from the old page; the old text itself when only `updated` would change."""
    old_meta = split_frontmatter(old_text)[0] if old_text else {}
    created = as_date(old_meta.get("created") or today)
    meta = {**frontmatter, "created": created, "updated": as_date(today)}
    text = dump_page(meta, body)
    if old_text is not None:
        unchanged = dump_page({**meta, "updated": as_date(old_meta.get("updated") or today)}, body)
        if unchanged == old_text:
            return old_text
    return text
