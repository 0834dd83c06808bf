"""Mentions without a model: recurring proper names and terms of a Document, typed, aliased and ranked."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from kwiki.offline.lexicon import ALL_STOPWORDS, GENERIC, NOT_NAMES, NOT_TERMS, word_set
from kwiki.offline.names import (
    ACRONYM,
    CONNECTORS,
    Candidate,
    describe,
    drop_parts,
    merge_aliases,
    merge_person_names,
    merge_plurals,
    merge_translations,
)
from kwiki.offline.terms import (
    CODE_NAME,
    QUOTES,
    TOO_BROAD,
    anchored,
    drop_compound_parts,
    name_shaped,
    named_words,
    ordinary,
    term_words,
    variant_names,
)
from kwiki.offline.text import WORD, Document

MAX_MENTIONS = 15
LONE_WORD = 6  # letters: short common words ("head", "layer") are the most often named in passing
SHORT_TEXT = 25  # sentences: in a short text every term is said once; in a long one, a term that matters recurs
DETERMINERS = word_set(
    """the a an this that these those its his her their our your my every each der die das den dem des ein eine
    einen einem einer eines jeder jede jedes jedem jeden kein keine diese dieser dieses diesem seine
    seinen seinem seiner ihre ihren im am zum zur vom beim ins le la les un une el los las il lo gli het
    een o os um uma"""
)
METHOD_WORDS = ("method", "technique", "practice", "approach", "methode", "technik", "verfahren")
_METHOD_ENDINGS = ("ing", "ization", "isation", "repetition", "method", "technique", "methode", "technik")

_UP, _LO = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"
_NAME_WORD = rf"(?:[{_UP}]|[{_LO}]{{1,2}}[{_UP}]|[{_LO}]-[{_UP}])(?:[\w'’-]|\.(?=\w))*"  # "PKM", "xAI", "t-SNE"
_NAME_RUN = re.compile(
    rf"(?<![\w'’.-]){_NAME_WORD}(?:(?: (?:{'|'.join(sorted(CONNECTORS))}))? {_NAME_WORD})*"
    r"(?: \d{1,2}(?:\.\d{1,2})?(?![\w.]))?(?![\w'’-])"  # "Llama 2", "Software 2.0"
)
_TERM_WORD = rf"[{_LO}][{_LO}'’-]{{2,}}"
_PAIRS = re.compile(rf"(?<![\w'’.-])({_TERM_WORD}) (?=({_TERM_WORD})(?![\w'’-]))")
_TRIPLES = re.compile(rf"(?<![\w'’.-])({_TERM_WORD}) (?=({_TERM_WORD}) ({_TERM_WORD})(?![\w'’-]))")
_LOWER_WORD = re.compile(rf"(?<![\w'’.-])[{_LO}][\w'’-]*")
_TWO_LETTERS = re.compile(r"[^\W\d_].*[^\W\d_]")
_SPEAKER_LINE = re.compile(r"^[ \t]*(?:[-*][ \t]+)?((?:[A-Z][\w.’'-]*[ \t]){0,3}[A-Z][\w.’'-]*):[ \t]", re.MULTILINE)
_PREVIOUS = re.compile(r"([\w'’]+)\s+$")
_NEXT = re.compile(r"\s+(\w+)")
_OPENER = re.compile(r"([a-z][a-z0-9]{3,}) (?:is|was|provides|offers|implements|tracks|generates|builds|introduces)\b")
_VERB = re.compile(r"is|was|are|has|can|provides|offers|implements|tracks|generates|builds|introduces|defines")
_SUBJECT = re.compile(r"are|is|have|has|can|were|was")
_ACRONYM_TERM = re.compile(r"(?<![\w'’-])([A-Z]{2,5}) ([a-z][a-z-]{2,})(?![\w'’-])")


@dataclass(frozen=True)
class Mention:
    name: str
    type: str  # concept | entity | method
    aliases: tuple[str, ...]
    description: str
    central: bool
    sentences: tuple[int, ...]  # indexes into Document.sentences, for picking claim subjects

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "aliases": list(self.aliases),
            "description": self.description,
            "central": self.central,
        }


class _Seen(NamedTuple):
    """One occurrence of a name or term (a tuple: thousands are made per source)."""

    form: str
    sentence: int
    at_start: bool
    determined: bool
    method: bool
    evident: bool = False  # a term by its shape or place even if seen once (see kwiki.offline.terms)
    quoted: bool = False  # in quotes or parentheses: often a word given as an example ("Memory", not …)


def find_mentions(doc: Document, language: str, title: str, stop: frozenset[str]) -> list[Mention]:
    scan = _scan(doc, language, title, stop)
    kept = {}
    for key, occurrences in scan.seen.items():
        if scan.countable(key, occurrences):
            candidate = _candidate(doc, occurrences)
            if _accept(key, candidate, scan, language):
                kept[key] = candidate
    merge_plurals(kept)
    drop_compound_parts(kept)
    merge_person_names(kept, scan.lower)
    merge_aliases(doc.sentences, kept)
    merge_translations(doc.source, kept)
    drop_parts(kept)
    _add_topic_words(doc, named_words(doc.source, doc.sentences), scan, kept)
    ranked = sorted(kept.values(), key=lambda c: (-_rank(c, title), c.name))[:MAX_MENTIONS]
    return [_mention(c, doc, title, scan.lower) for c in ranked]


def _scan(doc: Document, language: str, title: str, stop: frozenset[str]) -> _Scan:
    lower = Counter(_LOWER_WORD.findall("\n".join(s.text for s in doc.sentences)))
    scan = _Scan(lower, stop, stop | GENERIC | NOT_TERMS)
    scan.title_words = set(WORD.findall(title.casefold()))
    scan.title_text = " ".join(WORD.findall(title.casefold()))
    scan.german = language == "de"
    scan.labels = {m.casefold().replace(".", "") for m in _SPEAKER_LINE.findall(doc.source)}
    scan.short = len(doc.sentences) <= SHORT_TEXT
    for index, sentence in enumerate(doc.sentences):
        scan.names(sentence.text, index)
        scan.code_names(sentence.text, index)
        if language != "de":  # German capitalizes its nouns: its terms show up as names
            scan.terms(sentence.text, index)
    scan.place_openers()
    scan.surnames = {k.rsplit(" ", 1)[1] for k, seen in scan.seen.items() if " " in k and not seen[0].form.islower()}
    return scan


@dataclass
class _Scan:
    """Occurrences of capitalized names and lowercase terms, gathered sentence by sentence."""

    lower: Counter[str]  # words the text writes in lowercase: ordinary words, not names
    stop: frozenset[str]
    bad: frozenset[str] = frozenset()  # words that never belong in a term
    seen: dict[str, list[_Seen]] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)  # who speaks in a transcript: "farid", "dr amara okonkwo"
    openers: list[_Seen] = field(default_factory=list)  # names opening a sentence, placed once all are seen
    surnames: set[str] = field(default_factory=set)  # last words of capitalized multiword names
    title_words: set[str] = field(default_factory=set)
    title_text: str = ""
    short: bool = True  # once-seen phrases count as terms only in a short text
    german: bool = False  # German capitalizes every noun: a capitalized word alone says nothing

    def add(self, seen: _Seen) -> None:
        self.seen.setdefault(seen.form.casefold(), []).append(seen)

    def names(self, text: str, index: int) -> None:
        for run in _NAME_RUN.finditer(text):
            if " " not in run.group() and run.group().lower() in self.stop:
                continue  # "The", "However": most capitalized runs, and never a name
            previous = _PREVIOUS.search(text, max(0, run.start() - 24), run.start())
            following = _NEXT.match(text, run.end())
            after = following.group(1).lower() if following else ""
            # "the Memex was": a common noun; "the Bielefeld archive": a name used as an adjective
            article = previous.group(1) if previous else run.group().split(" ", 1)[0]  # "Die Zettel sind"
            determined = article.lower() in DETERMINERS
            determined = determined and (not after or after in ALL_STOPWORDS)
            at_start = run.start() <= 3 and not text[: run.start()].strip(" \"'“‘([*_")
            pieces = _pieces(run.group().split(" "))
            for n, words in enumerate(pieces, start=1):
                if at_start and (self.lower[words[0].lower()] or words[0].lower() in GENERIC):
                    words = words[1:]
                at_start = at_start and bool(words) and run.group().startswith(words[0])  # not "In Pong, …"
                near = after in METHOD_WORDS and n == len(pieces) and not run.group().endswith(("'s", "’s"))
                if 0 < len(words) <= 4:
                    quoted = run.start() > 0 and text[run.start() - 1] in QUOTES + "(" and n == 1
                    evident = len(words) == 1 and not quoted and self._evident_word(words[0], at_start, after)
                    evident = evident or (len(words) > 1 and name_shaped(words[-1]))  # "Software 2.0"
                    seen = _Seen(" ".join(words), index, at_start, determined, near, evident, quoted)
                    self.openers.append(seen) if at_start and len(words) > 1 else self.add(seen)
                at_start, determined = False, True  # later pieces follow a possessive

    def _evident_word(self, word: str, at_start: bool, after: str) -> bool:
        """A capitalized word seen once is a name mid-sentence, or opening one when shaped like a name or named
        by the title ("Micrograd implements …" under "Micrograd: …")."""
        if ordinary(word) or (self.german and not name_shaped(word)):
            return False
        if not name_shaped(word) and word.endswith(("ed", "ing", "ian")):  # "Captured", "Building", "Gaussian"
            return False
        if name_shaped(word):
            return True
        return (not at_start and self.short) or (word.casefold() in self.title_words and bool(_VERB.fullmatch(after)))

    def code_names(self, text: str, index: int) -> None:
        """ "nanoGPT", "llm.c"; and a lowercase word opening a sentence as its subject ("nanochat provides …")."""
        for match in CODE_NAME.finditer(text):
            self.add(_Seen(match.group(), index, False, False, False, True))
        opener = _OPENER.match(text)
        if opener and not ordinary(opener.group(1)) and not CODE_NAME.fullmatch(opener.group(1)):
            self.add(_Seen(opener.group(1), index, False, False, False, True))
        for match in _ACRONYM_TERM.finditer(text):  # "AI agents": a term once seen only when the title names it
            named = match.group().casefold() in self.title_text
            evident = named and anchored(text, match.start(), match.end()) and term_words([match.group(2)])
            self.add(_Seen(match.group(), index, False, False, False, evident))

    def place_openers(self) -> None:
        """ "Defends Tiago Forte …" opens a sentence: the name is "Tiago Forte" when the text has that name
        elsewhere; "Niklas Luhmann …" stays whole (a surname alone is no reason to cut)."""
        for seen in self.openers:
            tail = seen.form.split(" ", 1)[1]
            if " " in tail and any(not o.at_start for o in self.seen.get(tail.casefold(), ())):
                seen = _Seen(tail, seen.sentence, False, seen.determined, seen.method)
            self.add(seen)

    def terms(self, text: str, index: int) -> None:
        """Lowercase two- and three-word terms ("spaced repetition"): adjacent content words, no stopwords."""
        first = text.split(" ", 2)
        if text[:1].isupper() and (self.lower[first[0].lower()] or (len(first) > 2 and _SUBJECT.fullmatch(first[2]))):
            text = text[0].lower() + text[1:]  # "Spaced repetition is …", "Neural networks are …"
        bad, add = self.bad, self.seen.setdefault
        for match in _PAIRS.finditer(text):
            a, b = match.groups()
            if a not in bad and b not in bad and not a.endswith("ly") and not b.endswith(("ly", "ed")):
                form = f"{a} {b}"
                evident = self.short and anchored(text, match.start(), match.end(2)) and term_words([a, b])
                add(form, []).append(_Seen(form, index, False, False, False, evident))
        for a, b, c in _TRIPLES.findall(text):
            if (
                a not in bad
                and b not in bad
                and c not in bad
                and not c.endswith(("ly", "ed"))
                and not a.endswith("ly")
                and not b.endswith("ly")
            ):
                form = f"{a} {b} {c}"
                add(form, []).append(_Seen(form, index, False, False, False))

    def countable(self, key: str, occurrences: list[_Seen]) -> bool:
        """A one-off word or term is never a mention; a speaker's label ("Farid:"), or part of one, is no topic."""
        if key in self.labels or (" " not in key and any(key in label.split() for label in self.labels)):
            return False
        return len(occurrences) > 1 or occurrences[0].evident or (" " in key and not occurrences[0].form.islower())


