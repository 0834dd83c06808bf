"""The JSON payloads kwiki fences into its prompts, typed: the code that builds them and the offline engine that
reads them share these, so a renamed field is a type error on both sides. Also what fills the overview's pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict

from kwiki.index import PageMeta

OVERVIEW_RELATED = 3
RELATED = 0.25  # share of their sources two overview pages have in common (Jaccard) to be related


class SummarizePayload(TypedDict):
    """ "summarize" (extract.py): the chunk summaries of one long source."""

    path: str
    title: str
    summaries: list[str]


class PageClaim(TypedDict):
    statement: str
    quote: str
    source_page: str  # slug of the source page to cite
    source_title: str
    date: str


class PageDescription(TypedDict):
    source_page: str
    text: str


class Neighbour(TypedDict):
    page: str
    title: str


class WritePagePayload(TypedDict):
    """ "write-page" (knowledge.py): one knowledge page's claims, descriptions and current body."""

    title: str
    type: str
    aliases: list[str]
    current_body: str
    claims: list[PageClaim]
    descriptions: list[PageDescription]
    neighbours: list[Neighbour]


class NewClaim(TypedDict):
    statement: str
    quote: str
    source_page: str
    date: str


class EarlierClaim(TypedDict):
    statement: str
    source_page: str
    date: str


class UpdatePagePayload(TypedDict):
    """ "update-page" (delta.py): what a page with a body needs to add what is new for it, never the whole body."""

    title: str
    type: str
    outline: list[str]  # the page's `##` headings, bounded
    lead: str  # the start of the page's first paragraph, bounded
    claims: list[NewClaim]  # new for this page in this run, capped
    earlier: list[EarlierClaim]  # a few of the page's earlier claims nearest the new ones (contradictions)
    neighbours: list[Neighbour]  # pages the new sources also discuss


class OverviewPage(TypedDict):
    page: str
    title: str
    type: str
    summary: str
    source_count: int
    related: NotRequired[list[str]]  # slugs of the other overview pages mostly the same sources cite; absent if none


class OverviewPayload(TypedDict):
    """ "overview" (compile.py): every page with its summary and support."""

    pages: list[OverviewPage]
    source_count: int


class QueryPage(TypedDict):
    page: str
    title: str
    text: str
    earlier_answer: bool


class QueryPayload(TypedDict):
    """ "query" (query.py): the question and the pages search found for it."""

    question: str
    pages: list[QueryPage]


class CompareClaim(TypedDict):
    id: str
    statement: str
    quote: str
    source: str


class CompareSide(TypedDict):
    page: str
    title: str
    claims: list[CompareClaim]


class ComparePayload(TypedDict):
    """ "compare" (lint/deep.py): the claims of two pages that may contradict each other."""

    a: CompareSide
    b: CompareSide


def overview_page(p: PageMeta, top: Sequence[PageMeta]) -> OverviewPage:
    page: OverviewPage = {
        "page": p.slug,
        "title": p.title,
        "type": p.type,
        "summary": p.summary,
        "source_count": p.source_count,
    }
    if related := related_pages(p, top):
        page["related"] = related
    return page


def related_pages(page: PageMeta, top: Sequence[PageMeta]) -> list[str]:
    """Slugs of the other overview pages that mostly the same sources cite: the overview's themes."""
    mine = set(page.sources)
    related = [
        other.slug
        for other in top
        if other is not page and mine and len(mine & set(other.sources)) >= RELATED * len(mine | set(other.sources))
    ]
    return related[:OVERVIEW_RELATED]
