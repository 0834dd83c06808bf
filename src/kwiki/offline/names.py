"""Evidence for candidate mentions and the merges between candidates: plurals, person names, parts, aliases."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from kwiki.offline.lexicon import ALL_STOPWORDS, word_set
from kwiki.offline.text import WORD, Sentence

ACRONYM = re.compile(r"[A-Z][A-Za-z]?[A-Z]{1,5}s?")
CONNECTORS = word_set("of von van der de du da di del la")
_QUOTES = " \"'“”‘’*_"
_DEFINES = ("is", "are", "was", "were", "refers", "means", "ist", "sind", "war", "est", "es", "è", "é")
_PAREN = re.compile(r"\(([^()]{1,60})\)")
# "a slip-box, or Zettelkasten," / "Zettelkasten (also known as slip-box)": the name after is another name
_OTHER_NAME = re.compile(
    r"(?:, or|\b(?:also known as|also called|also written|aka|a\.k\.a\.)) ([^,.;:()]{2,40}?)(?=[,.;:)]|$)"
)
# a glossary entry that translates its term: "**Slip-box.** English for *Zettelkasten*"
_TRANSLATION = re.compile(
    r"^\*\*([^*.\n]{2,40})\.\*\*\s+(?:English|German|French|Latin|Greek|Italian|Spanish|Dutch) for "
    r"[*_\"“„]*([^*_\"“”;,.\n]{2,40})",
    re.MULTILINE,
)
_NOT_ALIAS = re.compile(r"^(?:e\.g|i\.e|see|cf|for|and|or|also|like|such|via|from|in|on|at|ca)\b|\d", re.I)


@dataclass
class Candidate:
    """Evidence for one name, gathered while scanning; mutable because merges pool evidence."""

    kind: str  # "name" (capitalized) | "phrase" (lowercase term)
    forms: Counter[str]
    sentences: list[int]  # distinct, ascending
    blocks: set[int]
    count: int
    at_start: int = 0  # occurrences as a sentence's first word
    determined: int = 0  # occurrences after an article or possessive: a common noun, not a name
    method_near: int = 0
    evident: int = 0  # occurrences that are a term by shape or place (kwiki.offline.terms)
    quoted: int = 0  # occurrences in quotes or parentheses
    aliases: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return min(self.forms, key=lambda form: (-self.forms[form], form))

    def absorb(self, other: Candidate, alias: str) -> None:
        self.sentences = sorted(set(self.sentences) | set(other.sentences))
        self.blocks |= other.blocks
        self.count += other.count
        self.determined += other.determined
        self.method_near += other.method_near
        self.evident += other.evident
        known = {self.name.casefold(), *(a.casefold() for a in self.aliases)}
        for name in (alias, *other.aliases):
            if name and name.casefold() not in known:
                self.aliases.append(name)
                known.add(name.casefold())


def merge_plurals(kept: dict[str, Candidate]) -> None:
    """ "language model" and "language models" are one mention, named by the more frequent form."""
    for key in sorted(kept):
        singular = key[:-1] if key.endswith("s") else ""
        if singular in kept and key in kept:
            small, large = sorted((singular, key), key=lambda k: (kept[k].count, k))
            kept[large].absorb(kept.pop(small), "")


def merge_person_names(kept: dict[str, Candidate], lower: Counter[str]) -> None:
    """ "Luhmann" after "Niklas Luhmann" is the same person; a first name alone is never a page."""
    pairs = [k for k, c in kept.items() if c.kind == "name" and len(k.split()) == 2 and not lower[k.split()[0]]]
    for key in sorted(pairs, key=lambda k: (-kept[k].count, k)):
        first, last = key.split()
        if key not in kept or (first in kept and kept[first].count > kept[key].count):
            continue
        for part in (last, first):
            if part in kept and kept[part].kind == "name":
                other = kept.pop(part)
                kept[key].absorb(other, other.name if part == last else "")


def drop_parts(kept: dict[str, Candidate]) -> None:
    """A term that (almost) only occurs inside a longer kept term is that term's part, not a page."""
    for key in sorted(kept, key=lambda k: (-len(k.split()), k)):
        words = key.split()
        if key not in kept or len(words) == 1 or kept[key].count < 2:
            continue  # a once-seen term ("RAG systems") leaves its parts ("RAG") their own evidence
        for n in range(1, len(words)):
            for i in range(len(words) - n + 1):
                part = " ".join(words[i : i + n])
                if part in kept and kept[part].count - kept[key].count < 2:
                    del kept[part]