def _pieces(words: list[str]) -> list[list[str]]:
    """Split a capitalized run at possessives and contractions; trim articles, connectors, initials."""
    pieces: list[list[str]] = []
    current: list[str] = []
    for word in words:
        possessive = word.endswith(("'s", "’s"))
        base = word[:-2] if possessive else word
        if "'" in base or "’" in base:
            pieces.append(current)
            current = []
            continue
        current.append(base)
        if possessive:
            pieces.append(current)
            current = []
    pieces.append(current)
    return [trimmed for piece in pieces if (trimmed := _trim(piece))]


def _trim(words: list[str]) -> list[str]:
    """Without a leading article or initial; nothing when a stopword sits inside ("All You Need": a title)."""
    start = 0
    while start < len(words) and (len(words[start]) < 2 or words[start].lower() in ALL_STOPWORDS):
        start += 1
    inner = words[start:]
    if any(w.lower() in ALL_STOPWORDS and w.lower() not in CONNECTORS for w in inner):
        return []
    while inner and (inner[-1].lower() in CONNECTORS or len(inner[-1]) < 2):
        inner.pop()
    return inner


def _candidate(doc: Document, occurrences: list[_Seen]) -> Candidate:
    sentences = sorted({o.sentence for o in occurrences})
    form = occurrences[0].form
    kind = "phrase" if form.islower() and " " in form else "name"  # a lowercase single word is a code name
    method = sum(o.method for o in occurrences)
    if kind == "phrase":
        form = occurrences[0].form
        method = sum(any(f"{form} {w}" in doc.sentences[i].text.lower() for w in METHOD_WORDS) for i in sentences)
    return Candidate(
        kind,
        Counter(o.form for o in occurrences),
        sentences,
        {doc.sentences[i].block for i in sentences},
        len(occurrences),
        sum(o.at_start for o in occurrences),
        sum(o.determined for o in occurrences),
        method,
        evident=sum(o.evident for o in occurrences),
        quoted=sum(o.quoted for o in occurrences),
    )


