"""Blockquotes in a model's page body are quotes, and each is checked against the source it names.

The prompts ask for one form, `> "quote"` then `> — [[source_page]]`. A block in that form (the marks straight or
curly, the quote wrapped over several lines, the attribution on the quote's own line) is kept when the quote occurs
verbatim in the source the attribution names, or in any of the page's sources when it names none. Every other
blockquote goes: italics, single quotes, a line added under a real quote, a callout. Otherwise a model could pass
its own words off as a source's, or forge a notice of kwiki's own (`> [!note] kwiki update`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from kwiki.gate import quote_occurs
from kwiki.markdown import find_wikilinks
from kwiki.markdown.fences import in_code
from kwiki.pages import LinkTo

_BLOCKQUOTE = re.compile(r"^ {0,3}>")
_QUOTE_MARK = re.compile(r"^ {0,3}> ?")
_QUOTED = re.compile(r'^["“](.+)["”][.,;:]?$')  # a period after the closing mark is still the whole quote
# `— [[source]]` on its own line or the quote's, also `([[source]])`, in bold or italics, or with `, 2024` after it
_ATTRIBUTED = re.compile(r"^(.*?)\s*(?:[—–-]+\s*|\()[*_]*(\[\[[^\[\]\n]+\]\])[*_]*\)?(?:,\s*[^\[\]\n]{0,40})?$")


# What a draft may quote: each of its source pages' names (casefolded) with the source's text as
# `gate.normalize_ws` leaves it.
Quotable = Mapping[str, str]


def verified_quotes(lines: Sequence[str], quotable: Quotable, resolve: Callable[[str], LinkTo | None]) -> list[str]:
    """`lines` without the blockquotes that are not verified quotes (see the module's docstring)."""
    kept: list[str] = []
    block: list[str] = []
    for line, code in zip([*lines, ""], [*in_code(lines), False], strict=True):  # "" ends a block at the end
        if _BLOCKQUOTE.match(line) and not code:  # `>>> print(x)` in a code block is no quote
            block.append(line)
            continue
        if block and _verified(block, quotable, resolve):
            kept += block
        block = []
        kept.append(line)
    return kept[:-1]


def _verified(block: Sequence[str], quotable: Quotable, resolve: Callable[[str], LinkTo | None]) -> bool:
    text = " ".join(part for line in block if (part := _QUOTE_MARK.sub("", line, count=1).strip()))
    attributed = _ATTRIBUTED.match(text)
    quote, source = (attributed.group(1), attributed.group(2)) if attributed else (text, "")
    whole = _QUOTED.match(quote)
    if whole is None:
        return False
    if not source:
        return any(quote_occurs(whole.group(1), s) for s in quotable.values())
    links = find_wikilinks(source)
    page = resolve(links[0].target) if links else None
    held = quotable.get(page.slug.casefold()) if page is not None else None
    return held is not None and quote_occurs(whole.group(1), held)
