"""Mentions without a model: recurring proper names and terms of a Document, typed, aliased and ranked."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kwiki.llm.extractive_lexicon import ALL_STOPWORDS, GENERIC, NOT_NAMES
from kwiki.llm.extractive_text import WORD, Document

MAX_MENTIONS = 15
CONNECTORS = frozenset("of von van der de du da di del la".split())
DETERMINERS = frozenset(
    """the a an this that these those its his her their our your my
    der die das den dem des ein eine einen einem einer eines le la les un une el los las il lo gli het een
    o os um uma""".split()
)
METHOD_WORDS = frozenset("method methods technique techniques practice approach methode technik verfahren".split())
_METHOD_ENDINGS = ("ing", "ization", "isation", "repetition", "method", "technique", "methode", "technik")
_ACRONYM = re.compile(r"[A-Z][A-Za-z]?[A-Z]{1,5}s?")
_PAREN = re.compile(r"\(([^()]{1,60})\)")
_OR = re.compile(
    r"([\w'’-]+(?: [\w'’-]+){0,2}),? (?:or|also known as|also called|aka|known as) ([\w'’-]+(?: [\w'’-]+){0,2})"
)
_NOT_ALIAS = re.compile(r"^(?:e\.g|i\.e|see|cf|for|and|or|also|like|such|via|from|in|on|at|ca)\b|\d", re.I)


@dataclass
class _Candidate:
    """Evidence gathered for one name while scanning (mutable: filled sentence by sentence)."""

    kind: str  # "name" (capitalized) | "phrase" (lowercase term)
    forms: Counter[str] = field(default_factory=Counter)
    sentences: list[int] = field(default_factory=list)
    blocks: set[int] = field(default_factory=set)
    count: int = 0
    at_start: int = 0
    determined: int = 0
    method_near: int = 0
    aliases: list[str] = field(default_factory=list)

    def add(self, form: str, sentence: int, block: int, at_start: bool, determined: bool, method: bool) -> None:
        self.forms[form] += 1
        if not self.sentences or self.sentences[-1] != sentence:
            self.sentences.append(sentence)
        self.blocks.add(block)
        self.count += 1
        self.at_start += at_start
        self.determined += determined
        self.method_near += method

    def absorb(self, other: _Candidate, alias: str) -> None:
        self.sentences = sorted(set(self.sentences) | set(other.sentences))
        self.blocks |= other.blocks
        self.count += other.count
        self.determined += other.determined
        self.method_near += other.method_near
        self.aliases += [a for a in (alias, *other.aliases) if a and a not in self.aliases]

    @property
    def name(self) -> str:
        return min(self.forms, key=lambda form: (-self.forms[form], form))


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
class _Token:
    text: str
    lower: str
    cls: str  # "C" capitalized name-like, "L" lowercase content word, "S" anything else
    start: int
    end: int
    joined: bool  # only whitespace separates it from the next token


def find_mentions(doc: Document, language: str, title: str, stop: frozenset[str]) -> list[Mention]:
    tokens = [_tokens(s.text) for s in doc.sentences]
    lower = Counter(t.lower for sentence in tokens for t in sentence if t.cls != "C")
    candidates: dict[str, _Candidate] = {}
    for index, sentence in enumerate(tokens):
        _scan(sentence, index, doc.sentences[index].block, lower, stop, candidates, language)
    kept = {k: c for k, c in candidates.items() if _accept(k, c, lower, language)}
    _merge_person_names(kept, lower)
    _drop_subsumed(kept)
    _merge_aliases(doc, kept)
    ranked = sorted(kept.values(), key=lambda c: (-_rank(c, title), c.name))[:MAX_MENTIONS]
    return [_mention(c, doc, title, lower) for c in ranked]


def _tokens(text: str) -> list[_Token]:
    matches = list(WORD.finditer(text))
    out = []
    for i, match in enumerate(matches):
        word, end = match.group(), match.end()
        possessive = word.endswith(("'s", "’s"))
        word = word[:-2] if possessive else word
        following = matches[i + 1].start() if i + 1 < len(matches) else end
        joined = not possessive and text[end:following].isspace()
        out.append(_Token(word, word.lower(), _class(word), match.start(), end, joined))
    return out


def _class(word: str) -> str:
    if word[0].isupper() or (len(word) > 1 and word[0].islower() and any(c.isupper() for c in word[1:3])):
        return "C"
    return "L" if len(word) >= 3 and "." not in word else "S"


def _scan(sentence: list[_Token], index: int, block: int, lower: Counter[str], stop: frozenset[str],
          candidates: dict[str, _Candidate], language: str) -> None:
    classes = [_sentence_class(t, i, lower, stop) for i, t in enumerate(sentence)]
    i = 0
    while i < len(sentence):
        j = _run_end(sentence, classes, i)
        if j > i:
            _record_run(sentence, classes, i, j, index, block, candidates, language)
            i = j
        else:
            i += 1


def _sentence_class(token: _Token, position: int, lower: Counter[str], stop: frozenset[str]) -> str:
    """The first word is capitalized by grammar: it is a name only if the text never writes it in lowercase."""
    if token.lower in stop or token.lower in GENERIC:
        return "S"
    if token.cls == "C" and position == 0 and lower[token.lower]:
        return "L"
    return token.cls


def _run_end(sentence: list[_Token], classes: list[str], i: int) -> int:
    """End (exclusive) of the run of same-class tokens starting at i, or i when no run starts there."""
    cls = classes[i]
    if cls == "S":
        return i
    j = i + 1
    while j < len(sentence) and sentence[j - 1].joined:
        if classes[j] == cls:
            j += 1
        elif cls == "C" and sentence[j].lower in CONNECTORS and j + 1 < len(sentence) and classes[j + 1] == "C" \
                and sentence[j].joined:
            j += 2
        else:
            break
    return j


def _record_run(sentence: list[_Token], classes: list[str], i: int, j: int, index: int, block: int,
                candidates: dict[str, _Candidate], language: str) -> None:
    before = sentence[i - 1] if i and sentence[i - 1].joined else None
    after = sentence[j].lower if j < len(sentence) and sentence[j - 1].joined else ""
    if classes[i] == "C":
        if j - i > 4:
            return
        words = [t.text for t in sentence[i:j]]
        determined = before is not None and (before.lower in DETERMINERS or before.text.endswith("s'"))
        _add(candidates, "name", words, index, block, i == 0, determined, after in METHOD_WORDS)
        return
    for n in (2, 3):
        for k in range(i, j - n + 1):
            words = [t.lower for t in sentence[k : k + n]]
            if _phrase_ok(words, language):
                near = {t.lower for t in sentence[max(0, k - 2) : k + n + 2]}
                _add(candidates, "phrase", words, index, block, False, False, bool(near & METHOD_WORDS))


def _phrase_ok(words: list[str], language: str) -> bool:
    if any(w.endswith("ly") or w in GENERIC for w in words) or words[-1].endswith("ed"):
        return False
    return language != "de"  # German nouns are capitalized: its terms show up as names


def _add(candidates: dict[str, _Candidate], kind: str, words: list[str], index: int, block: int,
         at_start: bool, determined: bool, method: bool) -> None:
    form = " ".join(words)
    candidate = candidates.setdefault(form.casefold(), _Candidate(kind))
    candidate.add(form, index, block, at_start, determined, method)


def _accept(key: str, c: _Candidate, lower: Counter[str], language: str) -> bool:
    words = key.split()
    if len(key) < 2 or key in NOT_NAMES or key in ALL_STOPWORDS or any(w in NOT_NAMES for w in words):
        return False
    if c.kind == "phrase":
        return len(c.sentences) >= 2
    if len(words) > 1:
        return c.count >= 2 or (c.at_start == 0 and all(not lower[w] for w in words))
    minimum = 3 if language == "de" and not _ACRONYM.fullmatch(c.name) else 2
    ordinary = lower[key] * 2 >= c.count and not _ACRONYM.fullmatch(c.name)
    return c.count >= minimum and c.count > c.at_start and not ordinary and len(c.sentences) >= 2


def _drop_subsumed(kept: dict[str, _Candidate]) -> None:
    """A term that (almost) only occurs inside a longer kept term is that term's part, not a page."""
    for key in sorted(kept, key=lambda k: (-len(k.split()), k)):
        words = key.split()
        if key not in kept or len(words) == 1:
            continue
        for n in range(1, len(words)):
            for i in range(len(words) - n + 1):
                part = " ".join(words[i : i + n])
                if part in kept and kept[part].count - kept[key].count < 2:
                    del kept[part]