def _accept(key: str, c: Candidate, scan: _Scan, language: str) -> bool:
    words, lower = key.split(), scan.lower
    if key in NOT_NAMES or key in ALL_STOPWORDS or (c.kind == "name" and any(w in NOT_NAMES for w in words)):
        return False
    if key in TOO_BROAD:
        return False
    if not _TWO_LETTERS.search(key):
        return False
    if c.kind == "phrase":  # twice is enough: a chance pair ("value came") rarely recurs in another source
        return len(c.sentences) >= 2 or c.evident > 0
    if len(words) > 1:
        return c.count >= 2 or c.evident > 0 or _name_like(words, lower, language, scan.seen)
    if c.evident and (c.name.islower() or not lower[key] or key in scan.title_words):  # a code name, or a name
        return True
    acronym = ACRONYM.fullmatch(c.name) is not None
    if not acronym and not name_shaped(c.name) and c.count - c.at_start - c.quoted < 1 and key not in scan.surnames:
        return False  # only ever opening a sentence or quoted: "Create three folders", "Memory", not "Method"
    minimum = 3 if language == "de" and not acronym else 2
    ordinary = not acronym and lower[key] * 2 >= c.count
    # only ever opening sentences, a capitalized word is a name when it is also a full name's surname
    placed = c.count > c.at_start or key in scan.surnames
    return c.count >= minimum and placed and not ordinary and len(c.sentences) >= 2


