"""The JSON payloads kwiki fences into its prompts, typed: the code that builds them and the offline engine that
reads them share these, so a renamed field is a type error on both sides."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class SummarizePayload(TypedDict):
    """"summarize" (extract.py): the chunk summaries of one long source."""

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
    """"write-page" (knowledge.py): one knowledge page's claims, descriptions and current body."""

    title: str
    type: str
    aliases: list[str]
    current_body: str
    claims: list[PageClaim]
    descriptions: list[PageDescription]
    neighbours: list[Neighbour]


class OverviewPage(TypedDict):
    page: str
    title: str
    type: str
    summary: str
    source_count: int
    related: NotRequired[list[str]]  # slugs of the other overview pages mostly the same sources cite; absent if none


class OverviewPayload(TypedDict):
    """"overview" (compile.py): every page with its summary and support."""

    pages: list[OverviewPage]
    source_count: int


class QueryPage(TypedDict):
    page: str
    title: str
    text: str
    earlier_answer: bool


class QueryPayload(TypedDict):
    """"query" (query.py): the question and the pages search found for it."""

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
    """"compare" (lint/deep.py): the claims of two pages that may contradict each other."""

    a: CompareSide
    b: CompareSide