def merge_aliases(sentences: tuple[Sentence, ...], kept: dict[str, Candidate]) -> None:
    """Names given together — "Personal Knowledge Management (PKM)", "a slip-box, or Zettelkasten," — merge."""
    for sentence in sentences:
        text = sentence.text
        if "(" in text:
            for match in _PAREN.finditer(text):
                main, alias = _paren_pair(text[: match.start()], match.group(1).strip(" \"'“”‘’*_"))
                _alias_pair(kept, main, alias, flip=ACRONYM.fullmatch(alias) is not None)
        if ", or " in text or " a" in text:
            for match in _OTHER_NAME.finditer(text):
                before = " ".join(WORD.findall(text[max(0, match.start() - 60) : match.start()])[-3:])
                _alias_pair(kept, _edge(before, last=True), _edge(match.group(1).strip(_QUOTES), last=False), flip=True)


def merge_translations(source: str, kept: dict[str, Candidate]) -> None:
    """A term and the translation a glossary gives for it are one mention."""
    for term, translation in _TRANSLATION.findall(source):
        _alias_pair(kept, term.strip(), translation.strip(), flip=True)


def _paren_pair(before: str, inside: str) -> tuple[str, str]:
    words = WORD.findall(before[-120:])
    if ACRONYM.fullmatch(inside):
        letters = inside.rstrip("s").lower()
        for n in range(len(letters), len(letters) + 3):
            span = words[-n:]
            initials = "".join(w[0].lower() for w in span if w.lower() not in ALL_STOPWORDS)
            if len(span) == n and initials == letters and span[0].lower() not in ALL_STOPWORDS:
                if all(w.islower() for w in span[1:]):  # "Personal knowledge management" opened a sentence
                    span[0] = span[0].lower()
                return " ".join(span), inside
        return "", ""
    names = inside.split()
    if _NOT_ALIAS.search(inside) or len(names) > 3 or any(w.lower() in ALL_STOPWORDS for w in names):
        return "", ""
    if inside[:1].isupper() and len(names) > 1:  # "Jason Weston (Memory Networks)": two names, not one
        return "", ""
    if len(names) == 1 and inside.islower():  # "Beatrix (chair)": a role or remark, not another name
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


def _alias_pair(kept: dict[str, Candidate], main: str, alias: str, flip: bool) -> None:
    """Attach `alias` to the mention `main` ends with; when only the alias is a mention and `flip`, the other
    way round — and an acronym's spelled-out form becomes the name."""
    if not main or not alias:
        return
    key = _longest_suffix_key(kept, main)
    if key is not None and ACRONYM.fullmatch(alias) and key != main.casefold():
        kept[main.casefold()] = target = kept.pop(key)  # the full spelled-out form names the mention
        target.forms = Counter({main: target.count})
        _attach(kept, main.casefold(), alias)
    elif key is not None:
        _attach(kept, key, alias)
    elif flip and (alias_key := alias.casefold()) in kept:
        if ACRONYM.fullmatch(alias):
            target = kept.pop(alias_key)
            target.forms = Counter({main: target.count})
            target.aliases.append(alias)
            kept[main.casefold()] = target
        else:
            _attach(kept, alias_key, main)


def _attach(kept: dict[str, Candidate], key: str, alias: str) -> None:
    target, alias_key = kept[key], alias.casefold()
    if alias_key == key or alias_key in (a.casefold() for a in target.aliases):
        return
    if alias_key in kept:
        target.absorb(kept.pop(alias_key), alias)
    else:
        target.aliases.append(alias)


def _longest_suffix_key(kept: dict[str, Candidate], name: str) -> str | None:
    words = name.casefold().split()
    for n in range(len(words), 0, -1):
        if (key := " ".join(words[-n:])) in kept:
            return key
    return None


def describe(c: Candidate, sentences: tuple[Sentence, ...]) -> str:
    """The first sentence defining the name ("X is …"), else the first complete one mentioning it."""
    texts = [sentences[i] for i in c.sentences]
    complete = [s.text for s in texts if s.complete and len(s.text.split()) >= 5] or [s.text for s in texts]
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
