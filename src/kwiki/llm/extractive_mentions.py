"""Mentions without a model: recurring proper names and terms of a Document, typed, aliased and ranked."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kwiki.llm.extractive_lexicon import ALL_STOPWORDS, GENERIC, NOT_NAMES
from kwiki.llm.extractive_names import (
    ACRONYM,
    CONNECTORS,
    Candidate,
    drop_parts,
    merge_aliases,
    merge_person_names,
    merge_plurals,
)
from kwiki.llm.extractive_text import WORD, Document

MAX_MENTIONS = 15
DETERMINERS = frozenset(
    """the a an this that these those its his her their our your my every each
    der die das den dem des ein eine einen einem einer eines jeder jede jedes jedem jeden kein keine diese
    dieser dieses diesem seine seinen seinem seiner ihre ihren im am zum zur vom beim ins
    le la les un une el los las il lo gli het een o os um uma""".split()
)
METHOD_WORDS = ("method", "technique", "practice", "approach", "methode", "technik", "verfahren")
_METHOD_ENDINGS = ("ing", "ization", "isation", "repetition", "method", "technique", "methode", "technik")
_DEFINES = ("is", "are", "was", "were", "refers", "means", "ist", "sind", "war", "est", "es", "è", "é")

_UP, _LO = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"
_NAME_WORD = rf"(?:[{_UP}]|[{_LO}]{{1,2}}[{_UP}])(?:[\w'’-]|\.(?=\w))*"
_NAME_RUN = re.compile(
    rf"(?<![\w'’.-]){_NAME_WORD}(?:(?: (?:{'|'.join(sorted(CONNECTORS))}))? {_NAME_WORD})*(?![\w'’-])"
)
_LOWER_RUN = re.compile(rf"(?<![\w'’.-])[{_LO}][{_LO}'’-]+(?: [{_LO}][{_LO}'’-]+)+(?![\w'’-])")
_LOWER_WORD = re.compile(rf"(?<![\w'’.-])[{_LO}][\w'’-]*")
_TWO_LETTERS = re.compile(r"[^\W\d_].*[^\W\d_]")
_PREVIOUS = re.compile(r"([\w'’]+)\s+$")
_NEXT = re.compile(r"\s+(\w+)")


@dataclass(frozen=True)
class Mention:
    name: str
    type: str  # concept | entity | method
    aliases: tuple[str, ...]
    description: str
    central: bool
    sentences: tuple[int, ...]  # indexes into Document.sentences, for picking claim subjects

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "aliases": list(self.aliases),
                "description": self.description, "central": self.central}


@dataclass(frozen=True)
class _Seen:
    """One occurrence of a name or term."""

    form: str
    sentence: int
    at_start: bool
    determined: bool
    method: bool


def find_mentions(doc: Document, language: str, title: str, stop: frozenset[str]) -> list[Mention]:
    lower = Counter(_LOWER_WORD.findall("\n".join(s.text for s in doc.sentences)))
    seen: dict[str, list[_Seen]] = {}
    for index, sentence in enumerate(doc.sentences):
        _scan_names(sentence.text, index, lower, stop, seen)
        if language != "de":  # German capitalizes its nouns: its terms show up as names
            _scan_terms(sentence.text, index, stop, seen)
    kept = {}
    for key, occurrences in seen.items():
        if len(occurrences) > 1 or (" " in key and not occurrences[0].form.islower()):  # one-off words and terms never count
            candidate = _candidate(doc, occurrences)
            if _accept(key, candidate, lower, language, seen):
                kept[key] = candidate
    merge_plurals(kept)
    merge_person_names(kept, lower)
    drop_parts(kept)
    merge_aliases(doc.sentences, kept)
    ranked = sorted(kept.values(), key=lambda c: (-_rank(c, title), c.name))[:MAX_MENTIONS]
    return [_mention(c, doc, title, lower) for c in ranked]


def _scan_names(text: str, index: int, lower: Counter[str], stop: frozenset[str],
                seen: dict[str, list[_Seen]]) -> None:
    for run in _NAME_RUN.finditer(text):
        previous = _PREVIOUS.search(text, max(0, run.start() - 24), run.start())
        determined = previous is not None and previous.group(1).lower() in DETERMINERS
        following = _NEXT.match(text, run.end())
        method = following is not None and following.group(1).lower() in METHOD_WORDS
        at_start = run.start() <= 3 and not text[: run.start()].strip(" \"'“‘([*_")
        for words in _pieces(run.group().split(" ")):
            if at_start and (lower[words[0].lower()] or words[0].lower() in GENERIC):
                words = words[1:]
            if 0 < len(words) <= 4:
                form = " ".join(words)
                seen.setdefault(form.casefold(), []).append(_Seen(form, index, at_start, determined, method))
            at_start, determined = False, True  # later pieces follow a possessive


def _pieces(words: list[str]) -> list[list[str]]:
    """Split a capitalized run at possessives and contractions; trim articles, connectors, initials."""
    pieces, current = [], []
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
    def weak(word: str) -> bool:
        return len(word) < 2 or word.lower() in ALL_STOPWORDS or word.lower() in CONNECTORS

    start, end = 0, len(words)
    while start < end and weak(words[start]):
        start += 1
    while end > start and weak(words[end - 1]):
        end -= 1
    return words[start:end]


def _scan_terms(text: str, index: int, stop: frozenset[str], seen: dict[str, list[_Seen]]) -> None:
    """Lowercase two- and three-word terms ("spaced repetition") inside runs of content words."""
    for run in _LOWER_RUN.finditer(text):
        segment: list[str] = []
        for word in [*run.group().split(" "), ""]:
            if len(word) > 2 and word not in stop and word not in GENERIC and not word.endswith("ly"):
                segment.append(word)
                continue
            for n in (2, 3):
                for i in range(len(segment) - n + 1):
                    if not segment[i + n - 1].endswith("ed"):
                        form = " ".join(segment[i : i + n])
                        seen.setdefault(form, []).append(_Seen(form, index, False, False, False))
            segment = []


def _candidate(doc: Document, occurrences: list[_Seen]) -> Candidate:
    sentences = sorted({o.sentence for o in occurrences})
    kind = "phrase" if occurrences[0].form.islower() else "name"
    method = sum(o.method for o in occurrences)
    if kind == "phrase":
        method = sum(any(w in doc.sentences[i].text.lower() for w in METHOD_WORDS) for i in sentences)
    return Candidate(
        kind, Counter(o.form for o in occurrences), sentences, {doc.sentences[i].block for i in sentences},
        len(occurrences), sum(o.at_start for o in occurrences), sum(o.determined for o in occurrences), method,
    )


def _accept(key: str, c: Candidate, lower: Counter[str], language: str, seen: dict[str, list[_Seen]]) -> bool:
    words = key.split()
    if key in NOT_NAMES or key in ALL_STOPWORDS or any(w in NOT_NAMES for w in words):
        return False
    if not _TWO_LETTERS.search(key):
        return False
    if c.kind == "phrase":
        return len(c.sentences) >= 2
    if len(words) > 1:
        return c.count >= 2 or _name_like(words, lower, language, seen)
    acronym = ACRONYM.fullmatch(c.name) is not None
    minimum = 3 if language == "de" and not acronym else 2
    ordinary = not acronym and lower[key] * 2 >= c.count
    return c.count >= minimum and c.count > c.at_start and not ordinary and len(c.sentences) >= 2


def _name_like(words: list[str], lower: Counter[str], language: str, seen: dict[str, list[_Seen]]) -> bool:
    """A one-off capitalized phrase is a name when its words are never ordinary words (in German, where nouns
    are capitalized: when its last word recurs alone, like a surname) and it is no genitive ("Luhmanns Methode")."""
    if words[0].endswith("s") and words[0][:-1] in seen:
        return False
    if language == "de":
        return len(seen.get(words[-1], ())) >= 2
    return all(not lower[w] for w in words)


def _rank(c: Candidate, title: str) -> float:
    bonus = 2.0 if _in(c, title) else 1.0
    return c.count * len(c.blocks) * bonus * (1.3 if " " in c.name else 1.0)


def _in(c: Candidate, text: str) -> bool:
    folded = f" {' '.join(WORD.findall(text.casefold()))} "
    return any(f" {n.casefold()} " in folded for n in (c.name, *c.aliases))


def _mention(c: Candidate, doc: Document, title: str, lower: Counter[str]) -> Mention:
    central = _in(c, title) or c.count >= 3
    return Mention(c.name, _type(c, lower), tuple(c.aliases), _description(c, doc), central, tuple(c.sentences))


def _type(c: Candidate, lower: Counter[str]) -> str:
    words = c.name.lower().split()
    if c.method_near * 2 >= c.count or (c.kind == "phrase" and words[-1].endswith(_METHOD_ENDINGS)):
        return "method"
    if c.kind == "phrase" or ACRONYM.fullmatch(c.name) or (len(words) == 1 and c.determined * 3 >= c.count):
        return "concept"
    if any(ACRONYM.fullmatch(a) for a in c.aliases):  # a spelled-out acronym names a thing, rarely a person
        return "concept"
    return "concept" if len(words) > 1 and all(lower[w] or w in ALL_STOPWORDS for w in words) else "entity"


def _description(c: Candidate, doc: Document) -> str:
    """The first sentence defining the name ("X is …"), else the first complete one mentioning it."""
    texts = [doc.sentences[i] for i in c.sentences]
    complete = [s.text for s in texts if s.complete] or [s.text for s in texts]
    names = [n.casefold() for n in (c.name, *c.aliases)]
    return next((t for t in complete if _defines(t, names)), complete[0] if complete else "")


def _defines(text: str, names: list[str]) -> bool:
    """Whether the sentence opens with the name followed soon by "is/are/means …"."""
    head = text[:160].casefold()
    for name in names:
        at = head.find(name)
        if 0 <= at <= 12:
            following = head[at + len(name) :].split()[:6]
            return any(w.strip(",") in _DEFINES for w in following)
    return False