def _merge_person_names(kept: dict[str, _Candidate], lower: Counter[str]) -> None:
    """"Luhmann" after "Niklas Luhmann" is the same person; a first name alone is never a page."""
    pairs = [k for k, c in kept.items() if c.kind == "name" and len(k.split()) == 2 and not lower[k.split()[0]]]
    for key in sorted(pairs, key=lambda k: (-kept[k].count, k)):
        first, last = key.split()
        if key not in kept or (first in kept and kept[first].count > kept[key].count):
            continue
        for part in (last, first):
            if part in kept and kept[part].kind == "name":
                other = kept.pop(part)
                kept[key].absorb(other, other.name if part == last else "")


def _merge_aliases(doc: Document, kept: dict[str, _Candidate]) -> None:
    for sentence in doc.sentences:
        if "(" in sentence.text:
            for match in _PAREN.finditer(sentence.text):
                main, alias = _paren_pair(sentence.text[: match.start()], match.group(1).strip(" \"'“”‘’*_"))
                _alias_pair(kept, main, alias, flip=_ACRONYM.fullmatch(alias) is not None)
        if " or " in sentence.text or " as " in sentence.text or " aka " in sentence.text:
            for match in _OR.finditer(sentence.text):
                _alias_pair(kept, _edge(match.group(1), last=True), _edge(match.group(2), last=False), flip=True)


