"""Answering from the wiki: pages within a budget, one model call, only honest citations, filed back."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import PurePosixPath

from kwiki import entries, gate, vault
from kwiki.errors import ProviderError, UsageError
from kwiki.gate import line as one_line
from kwiki.index import LogEntry, append_log, write_index
from kwiki.links import VaultIndex
from kwiki.llm.base import LLM, Request
from kwiki.llm.blocks import fence_json
from kwiki.lock import ProjectLock
from kwiki.markdown import Link, dump_page, parse_page, replace_wikilinks, split_frontmatter
from kwiki.payloads import QueryPayload
from kwiki.project import Paths
from kwiki.prompts import load_prompt
from kwiki.search import WORD, Hit, refresh_index, search
from kwiki.slugs import name_key, slugify, unique_slug
from kwiki.vocabulary import FOLDERS, LOG

DEFAULT_LIMIT = 8
DEFAULT_BUDGET = 24_000  # characters of page text sent to the model
MIN_EXCERPT = 500  # below this much room, a page's excerpt would be too thin to be worth sending
ANSWER_TOKENS = 2048
ANSWERS = FOLDERS["answer"]
GAP = "[…]"
NO_PAGES = "No page in the wiki matches this question, so there is nothing to answer from."


@dataclass(frozen=True)
class ContextPage:
    """A page (or the sections of it that fit the budget) as the model sees it."""

    page: str  # wiki-relative path
    title: str
    type: str
    text: str
    earlier_answer: bool
    truncated: bool = False

    @property
    def name(self) -> str:
        return PurePosixPath(self.page).stem


@dataclass(frozen=True)
class Answer:
    """The model's answer, citations checked: `removed_citations` names the links that were dropped."""

    question: str
    text: str
    citations: tuple[ContextPage, ...]
    pages: tuple[ContextPage, ...]
    removed_citations: tuple[str, ...] = ()


def require_question(question: str) -> str:
    text = " ".join(question.split())
    if not text:
        raise UsageError("the question is empty", 'ask something, e.g. kwiki query "what is verifiability?"')
    return text


# --- context ----------------------------------------------------------------------------------------------


def select_context(hits: list[Hit], budget: int) -> list[ContextPage]:
    """Pages in rank order while they fit `budget` characters; a page too long for the room left is cut to the
    sections that best match the question."""
    chosen: list[ContextPage] = []
    room = budget
    for hit in hits:
        if room < min(MIN_EXCERPT, len(hit.text)):
            continue
        text = hit.text if len(hit.text) <= room else _excerpt(hit, room)
        chosen.append(ContextPage(hit.page, hit.title, hit.type, text, hit.earlier_answer, text != hit.text))
        room -= len(text)
    return chosen


def _sections(text: str) -> list[str]:
    """The text cut before every heading; the part before the first heading is the lead."""
    lines = text.split("\n")
    starts = sorted({0} | {h.line - 1 for h in parse_page(text).headings if 0 < h.line <= len(lines)})
    return ["\n".join(lines[a:b]).strip("\n") for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]


def _excerpt(hit: Hit, room: int) -> str:
    """The lead, then the sections holding most matched sentences, in page order, within `room` characters."""
    sections = _sections(hit.text)
    wanted = sorted(range(len(sections)), key=lambda i: (i != 0, -_matches(sections[i], hit.sentences), i))
    kept: set[int] = set()
    used = len(GAP) + 2  # a gap may close the excerpt
    for index in wanted:
        cost = len(sections[index]) + 2 * (len(GAP) + 2)  # the section, the gap before it, two separators
        if used + cost <= room:
            kept.add(index)
            used += cost
    if not kept:
        cut = hit.text[: room - len(GAP) - 1]
        return cut[: cut.rfind(" ")] + " " + GAP if " " in cut else cut
    return _join(sections, kept)


def _matches(section: str, sentences: tuple[str, ...]) -> int:
    """How many of the sentences the section holds; compared as word sets, so line wraps do not matter."""
    words = set(WORD.findall(section.casefold()))
    return sum(set(WORD.findall(sentence.casefold())) <= words for sentence in sentences)


def _join(sections: list[str], kept: set[int]) -> str:
    parts: list[str] = []
    for index, section in enumerate(sections):
        if index in kept:
            parts.append(section)
        elif not parts or parts[-1] != GAP:
            parts.append(GAP)
    return "\n\n".join(parts)


# --- answering --------------------------------------------------------------------------------------------


