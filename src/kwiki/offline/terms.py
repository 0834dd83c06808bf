"""Evidence that a name or phrase seen only once is a term: its shape, its place, the words around it.

A once-seen candidate is only a mention (never a page by itself: a page needs a second source or the title);
these tests keep chance word pairs ("approach leverages", "novel approach") and ordinary words out.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kwiki.offline.lexicon import ALL_STOPWORDS, GENERIC, NOT_NAMES, NOT_TERMS, word_set
from kwiki.offline.names import Candidate
from kwiki.offline.text import Sentence

# Words too broad to be a page of their own, however often they occur.
TOO_BROAD = word_set("ai ais url urls ui")
# Evaluative and ordinary adjectives: a phrase they open is a description ("novel approach"), not a term.
ADJECTIVES = word_set(
    """novel current traditional significant specific various key core major minimal full efficient effective
    robust powerful higher lower single multiple different similar previous original entire overall real direct
    final initial common general basic advanced modern future past recent latest top average typical standard
    explicit implicit local global personal public private fast slow strong weak clear complex simple small
    large huge massive tiny vast excessive fundamental critical crucial primary secondary potential possible
    practical actual free high low new old good bad better best worse worst true false certain particular
    whole own same other such several many few more most less least extra further additional separate
    distinct unique rapid quick detailed comprehensive valuable useful helpful profound emerging consistent
    poor rich wide broad narrow long short"""
)
# Verbs that open a chance pair ("generate coherent", "mitigate hallucinations").
_VERB_ENDINGS = ("ate", "ize", "ise", "ify", "ing")
_SUBJECT_VERBS = word_set("is are was were has have can")
QUOTES = "\"'“”‘’*_"
_NAMED = re.compile(
    rf"\b(?:called|named|the term|coined|dubbed|known as)\s+(?:it\s+)?(?:the\s+|an?\s+)?[{QUOTES}]*([\w-]+)", re.I
)
_GLOSSARY = re.compile(r"^\*\*([\w-]+)\.\*\*", re.MULTILINE)
_DEFINED = re.compile(rf"[{QUOTES}]*([\w-]+)[{QUOTES}]* (?:is|refers to|means) (?:an?|the)\b")  # "Hypertext is a …"
GLOSSARY_ENTRIES = 5  # bold lead-ins ("**Wiki.** A website …") that make a text a glossary, not a labelled list
_ING_NOUNS = word_set("learning training engineering computing prompting programming processing modeling")
# What stands before a noun phrase: articles, possessives, prepositions (not "that", "and": a clause may follow).
_ANCHORS = word_set(
    """the a an this these those its their his her our your of in for with via on to by from like as into over
    through across about at under between among including such using than"""
)
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]|[A-Z]{2,}[a-z]{2}")  # PyTorch, GitHub, microGPT, GoogLeNet
_DIGIT = re.compile(r"\d")
# nanoGPT, microGPT, llm.c, llama2.c: lowercase code names, marked by an inner capital or a file extension
CODE_NAME = re.compile(r"(?<![\w'’./-])[a-z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*|\.[a-z]{1,2})(?![\w'’/-]|\.\w)")
_NEXT_WORD = re.compile(r"\s*([\w'’-]+|[^\w\s]|$)")
_PREVIOUS_WORD = re.compile(r"([\w'’-]+)?[\s\"'“‘(]*$")


@lru_cache(maxsize=8192)  # pure, and asked for every capitalized word of every sentence
def name_shaped(word: str) -> bool:
    """A word only a name is written like: an inner capital, a digit, or all capitals ("PyTorch", "GPT-2")."""
    return bool(_INNER_CAPITAL.search(word) or _DIGIT.search(word) or (word.isupper() and len(word) >= 2))


@lru_cache(maxsize=8192)
def ordinary(word: str) -> bool:
    key = word.casefold()
    return key in ALL_STOPWORDS or key in GENERIC or key in NOT_NAMES or key in NOT_TERMS or key in TOO_BROAD


def anchored(text: str, start: int, end: int) -> bool:
    """The phrase at text[start:end] stands as a noun phrase: after an article or a preposition, and before a
    function word, punctuation or the sentence's end."""
    before = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
    previous = before.group(1) if before else None
    after = _NEXT_WORD.match(text, end)
    following = after.group(1) if after else ""
    if previous is None:  # opening the sentence as its subject: "Neural networks are …"
        return following.lower() in _SUBJECT_VERBS
    if not (previous.lower() in _ANCHORS or previous.lower() in ADJECTIVES or "-" in previous):
        return False  # "the forward pass", "a novel fragment alignment", "end-to-end deep learning"
    return not following or not following[0].isalnum() or following.lower() in ALL_STOPWORDS


def term_words(words: list[str]) -> bool:
    """Lowercase words that can make a term: no adjective or verb opening it, no adverb or participle ending it."""
    first, last = words[0], words[-1]
    if any(ordinary(w) for w in words) or first in ADJECTIVES or first.endswith(_VERB_ENDINGS):
        return False
    return not last.endswith(("ly", "ed", "ing")) or last in _ING_NOUNS


_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")
_HEAD_NOUNS = word_set("cell cells architecture model models system systems engine framework library")
_SHORT_FORMS = {"nets": "networks", "net": "network", "convnets": "convolutional networks"}


def variant_names(name: str, text: str) -> list[str]:
    """Other spellings that name the same thing, for the cross-source merge: "neural nets" ~ "neural networks";
    "LLM wikis" ~ "LLM wiki" when the text also writes the singular (a plural rule would break "analysis")."""
    *head, last = name.split(" ")
    out = []
    if last.lower() in _SHORT_FORMS:
        out.append(" ".join([*head, _SHORT_FORMS[last.lower()]]))
    if last.endswith("is") and len(last) > 4 and re.search(rf"\b{re.escape(last[:-1])}\b", text, re.IGNORECASE):
        out.append(" ".join([*head, last[:-1]]))
    if _PLURAL_ACRONYM.fullmatch(last):  # "GPUs" ~ "GPU" (a plural rule would break "virus")
        out.append(" ".join([*head, last[:-1]]))
    if len(head) == 1 and last.lower() in _HEAD_NOUNS and (name_shaped(head[0]) or head[0][:1].isupper()):
        out.append(head[0])  # "LSTM cell" ~ "LSTM", "Transformer architecture" ~ "Transformer"
    if " " in name and name.islower() and (found := re.search(rf"\b([A-Z][A-Za-z]+)-{re.escape(name)}\b", text)):
        out.append(f"{found.group(1)} {last}")  # "compiled wiki" where the text says "LLM-compiled wiki"
    return out


def named_words(source: str, sentences: tuple[Sentence, ...]) -> set[str]:
    """Words the text names ("called the memex"), defines ("Hypertext is a …") or heads a glossary entry with."""
    entries = _GLOSSARY.findall(source)
    found = {m.lower() for m in _NAMED.findall(source)}
    found |= {m.lower() for m in entries} if len(entries) >= GLOSSARY_ENTRIES else set()
    return found | {m.group(1).lower() for s in sentences if (m := _DEFINED.match(s.text))}


def drop_compound_parts(kept: dict[str, Candidate]) -> None:
    """ "Kasten" and "Zettel" beside "Zettelkasten": the parts of a compound the text uses more are no names."""
    singles = [k for k in kept if " " not in k and len(k) >= 8]
    for part in [k for k in kept if " " not in k and len(k) >= 4]:
        if any(whole != part and whole.endswith(part) and kept[whole].count >= kept[part].count for whole in singles):
            del kept[part]
