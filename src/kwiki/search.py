"""Ranking: the wiki pages that answer a question, from the search index (kwiki.search_index), with snippets."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from kwiki.project import KNOWLEDGE_TYPES, Paths
from kwiki.search_index import RefreshStats, open_index, refresh_index

__all__ = ["Hit", "RefreshStats", "fold", "fts_query", "matching_sentences", "query_terms", "refresh_index", "search"]

KNOWLEDGE_BOOST = 1.25  # a concept page distils many sources, so it beats one source page at equal relevance
LINK_WEIGHT = 0.3  # share of a seed's score a linked page receives
SEEDS_PER_HIT = 3
MAX_TERMS = 32
SENTENCES_PER_HIT = 3
SNIPPET_CHARS = 220
WORD = re.compile(r"[^\W_]+")
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
NOT_PROSE = ("#", "---", "|", "```", "~~~")
_LEAD = re.compile(r"^\*\*[^*]+\*\* — ")  # a knowledge page's opening "**Title** — "
_CITATION = re.compile(r"(?:\s*—)?(?:\s*\[\[[^\]|]+\]\])+\s*$|^—\s+.*$")  # " — [[source]]", "— [[a|A]]"
_LINK = re.compile(r"\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|([^\]]+))?\]\]")
_WORD_OR_GAP = re.compile(r"[^\W_]+|[\W_]+")

# Words that say how a question is asked, not what it is about (en, de, fr, es); used only to build queries.
_STOPWORD_TEXT = """
a about above after again all also am an and any are as at be been before being between both but by
can could did do does doing down during each few for from further had has have having he her here
hers him his how i if in into is it its itself just me more most my no nor not now of off on once
only or other our out over own same she should so some such than that the their them then there
these they this those through to too under until up very was we were what when where which while who
whom why will with would you your tell explain describe please know say says said
aber als am an auch auf aus bei bin bis bist da damit dann das dass dem den der des die dies diese
dieser doch dort du durch ein eine einem einen einer eines er es etwas für hat hatte ich ihr im in
ist ja jede kann kein man mit nach nicht noch nur ob oder sein seine sich sie sind so über um und
uns von vor war was wer wie wir wird zu zum zur welche welcher welches warum wann wo
au aux avec ce ces comment dans de des du elle en est et il je la le les leur lui mais me même mes
ne nos notre nous on ou où par pas pour qu que qui quoi sa se ses son sont sur ta te tes toi ton tu
un une vos votre vous
al como con cual cuál cuando del el ella ellos es esta este esto hay la las lo los más mi no nos o
para pero por porque qué quien se sin sobre su sus también te tu un una uno y ya
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Hit:
    """One ranked page. `via` names the page that linked to it when the question did not match it directly."""

    page: str  # wiki-relative path
    title: str
    type: str
    score: float
    snippet: str
    sentences: tuple[str, ...]
    text: str  # body without frontmatter
    via: str | None = None

    @property
    def name(self) -> str:
        return PurePosixPath(self.page).stem

    @property
    def earlier_answer(self) -> bool:
        return self.type == "answer" or self.page.startswith("answers/")


# --- searching --------------------------------------------------------------------------------------------


def query_terms(question: str) -> tuple[str, ...]:
    """The question's words, casefolded, once each, without stopwords unless nothing else is left."""
    words = [word.casefold() for word in WORD.findall(unicodedata.normalize("NFKC", question))]
    content = [word for word in words if word not in STOPWORDS]
    return tuple(dict.fromkeys(content or words))[:MAX_TERMS]


def fts_query(terms: tuple[str, ...]) -> str:
    """An FTS5 expression that only ORs quoted strings, so no user text is ever read as query syntax."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


@dataclass(frozen=True)
class _Scored:
    id: int
    page: str
    title: str
    type: str
    score: float
    via: str | None = None


def search(paths: Paths, question: str, limit: int) -> list[Hit]:
    """The `limit` best pages for the question: FTS5 matches, widened and re-ranked by one hop of links.

    It reads the index as it is; callers that need it current call `refresh_index` first.
    """
    terms = query_terms(question)
    if not terms or limit < 1:
        return []
    with open_index(paths) as db:
        seeds = _match(db, fts_query(terms), limit * SEEDS_PER_HIT, _folded_words(question))
        ranked = _expand(db, seeds, limit)[:limit]
        bodies = _bodies(db, [item.id for item in ranked])
    top = max((item.score for item in ranked), default=0.0) or 1.0  # one 0–1 scale, whatever the wiki's size
    return [_hit(item, bodies[item.id], terms, top) for item in ranked]


def _match(db: sqlite3.Connection, expression: str, count: int, question: str) -> list[_Scored]:
    """Seeds by bm25; a page whose title or alias the question names outranks every page it does not name, and a
    page the question names exactly ("what is micrograd" → Micrograd) every page it names in part."""
    rows = db.execute(
        "SELECT p.id, p.path, p.title, p.type, rank, fts.aliases "
        "FROM fts JOIN pages p ON p.id = fts.rowid WHERE fts MATCH ? ORDER BY rank LIMIT ?",
        (expression, count),
    ).fetchall()
    scores = [-row[4] * _boost(row[3]) for row in rows]
    lift = max(scores, default=0.0) + 1.0
    named = [_named(question, row[2], row[5]) for row in rows]
    return [
        _Scored(row[0], row[1], row[2], row[3], score + lift * level)
        for row, score, level in zip(rows, scores, named, strict=True)
    ]


def _folded_words(text: str) -> str:
    """The text as space-separated folded words with a space at each end, for whole-phrase containment."""
    return " " + " ".join(fold(word) for word in WORD.findall(text)) + " "


def _named(question: str, title: str, aliases: str) -> int:
    """2 when the question's content words are exactly a name of the page, 1 when they contain one, else 0."""
    asked = [w for w in question.split() if w not in STOPWORDS]
    level = 0
    for name in [title, *aliases.split("\n")]:
        words = _folded_words(name)
        if words.strip() and not set(words.split()) <= STOPWORDS and words in question:
            level = max(level, 2 if [w for w in words.split() if w not in STOPWORDS] == asked else 1)
    return level