def _paren_pair(before: str, inside: str) -> tuple[str, str]:
    """("Personal Knowledge Management", "PKM") from "… Personal Knowledge Management (PKM)"."""
    words = [m.group() for m in WORD.finditer(before[-120:])]
    if _ACRONYM.fullmatch(inside):
        letters = inside.rstrip("s").lower()
        for n in range(len(letters), len(letters) + 3):
            span = words[-n:]
            initials = "".join(w[0].lower() for w in span if w.lower() not in ALL_STOPWORDS)
            if len(span) == n and initials == letters and span[0].lower() not in ALL_STOPWORDS:
                return " ".join(span), inside
        return "", ""
    names = inside.split()
    if _NOT_ALIAS.search(inside) or len(names) > 4 or any(w.lower() in ALL_STOPWORDS for w in names):
        return "", ""
    return " ".join(words[-4:]), inside


def _edge(text: str, last: bool) -> str:
    """The trailing (or leading) words of `text` up to the first stopword: the name next to "or"."""
    picked: list[str] = []
    for word in reversed(text.split()) if last else text.split():
        if word.lower() in ALL_STOPWORDS:
            break
        picked.append(word)
    return " ".join(reversed(picked) if last else picked)


def _alias_pair(kept: dict[str, _Candidate], main: str, alias: str, flip: bool) -> None:
    """Attach `alias` to the mention `main` ends with; when only the alias is a mention and `flip`, the
    other way round (an acronym's spelled-out form becomes the name)."""
    if not main or not alias:
        return
    key = _longest_suffix_key(kept, main)
    if key is not None:
        _attach(kept, key, alias)
    elif flip and (alias_key := alias.casefold()) in kept:
        if _ACRONYM.fullmatch(alias):  # the spelled-out form names the page, the acronym becomes its alias
            target = kept.pop(alias_key)
            target.forms = Counter({main: target.count})
            target.aliases.append(alias)
            kept[main.casefold()] = target
        else:
            _attach(kept, alias_key, main)


def _attach(kept: dict[str, _Candidate], key: str, alias: str) -> None:
    target, alias_key = kept[key], alias.casefold()
    if alias_key == key or alias_key in (a.casefold() for a in target.aliases):
        return
    if alias_key in kept:
        target.absorb(kept.pop(alias_key), alias)
    else:
        target.aliases.append(alias)


def _longest_suffix_key(kept: dict[str, _Candidate], name: str) -> str | None:
    words = name.casefold().split()
    for n in range(len(words), 0, -1):
        if (key := " ".join(words[-n:])) in kept:
            return key
    return None


def _rank(c: _Candidate, title: str) -> float:
    bonus = 2.0 if _in(c, title) else 1.0
    return c.count * len(c.blocks) * bonus * (1.3 if " " in c.name else 1.0)


def _in(c: _Candidate, text: str) -> bool:
    folded = f" {' '.join(WORD.findall(text.casefold()))} "
    return any(f" {n.casefold()} " in folded for n in (c.name, *c.aliases))


def _mention(c: _Candidate, doc: Document, title: str, lower: Counter[str]) -> Mention:
    central = _in(c, title) or c.count >= 3
    return Mention(c.name, _type(c, lower), tuple(c.aliases), _description(c, doc), central, tuple(c.sentences))


def _type(c: _Candidate, lower: Counter[str]) -> str:
    words = c.name.lower().split()
    if c.method_near * 2 >= c.count or (c.kind == "phrase" and words[-1].endswith(_METHOD_ENDINGS)):
        return "method"
    if c.kind == "phrase" or _ACRONYM.fullmatch(c.name) or c.determined * 2 >= c.count:
        return "concept"
    return "concept" if len(words) > 1 and all(lower[w] or w in ALL_STOPWORDS for w in words) else "entity"


def _description(c: _Candidate, doc: Document) -> str:
    """The first sentence defining the name ("X is …"), else the first complete one mentioning it."""
    names = "|".join(re.escape(n) for n in (c.name, *c.aliases))
    defining = re.compile(
        rf"^(?:\w+ ){{0,2}}(?:{names})\b[^.;:]{{0,60}}?\b(?:is|are|was|were|refers to|means|ist|sind|war|est|es|è|é)\b",
        re.IGNORECASE,
    )
    texts = [doc.sentences[i] for i in c.sentences]
    complete = [s.text for s in texts if s.complete] or [s.text for s in texts]
    return next((t for t in complete if defining.search(t)), complete[0] if complete else "")
