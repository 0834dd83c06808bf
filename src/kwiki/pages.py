"""Page assembly in code: frontmatter, the source page body, and the stable-date rule for rewrites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kwiki import gate
from kwiki import vocabulary as v
from kwiki.discover import shown_name
from kwiki.markdown import code_span, dump_page, find_wikilinks, split_frontmatter
from kwiki.notes import SourceNote

clean_tags = gate.tags  # the name page builders use
Lookup = Callable[[str], "LinkTo | None"]  # link target → the page it opens (knowledge.alias_lookup)


@dataclass(frozen=True)
class LinkTo:
    """A resolved link from one page to another: basename plus the text to show."""

    slug: str
    title: str
    description: str = ""

    def markdown(self) -> str:
        shown = gate.display_text(self.title)
        return f"[[{self.slug}|{shown}]]" if shown and shown != self.slug else f"[[{self.slug}]]"


def slugs_of(lookup: Lookup | None) -> gate.Resolver:
    """The gate's resolver (target → basename) from a page lookup; no lookup: every link becomes text."""
    if lookup is None:
        return gate.no_links

    def resolve(target: str) -> str | None:
        found = lookup(target)
        return found.slug if found else None

    return resolve


def prose_links(note: SourceNote, lookup: Lookup | None) -> list[tuple[str, str | None]]:
    """Where each wikilink of the note's prose points now: a source page must be redrawn when this changes."""
    resolve = slugs_of(lookup)
    texts = [note.summary, *(c.statement for c in note.claims), *(m.description for m in note.mentions)]
    targets = sorted({link.target for text in texts if "[[" in text for link in find_wikilinks(text)})
    return [(t, resolve(t)) for t in targets]


def source_body(
    note: SourceNote,
    source_text: str,
    links: Sequence[LinkTo],
    mentions_plain: Sequence[str],
    callouts: Sequence[str],
    lookup: Lookup | None = None,
    images: bool = False,
) -> str:
    """Summary, key claims, verified quotes, and what it mentions (linked where a page exists)."""
    resolve, sources = slugs_of(lookup), [source_text]
    summary = gate.prose(note.summary, resolve, sources, images=images) or "_No summary._"
    shown = (code_span(f"raw/{shown_name(note.path)}"), gate.date(note.date), gate.language(note.language))
    parts = [f"# {gate.title(note.title)}", f"{v.SOURCE_CALLOUT}\n> {' · '.join(x for x in shown if x)}"]
    parts += [v.heading(v.SUMMARY), summary]
    claims, quotes = _said_once(note, summary, resolve, sources, images)
    if claims:
        parts += [v.heading(v.KEY_CLAIMS), "\n".join(claims)]
    if quotes:
        parts += [v.heading(v.QUOTES), "\n\n".join(quotes)]
    mentioned = [
        f"- {link.markdown()}" + (f" — {gate.inline(link.description, resolve, sources)}" if link.description else "")
        for link in links
    ]
    mentioned += [f"- {gate.line(name)}" for name in mentions_plain if gate.line(name)]
    if mentioned:
        parts += [v.heading(v.MENTIONS), "\n".join(mentioned)]
    parts += list(callouts)
    return "\n\n".join(parts)


def _said_once(
    note: SourceNote, summary: str, resolve: gate.Resolver, sources: Sequence[str], images: bool
) -> tuple[list[str], list[str]]:
    """Key claims and quotes, each sentence shown once: a claim the summary says, or a quote a claim says, is not
    repeated (a short source's one sentence would otherwise appear under three headings)."""
    said: list[str] = []
    for claim in note.claims:
        statement = gate.inline(claim.statement, resolve, sources, gate.MAX_STATEMENT, images)
        if statement and statement not in said and statement not in summary:
            said.append(statement)
    shown = (gate.inline(c.quote, resolve, sources, gate.MAX_QUOTE) for c in note.claims if c.quote)
    quotes = dict.fromkeys(q for q in shown if q and q not in said and q not in summary)
    return [f"- {s}" for s in said], [f'> "{q}"' for q in quotes]


def source_frontmatter(note: SourceNote) -> dict[str, object]:
    date = gate.date(note.date)
    return {
        "title": gate.title(note.title),
        "type": "source",
        "summary": gate.line(note.summary.split("\n")[0]),
        "aliases": [],
        "tags": clean_tags(note.tags),
        "sources": [note.path],
        **({"date": as_date(date)} if date else {}),
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
