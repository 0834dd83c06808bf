"""Delta updates of a page that already has a body: ask only for what is new for it, then insert that addition.

A prompt never carries the page's whole body: its outline, the start of its lead, the claims new for it, a few
earlier claims near those (so a contradiction can still be flagged) and the pages the new sources also discuss.
Its size depends on the new sources, not on how long the page or the wiki has grown (docs/design.md §2.5).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from kwiki.llm.base import Request
from kwiki.llm.blocks import fence_json
from kwiki.markdown import parse_page
from kwiki.notes import Claim, SourceNote
from kwiki.pages import LinkTo
from kwiki.payloads import EarlierClaim, NewClaim, UpdatePagePayload
from kwiki.prompts import load_prompt, page_schema
from kwiki.resolve import Cluster

MAX_OUTLINE = 20  # headings
MAX_HEADING = 80
MAX_LEAD = 300
MAX_NEW_CLAIMS = 20
MAX_EARLIER = 3
MAX_NEAR = 8
_H2 = re.compile(r" {0,3}##(?:[ \t]|$)")
_ITEM = re.compile(r" {0,3}(?:[-*+]|\d+[.)])[ \t]")
_WORD = re.compile(r"[^\W\d_]{5,}")  # five letters or more: "with", "that" and the like never count

Sourced = tuple[str, Claim]  # (raw path, claim)


def update_request(
    cluster: Cluster,
    body: str,
    new: Sequence[Sourced],
    earlier: Sequence[Sourced],
    source_links: Mapping[str, LinkTo],
    notes: Mapping[str, SourceNote],
    near: Sequence[LinkTo],
    schema_doc: str,
) -> Request:
    """The "update-page" request: bounded whatever the size of the page's body or of the wiki."""
    payload: UpdatePagePayload = {
        "title": cluster.title,
        "type": cluster.kind,
        "outline": outline(body),
        "lead": lead(body),
        "claims": [_new(p, c, source_links, notes) for p, c in new[:MAX_NEW_CLAIMS]],
        "earlier": [_earlier(p, c, source_links, notes) for p, c in earlier[:MAX_EARLIER]],
        "neighbours": [{"page": n.slug, "title": n.title} for n in near[:MAX_NEAR]],
    }
    system, user = load_prompt("update-page").render(schema_doc=page_schema(schema_doc), payload=fence_json(payload))
    return Request("update-page", system, user, None, max_tokens=1500)


def _new(path: str, claim: Claim, links: Mapping[str, LinkTo], notes: Mapping[str, SourceNote]) -> NewClaim:
    return {
        "statement": claim.statement,
        "quote": claim.quote,
        "source_page": links[path].slug,
        "date": notes[path].date,
    }


def _earlier(path: str, claim: Claim, links: Mapping[str, LinkTo], notes: Mapping[str, SourceNote]) -> EarlierClaim:
    return {"statement": claim.statement, "source_page": links[path].slug, "date": notes[path].date}


def outline(body: str) -> list[str]:
    """The body's `##` headings, bounded in number and length."""
    return [title[:MAX_HEADING] for _, title in _headings(body)][:MAX_OUTLINE]


def lead(body: str) -> str:
    """The first paragraph of the body, cut at a word under MAX_LEAD characters."""
    first = next((b for b in _blocks(body) if not _H2.match(b)), "")
    flat = " ".join(first.split())
    if len(flat) <= MAX_LEAD:
        return flat
    return flat[:MAX_LEAD].rsplit(" ", 1)[0] + " …"


def new_claims(claims: Sequence[Sourced], fresh: Collection[str]) -> list[Sourced]:
    """The page's claims from the sources new to it in this run, at most MAX_NEW_CLAIMS."""
    return [pc for pc in claims if pc[0] in fresh][:MAX_NEW_CLAIMS]


def earlier_claims(
    claims: Sequence[Sourced], fresh: Collection[str], disputed: Collection[str], names: Sequence[str]
) -> list[Sourced]:
    """The page's earlier claims most worth showing beside the new ones, at most MAX_EARLIER: the nearest claim of
    each side of an open contradiction first, then those nearest a new claim (most words in common, as a share of
    the words of both; the page's own name aside)."""
    own = {w.casefold() for name in names for w in _WORD.findall(name)}
    new = [_words(c.statement) - own for p, c in claims if p in fresh]

    def nearness(claim: Claim) -> float:
        words = _words(claim.statement) - own
        return max((len(words & n) / len(words | n) for n in new if words | n), default=0.0)

    ranked = sorted((-nearness(c), i) for i, (p, c) in enumerate(claims) if p not in fresh)
    sides = (next((i for _, i in ranked if claims[i][0] == side), None) for side in sorted(disputed))
    picked = [i for i in sides if i is not None]
    picked += [i for score, i in ranked if score < 0 and i not in picked]
    return [claims[i] for i in picked[:MAX_EARLIER]]


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


# --- inserting the addition ---------------------------------------------------------------------------------


def merge_addition(body: str, addition: str) -> str:
    """`body` with `addition` inserted: text under a heading of the body at the end of that section, text under a
    new heading as a new section at the end, text before any heading at the end of the lead. Paragraphs the body
    already holds are not added again."""
    sections = _sections(body)
    known = {_norm(b) for _, text in sections for b in _blocks(text)}
    for heading, text in _sections(addition):
        blocks = [b for b in _blocks(_content(heading, text)) if _norm(b) not in known]
        if not blocks:
            continue
        at = next((i for i, (h, _) in enumerate(sections) if _norm(h) == _norm(heading)), None)
        if at is None:
            sections.append((heading, "\n\n".join([text.split("\n", 1)[0], *blocks])))
        else:
            sections[at] = (sections[at][0], _append(sections[at][1], blocks))
        known |= {_norm(b) for b in blocks}
    return "\n\n".join(text for _, text in sections if text.strip()).strip()


def _headings(text: str) -> list[tuple[int, str]]:
    """(line index, title) of the top-level `## ` lines: not in code, quotes or lists, not setext."""
    lines = text.split("\n")
    page = parse_page("\n" + text)  # the leading newline: a body opening with `---` holds no frontmatter
    found = [(h.line - 2, h.text) for h in page.headings if h.level == 2]
    return [(i, title) for i, title in found if 0 <= i < len(lines) and _H2.match(lines[i])]


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading title, text with its heading line): the lead first, with title ""."""
    lines = text.strip("\n").split("\n")
    marks = _headings("\n".join(lines))
    starts = [0, *(i for i, _ in marks)]
    titles = ["", *(title for _, title in marks)]
    ends = [*starts[1:], len(lines)]
    return [(t, "\n".join(lines[a:b]).strip()) for t, a, b in zip(titles, starts, ends, strict=True)]


def _content(heading: str, text: str) -> str:
    return text.split("\n", 1)[1] if heading and "\n" in text else ("" if heading else text)


def _blocks(text: str) -> list[str]:
    return [b.strip("\n") for b in re.split(r"\n[ \t]*\n", text) if b.strip()]


def _append(section: str, blocks: list[str]) -> str:
    """A list the section ends with goes on as the same list; anything else is a new paragraph."""
    if not section.strip():
        return "\n\n".join(blocks)
    last = section.rstrip().rsplit("\n", 1)[-1]
    glue = "\n" if _ITEM.match(last) and _ITEM.match(blocks[0]) else "\n\n"
    return section.rstrip() + glue + "\n\n".join(blocks)


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())
