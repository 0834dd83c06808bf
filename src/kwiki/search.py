"""Full-text retrieval over wiki pages: an FTS5 index in .kwiki/search.sqlite, refreshed incrementally."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from kwiki.errors import KwikiError
from kwiki.markdown import parse_page
from kwiki.project import FOLDER_TYPES, KNOWLEDGE_TYPES, Paths
from kwiki.vault import remove, safe_target
from kwiki.vocabulary import GENERATED, INDEX_FOLDER

INDEX_NAME = "search.sqlite"
SCHEMA_VERSION = 1
# Catalogues and registers list every page, so they would match almost any question without answering it.
HUB_PAGES = frozenset(GENERATED)
HUB_FOLDERS = frozenset({INDEX_FOLDER})
KNOWLEDGE_BOOST = 1.25  # a concept page distils many sources, so it beats one source page at equal relevance
LINK_WEIGHT = 0.3  # share of a seed's score a linked page receives
SEEDS_PER_HIT = 3
MAX_TERMS = 32
SENTENCES_PER_HIT = 3
WORD = re.compile(r"[^\W_]+")
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
NOT_PROSE = ("#", "---", "|", "```", "~~~")

SCHEMA = """
CREATE TABLE pages (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, name TEXT NOT NULL, title TEXT NOT NULL,
    type TEXT NOT NULL, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL);
CREATE INDEX pages_name ON pages(name);
CREATE TABLE links (src INTEGER NOT NULL, name TEXT NOT NULL);
CREATE INDEX links_src ON links(src);
CREATE VIRTUAL TABLE fts USING fts5(title, aliases, headings, body,
    tokenize = 'porter unicode61 remove_diacritics 2');
INSERT INTO fts(fts, rank) VALUES ('rank', 'bm25(10.0, 8.0, 3.0, 1.0)');
"""

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
class RefreshStats:
    """What one refresh did; `unchanged` counts pages whose stamp or hash matched the index."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


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


# --- the index file -----------------------------------------------------------------------------------------


@contextmanager
def _open(paths: Paths) -> Iterator[sqlite3.Connection]:
    """The index, created as needed; rebuilt when its schema is old or the file is damaged (it is a cache)."""
    paths.state_dir.mkdir(parents=True, exist_ok=True)
    target = safe_target(paths.state_dir, INDEX_NAME)
    try:
        db = _connect(target)
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode not in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):  # e.g. locked: not ours to fix
            raise
        for suffix in ("", "-wal", "-shm"):
            remove(paths.state_dir, INDEX_NAME + suffix)
        db = _connect(target)
    with closing(db):
        yield db