def _boost(page_type: str) -> float:
    return KNOWLEDGE_BOOST if page_type in KNOWLEDGE_TYPES else 1.0


def _expand(db: sqlite3.Connection, seeds: list[_Scored], limit: int) -> list[_Scored]:
    """Pages linked from the best seeds gain a share of each linking seed's score, matched or not."""
    scored = {seed.id: seed for seed in seeds}
    top = {seed.id: seed for seed in seeds[:limit]}
    if not top:
        return []
    marks = ",".join("?" * len(top))
    rows = db.execute(
        f"SELECT l.src, p.id, p.path, p.title, p.type FROM links l JOIN pages p ON p.name = l.name "
        f"WHERE l.src IN ({marks}) AND p.id != l.src",
        list(top),
    ).fetchall()
    for src, page_id, path, title, page_type in rows:
        bonus = LINK_WEIGHT * top[src].score
        current = scored.get(page_id) or _Scored(page_id, path, title, page_type, 0.0, top[src].page)
        scored[page_id] = replace(current, score=current.score + bonus)
    return sorted(scored.values(), key=lambda s: (-s.score, s.type not in KNOWLEDGE_TYPES, s.page))


def _bodies(db: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    marks = ",".join("?" * len(ids))
    return dict(db.execute(f"SELECT rowid, body FROM fts WHERE rowid IN ({marks})", ids).fetchall())


def _hit(item: _Scored, body: str, terms: tuple[str, ...], top: float) -> Hit:
    sentences = matching_sentences(body, terms)
    lead = sentences[0] if sentences else next(_prose_sentences(body), "")
    snippet = highlight(lead if len(lead) <= SNIPPET_CHARS else lead[: SNIPPET_CHARS - 1].rstrip() + "…", terms)
    return Hit(item.page, item.title, item.type, round(item.score / top, 4), snippet, sentences, body, item.via)


def highlight(text: str, terms: tuple[str, ...]) -> str:
    """The words of `text` that match a term in bold, each once: "**Andrej Karpathy**", never nested."""
    folded = [fold(term) for term in terms if len(term) > 1]
    marked = _WORD_OR_GAP.sub(lambda m: _bold(m.group(), folded), text.replace("**", ""))
    return marked.replace("** **", " ")


def _bold(word: str, folded: list[str]) -> str:
    w = fold(word)
    return f"**{word}**" if WORD.fullmatch(word) and any(_matches(w, t) for t in folded) else word


def _matches(word: str, term: str) -> bool:
    return word == term or (len(term) >= 4 and word.startswith(term))


def fold(word: str) -> str:
    """Casefolded without diacritics, as the index's tokenizer sees words."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def matching_sentences(body: str, terms: tuple[str, ...], limit: int = SENTENCES_PER_HIT) -> tuple[str, ...]:
    """The sentences that share most words with the question (a word matches a term it starts with), each once."""
    folded = [fold(term) for term in terms]
    scored: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    for position, sentence in enumerate(_prose_sentences(body)):
        words = {fold(word) for word in WORD.findall(sentence)}
        count = sum(any(_matches(w, t) for w in words) for t in folded)
        if count and (key := " ".join(sorted(words))) not in seen:
            seen.add(key)
            scored.append((-count, position, sentence))
    best = sorted(scored)[:limit]
    return tuple(text for _, _, text in sorted(best, key=lambda item: item[1]))


def _prose_sentences(body: str) -> Iterator[str]:
    """Sentences of the body's paragraphs, list items and quotes, as read: links as their text, no citations.
    Headings, tables, callouts (`> [!info] Source`) and lines that are only links are not prose."""
    paragraph: list[str] = []
    in_callout = False
    for line in [*body.splitlines(), ""]:
        text = line.strip()
        in_callout = text.startswith("> [!") or (in_callout and text.startswith(">"))
        item = text.startswith(("- ", "* ", "+ "))
        if paragraph and (item or not text or in_callout or text.startswith(NOT_PROSE)):
            yield from (s for s in SENTENCE_END.split(" ".join(paragraph)) if WORD.search(s))
            paragraph = []
        text = _readable(text[2:] if item else text.lstrip("> ").strip())
        if text and not in_callout and not line.strip().startswith(NOT_PROSE):
            paragraph.append(text)


def _readable(text: str) -> str:
    """A line as a reader sees it: "**Micrograd** — " leads, citations and bold gone, links as their text."""
    text = _CITATION.sub("", _LEAD.sub("", text))
    return _LINK.sub(lambda m: m.group(2) or m.group(1), text).replace("**", "").strip()