def _name_like(words: list[str], lower: Counter[str], language: str, seen: dict[str, list[_Seen]]) -> bool:
    """A one-off capitalized phrase is a name when its words are never ordinary words (in German, where nouns
    are capitalized: when its last word recurs alone, like a surname) and it is no genitive ("Luhmanns Methode")."""
    if words[0].endswith("s") and words[0][:-1] in seen:
        return False
    if language == "de":
        return len(seen.get(words[-1], ())) >= 2
    return all(not lower[w] for w in words)


def _add_topic_words(doc: Document, named: set[str], scan: _Scan, kept: dict[str, Candidate]) -> None:
    """Single recurring words the text names or defines as terms ("Bush called the memex", "coined "hypertext"",
    "**Transclusion.** …") are mentions too; ordinary words ("notes", "memory", "layer") never are alone."""
    seen, lower = scan.seen, scan.lower
    in_terms = {w for key, c in kept.items() if c.count > 1 for w in key.split()}
    lowered = [s.text.lower() for s in doc.sentences]
    for word in sorted(named):
        if len(word) < 4 or word in in_terms or word in kept or ordinary(word) or not WORD.fullmatch(word):
            continue
        capitalized = [o.form for o in seen.get(word, ())]
        sentences = [i for i, text in enumerate(lowered) if word in text]
        count = lower[word] + len(capitalized)
        if count >= 3 and len(sentences) >= 2:
            form = capitalized[0] if len(capitalized) > lower[word] else word
            blocks = {doc.sentences[i].block for i in sentences}
            kept[word] = Candidate("phrase", Counter({form: count}), sentences, blocks, count)