def _connect(target: Path) -> sqlite3.Connection:
    db = sqlite3.connect(target, isolation_level=None, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            _create(db)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _create(db: sqlite3.Connection) -> None:
    db.execute("BEGIN IMMEDIATE")
    if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:  # another process just built it
        db.execute("COMMIT")
        return
    try:
        for statement in ["DROP TABLE IF EXISTS " + t for t in ("pages", "links", "fts")] + SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
    except sqlite3.OperationalError as exc:
        db.execute("ROLLBACK")
        if "fts5" in str(exc):
            raise KwikiError("this Python's SQLite lacks FTS5", "use a Python build with FTS5") from exc
        raise
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    db.execute("COMMIT")


# --- refreshing -------------------------------------------------------------------------------------------


def searchable(rel: str) -> bool:
    """Whether a wiki-relative path belongs in the index: markdown pages, not hubs, nothing hidden."""
    parts = PurePosixPath(rel).parts
    return (
        rel.endswith(".md")
        and rel not in HUB_PAGES
        and parts[0] not in HUB_FOLDERS
        and not any(part.startswith(".") for part in parts)
    )


def _scan(wiki: Path) -> dict[str, tuple[int, int]]:
    """wiki-relative path → (mtime_ns, size) of every searchable page; symlinks are not followed."""
    found: dict[str, tuple[int, int]] = {}
    pending = [(wiki, "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            if entry.is_dir():
                pending.append((Path(entry.path), rel + "/"))
            elif searchable(rel):
                stat = entry.stat()
                found[rel] = (stat.st_mtime_ns, stat.st_size)
    return found


def refresh_index(paths: Paths) -> RefreshStats:
    """Bring the index in line with wiki/: pages whose mtime and size are unchanged are not even read."""
    on_disk = _scan(paths.wiki)
    with _open(paths) as db:
        stamps = {row[0]: (row[1], row[2]) for row in db.execute("SELECT path, mtime_ns, size FROM pages")}
        if stamps == on_disk:  # the common case for a query: no write lock, nothing read
            return RefreshStats(unchanged=len(on_disk))
        db.execute("BEGIN IMMEDIATE")
        known = {row[0]: row[1:] for row in db.execute("SELECT path, id, mtime_ns, size, sha256 FROM pages")}
        gone = known.keys() - on_disk.keys()
        for rel in gone:
            _delete(db, known[rel][0])
        added = updated = unchanged = 0
        for rel, stamp in on_disk.items():
            outcome = _refresh_page(db, paths.wiki, rel, stamp, known.get(rel))
            added += outcome == "added"
            updated += outcome == "updated"
            unchanged += outcome == "unchanged"
        db.execute("COMMIT")
    return RefreshStats(added, updated, len(gone), unchanged)


def _refresh_page(
    db: sqlite3.Connection, wiki: Path, rel: str, stamp: tuple[int, int], old: tuple[Any, ...] | None
) -> str:
    if old is not None and (old[1], old[2]) == stamp:
        return "unchanged"
    try:
        data = (wiki / rel).read_bytes()
    except FileNotFoundError:  # deleted since the scan; the next refresh removes it
        return "unchanged"
    digest = hashlib.sha256(data).hexdigest()
    if old is not None and old[3] == digest:
        db.execute("UPDATE pages SET mtime_ns = ?, size = ? WHERE id = ?", (*stamp, old[0]))
        return "unchanged"
    if old is not None:
        _delete(db, old[0])
    _insert(db, rel, stamp, digest, data.decode("utf-8", errors="replace"))
    return "added" if old is None else "updated"


def _delete(db: sqlite3.Connection, page_id: int) -> None:
    db.execute("DELETE FROM pages WHERE id = ?", (page_id,))
    db.execute("DELETE FROM links WHERE src = ?", (page_id,))
    db.execute("DELETE FROM fts WHERE rowid = ?", (page_id,))


def _insert(db: sqlite3.Connection, rel: str, stamp: tuple[int, int], digest: str, text: str) -> None:
    page = parse_page(text)
    meta = page.frontmatter
    folder = PurePosixPath(rel).parts[0]
    heading = next((h.text for h in page.headings if h.level == 1), "")
    title = _text(meta.get("title")) or heading or _stem(rel)
    page_type = _text(meta.get("type")).lower() or FOLDER_TYPES.get(folder, "page")
    row = (rel, _stem(rel).casefold(), title, page_type, *stamp, digest)
    sql = "INSERT INTO pages (path, name, title, type, mtime_ns, size, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)"
    page_id = db.execute(sql, row).lastrowid
    aliases = " \n".join(_texts(meta.get("aliases")))
    headings = " \n".join(h.text for h in page.headings if h.level > 1)
    db.execute(
        "INSERT INTO fts (rowid, title, aliases, headings, body) VALUES (?, ?, ?, ?, ?)",
        (page_id, title, aliases, headings, page.body),
    )
    targets = {_stem(link.target).casefold() for link in page.links if link.target}
    db.executemany("INSERT INTO links (src, name) VALUES (?, ?)", [(page_id, t) for t in targets])


def _stem(target: str) -> str:
    """The basename a link or path names; basenames are unique vault-wide, so it identifies the page."""
    name = PurePosixPath(target).name
    return name[:-3] if name.lower().endswith(".md") else name


def _text(value: Any) -> str:
    """A frontmatter scalar as one line of text; humans may write numbers or dates where kwiki writes text."""
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [text for text in map(_text, items) if text]


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
    snippet: str
    via: str | None = None


def search(paths: Paths, question: str, limit: int) -> list[Hit]:
    """The `limit` best pages for the question: FTS5 matches, widened and re-ranked by one hop of links.

    It reads the index as it is; callers that need it current call `refresh_index` first.
    """
    terms = query_terms(question)
    if not terms or limit < 1:
        return []
    with _open(paths) as db:
        seeds = _match(db, fts_query(terms), limit * SEEDS_PER_HIT, _folded_words(question))
        ranked = _expand(db, seeds, limit)[:limit]
        bodies = _bodies(db, [item.id for item in ranked])
    return [_hit(item, bodies[item.id], terms) for item in ranked]


def _match(db: sqlite3.Connection, expression: str, count: int, question: str) -> list[_Scored]:
    """Seeds by bm25; a page whose title or alias the question names outranks every page it does not name."""
    rows = db.execute(
        "SELECT p.id, p.path, p.title, p.type, rank, snippet(fts, -1, '**', '**', '…', 16), fts.aliases "
        "FROM fts JOIN pages p ON p.id = fts.rowid WHERE fts MATCH ? ORDER BY rank LIMIT ?",
        (expression, count),
    ).fetchall()
    scores = [-row[4] * _boost(row[3]) for row in rows]
    lift = max(scores, default=0.0) + 1.0
    named = [_named(question, row[2], row[6]) for row in rows]
    return [
        _Scored(row[0], row[1], row[2], row[3], score + lift * is_named, _flat(row[5]))
        for row, score, is_named in zip(rows, scores, named, strict=True)
    ]


def _folded_words(text: str) -> str:
    """The text as space-separated folded words with a space at each end, for whole-phrase containment."""
    return " " + " ".join(fold(word) for word in WORD.findall(text)) + " "


def _named(question: str, title: str, aliases: str) -> bool:
    for name in [title, *aliases.split("\n")]:
        words = _folded_words(name)
        if words.strip() and not set(words.split()) <= STOPWORDS and words in question:
            return True
    return False


def _flat(snippet: str) -> str:
    """The snippet on one line, without heading marks."""
    return " ".join(word for word in snippet.split() if word.strip("#"))


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
        current = scored.get(page_id) or _Scored(page_id, path, title, page_type, 0.0, "", top[src].page)
        scored[page_id] = replace(current, score=current.score + bonus)
    return sorted(scored.values(), key=lambda s: (-s.score, s.type not in KNOWLEDGE_TYPES, s.page))


def _bodies(db: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    marks = ",".join("?" * len(ids))
    return dict(db.execute(f"SELECT rowid, body FROM fts WHERE rowid IN ({marks})", ids).fetchall())


def _hit(item: _Scored, body: str, terms: tuple[str, ...]) -> Hit:
    sentences = matching_sentences(body, terms)
    snippet = item.snippet or _lead(body)
    return Hit(item.page, item.title, item.type, round(item.score, 4), snippet, sentences, body, item.via)


def _lead(body: str) -> str:
    """The first line of prose, for pages reached through a link rather than a match."""
    for line in body.splitlines():
        text = line.strip()
        if text and not text.startswith(("#", "---")):
            return text if len(text) <= 200 else text[:199].rstrip() + "…"
    return ""


def fold(word: str) -> str:
    """Casefolded without diacritics, as the index's tokenizer sees words."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def matching_sentences(body: str, terms: tuple[str, ...], limit: int = SENTENCES_PER_HIT) -> tuple[str, ...]:
    """The sentences that share most words with the question (a word matches a term it starts with)."""
    folded = [fold(term) for term in terms]
    scored: list[tuple[int, int, str]] = []
    for position, sentence in enumerate(_prose_sentences(body)):
        words = {fold(word) for word in WORD.findall(sentence)}
        count = sum(any(w == t or (len(t) >= 4 and w.startswith(t)) for w in words) for t in folded)
        if count:
            scored.append((-count, position, sentence))
    best = sorted(scored)[:limit]
    return tuple(text for _, _, text in sorted(best, key=lambda item: item[1]))


def _prose_sentences(body: str) -> Iterator[str]:
    """Sentences of the body's paragraphs, list items and quotes; headings and tables are not prose."""
    paragraph: list[str] = []
    for line in [*body.splitlines(), ""]:
        text = line.strip()
        item = text.startswith(("- ", "* ", "+ "))
        if paragraph and (item or not text or text.startswith(NOT_PROSE)):
            yield from SENTENCE_END.split(" ".join(paragraph))
            paragraph = []
        text = text[2:] if item else text
        if text and not text.startswith(NOT_PROSE):
            paragraph.append(text.lstrip("> ").strip())