def answer(paths: Paths, llm: LLM, question: str, limit: int = DEFAULT_LIMIT, budget: int = DEFAULT_BUDGET) -> Answer:
    """Refresh the index, retrieve, ask the model once, check what it cites against the pages it was sent."""
    question = require_question(question)
    refresh_index(paths)
    pages = select_context(search(paths, question, limit), budget)
    if not pages:
        return Answer(question, NO_PAGES, (), ())
    reply = llm.complete(build_request(question, pages))
    if not reply.text.strip():
        raise ProviderError("the model returned an empty answer", "run the query again or try another model")
    text, cited, removed = check_citations(reply.text, pages)
    return Answer(question, text, cited, tuple(pages), removed)


def build_request(question: str, pages: list[ContextPage]) -> Request:
    payload: QueryPayload = {
        "question": question,
        "pages": [
            {"page": page.name, "title": page.title, "text": page.text, "earlier_answer": page.earlier_answer}
            for page in pages
        ],
    }
    system, user = load_prompt("query").render(data=fence_json(payload))
    return Request("query", system, user, None, ANSWER_TOKENS)


def check_citations(text: str, pages: list[ContextPage]) -> tuple[str, tuple[ContextPage, ...], tuple[str, ...]]:
    """(clean text, pages cited, links removed): a link to any page not sent becomes its display text.

    A link to a sent page's title (a common slip) is rewritten to its name. Then the text passes the gate as a page
    body (`gate.answer`): URLs and images no sent page contains (Obsidian would fetch them), HTML, a frontmatter
    fence, an H1 and open fences or comments go, and the answer is bounded — before it is shown or saved.
    """
    sent = VaultIndex.from_paths(p.page for p in pages)
    by_path = {p.page: p for p in pages}
    by_title = {p.title.casefold(): p for p in pages}
    cited: dict[str, ContextPage] = {}
    removed: list[str] = []

    def check(link: Link) -> str | None:
        found = None if link.embed else sent.resolve(link.target, f"{ANSWERS}/answer.md")
        page = by_path[found] if found else (None if link.embed else by_title.get(link.target.casefold()))
        if page is None:
            removed.append(link.target or link.subpath)
            return link.shown
        cited.setdefault(page.page, page)
        return None if found else f"[[{page.name}|{link.shown}]]"

    clean = replace_wikilinks(text.strip(), check)
    names = {p.name.casefold(): p.name for p in pages}  # every link left points at a sent page, by its name
    gated = gate.answer(clean, lambda target: names.get(target.casefold()), [p.text for p in pages])
    return gated, tuple(cited.values()), tuple(removed)


# --- filing it back ---------------------------------------------------------------------------------------


def save_answer(paths: Paths, result: Answer, today: dt.date) -> str:
    """Write wiki/answers/<slug>.md, log it, refresh index.md, under the project lock; returns the path in wiki/."""
    with ProjectLock(paths.state_dir, "query --save"):
        return _file_answer(paths, result, today)


def _file_answer(paths: Paths, result: Answer, today: dt.date) -> str:
    vault_index = VaultIndex.scan(paths.wiki)
    taken = {name_key(PurePosixPath(p).stem) for p in vault_index.paths}
    slug = unique_slug(slugify(result.question), taken)
    rel = f"{ANSWERS}/{slug}.md"
    meta = {
        "title": result.question,
        "type": "answer",
        "question": result.question,
        "summary": _summary(result.text),
        "cites": [f"[[{page.name}]]" for page in result.citations],
        "sources": _cited_sources(paths, result.citations),
        "tags": ["answer"],
        "created": today,
        "updated": today,
    }
    vault.write_text(paths.wiki, rel, dump_page(meta, f"# {result.question}\n\n{result.text}"))
    append_query_log(paths, today, result.question, slug)
    write_index(paths)
    return rel


def _summary(text: str) -> str:
    """The answer's first line, links flattened to their text, for the index's summary column."""
    plain = replace_wikilinks(text, lambda link: link.shown)
    first = next((line for line in plain.splitlines() if line.strip()), "")
    return one_line(first.lstrip("#>-*+ "), 200)


def _cited_sources(paths: Paths, cited: tuple[ContextPage, ...]) -> list[str]:
    """The union of the cited pages' `sources`, in order of first citation."""
    found: dict[str, None] = {}
    for page in cited:
        meta, _ = split_frontmatter(entries.read_text(paths.wiki, page.page)[0])  # "" once deleted: no sources
        sources = meta.get("sources")
        for source in sources if isinstance(sources, list) else []:
            found.setdefault(str(source), None)
    return list(found)


def append_query_log(paths: Paths, today: dt.date, question: str, slug: str) -> None:
    """Add a `query` entry to log.md; the file is read and written whole, atomically."""
    old, odd = entries.read_text(paths.wiki, LOG)
    if odd is not None and os.path.lexists(paths.wiki / LOG):  # not UTF-8, or no file: never written over
        return
    entry = LogEntry(today.isoformat(), "query", question, (f"- Answer: [[{slug}]]",))
    vault.write_text(paths.wiki, LOG, append_log(old if odd is None else None, [entry]))