def _rank(c: Candidate, title: str) -> float:
    bonus = 2.0 if _in(c, title) else 1.0
    return c.count * len(c.blocks) * bonus * (1.3 if " " in c.name else 1.0)


def _in(c: Candidate, text: str) -> bool:
    folded = f" {' '.join(WORD.findall(text.casefold()))} "
    return any(f" {n.casefold()} " in folded for n in (c.name, *c.aliases))


def _mention(c: Candidate, doc: Document, title: str, lower: Counter[str]) -> Mention:
    # a title is Title Case: a plain word it shares with one mid-sentence mention ("Costly Write Endpoints") is no
    # sign of the subject; the subject opening a sentence ("Jekyll generates …") or named twice is
    plain_once = c.count == 1 and not c.at_start and " " not in c.name and not name_shaped(c.name)
    central = (_in(c, title) and not (plain_once and not c.name.islower())) or c.count >= 3
    if c.kind == "phrase" and " " not in c.name:  # a short lone word ("head") is the subject only by the title
        central = _in(c, title) or (c.count >= 3 and len(c.name) >= LONE_WORD)
    aliases = (*c.aliases, *(v for v in variant_names(c.name, doc.source) if v not in c.aliases))
    return Mention(c.name, _type(c, lower), aliases, describe(c, doc.sentences), central, tuple(c.sentences))


def _type(c: Candidate, lower: Counter[str]) -> str:
    words = c.name.lower().split()
    if c.method_near * 2 >= c.count or (c.kind == "phrase" and words[-1].endswith(_METHOD_ENDINGS)):
        return "method"
    if c.kind == "phrase" or ACRONYM.fullmatch(c.name) or (len(words) == 1 and c.determined * 3 >= c.count):
        return "concept"
    if any(ACRONYM.fullmatch(a) for a in c.aliases):  # a spelled-out acronym names a thing, rarely a person
        return "concept"
    return "concept" if len(words) > 1 and all(lower[w] or w in ALL_STOPWORDS for w in words) else "entity"
