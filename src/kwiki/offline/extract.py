"""The "extract" and "summarize" replies without a model: title, date, language, summary, tags, claims, mentions."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kwiki.offline.lexicon import GENERIC, detect_language, stopwords_for, word_set
from kwiki.offline.mentions import Mention, find_mentions
from kwiki.offline.text import WORD, Document, Sentence, find_date, injected, parse

MIN_CLAIMS, MAX_CLAIMS = 6, 12
COVERED_MENTIONS = 6
MAX_SUBJECTS = 2
MAX_TAGS = 5
TITLE_CHARS = 80
_DEFINITION = re.compile(
    r"\b(?:is|are|was|were|refers to|means|ist|sind|war|est|es|è|é|zijn)\s+"
    r"(?:a|an|the|one|ein|eine|der|die|das|un|une|una|uno|el|la|il|lo|o|um|uma|een|het|de)\b",
    re.IGNORECASE,
)
_OUT_OF_CONTEXT = word_set(
    """it this that these those they he she we but and so however also then there which es er sie dies aber"""
)
_DIGIT = re.compile(r"\d")
_POSSESSIVE = re.compile(r"['’]s\b")
_MARKUP = re.compile(r"\]\(|https?://|<[a-zA-Z/]")


@dataclass(frozen=True)
class _Reading:
    """One source, read once: its sentences' content words and how central each sentence is."""

    doc: Document
    title: str
    stop: frozenset[str]
    words: tuple[frozenset[str], ...]  # content words of each sentence, lowercase
    central: tuple[float, ...]  # share of the document's recurring vocabulary, 0..1
    mentions: tuple[Mention, ...]


def extract(source: str) -> dict[str, Any]:
    doc = parse(source)
    tokens = [WORD.findall(_POSSESSIVE.sub("", s.text.lower())) for s in doc.sentences]
    language = detect_language([w for sentence in tokens for w in sentence])
    stop = stopwords_for(language)
    weights = Counter(w for sentence in tokens for w in sentence if w not in stop and w not in GENERIC and len(w) > 2)
    words = tuple(frozenset(w for w in sentence if w in weights) for sentence in tokens)
    title = _title(doc)
    mentions = tuple(find_mentions(doc, language, title, stop))
    reading = _Reading(doc, title, stop, words, _centrality(words, weights), mentions)
    return {
        "title": title,
        "date": find_date(doc.meta.get("date", "")) or find_date(source[doc.body_start :]),
        "language": language,
        "summary": _summary(reading),
        "tags": _tags(mentions),
        "claims": _claims(reading),
        "mentions": [m.as_json() for m in mentions],
    }


def summarize(title: str, summaries: list[str]) -> dict[str, Any]:
    """The first one or two sentences of each chunk's summary, without repeats, at most five."""
    picked: list[str] = []
    for summary in summaries:
        for sentence in [s.text for s in parse(summary).sentences][:2]:
            if sentence.casefold() not in (p.casefold() for p in picked) and len(picked) < 5:
                picked.append(sentence)
    return {"title": title, "summary": " ".join(picked)}


def _title(doc: Document) -> str:
    plain = [
        h
        for h in doc.plain_headings
        if 2 <= len(h.split()) <= 12 and all(WORD.fullmatch(w.strip(",:;")) for w in h.split())
    ]
    for candidate in (doc.meta.get("title", ""), *doc.headings[:1], doc.html_title, *plain[:1]):
        if candidate.strip() and not injected(candidate):
            return " ".join(candidate.split())
    first = doc.sentences[0].text.rstrip(".!?…:;, ") if doc.sentences else ""
    if len(first) <= TITLE_CHARS:
        return first
    return first[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:—- ") + "…"


def _centrality(words: tuple[frozenset[str], ...], weights: Counter[str]) -> tuple[float, ...]:
    scores = [sum(weights[w] for w in ws if weights[w] > 1) / math.sqrt(len(ws) + 4) for ws in words]
    top = max(scores, default=0.0) or 1.0
    return tuple(score / top for score in scores)


def _fits(sentence: Sentence, quote: str, low: int, high: int) -> bool:
    n = len(sentence.text.split())
    return sentence.complete and low <= n <= high and not sentence.text.endswith("?") and len(quote) <= 500


def _summary(reading: _Reading) -> str:
    sentences, central = reading.doc.sentences, reading.central
    eligible = [i for i, s in enumerate(sentences) if _fits(s, s.text, 5, 80)]
    if not eligible:
        return " ".join(s.text for s in sentences[:2])
    k = 2 if len(eligible) <= 15 else 3 if len(eligible) <= 50 else 4
    lead = set(eligible[:2])
    best = sorted(eligible, key=lambda i: (-(central[i] + 0.3 * (i in lead)), i))[:k]
    return " ".join(sentences[i].text for i in sorted(best))


def _tags(mentions: tuple[Mention, ...]) -> list[str]:
    """Topic terms: what the source is about first, then what it names more than once; never a verb or adjective
    (frequent words are), nor a phrase it says once in passing."""
    ranked = sorted(mentions, key=lambda m: (not m.central, m.type == "entity", -len(m.sentences)))
    tags: list[str] = []
    for mention in ranked:
        passing = not mention.central and len(mention.sentences) < 2 and mention.name.islower()
        tag = _tag(mention.name)
        if tag and tag not in tags and any(c.isalpha() for c in tag) and len(tag.split("-")) <= 3 and not passing:
            tags.append(tag)
    return tags[:MAX_TAGS]


def _tag(term: str) -> str:
    text = term.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", text))


def _claims(reading: _Reading) -> list[dict[str, str]]:
    """Key sentences — the best one about each leading mention, then the highest scored, no near-repeats — each
    stated once per mention it names (at most two), so every page it concerns receives it."""
    doc, about = reading.doc, _mentions_by_sentence(reading.mentions)
    scores = {i: _claim_score(doc, i, reading.central[i], len(about.get(i, ()))) for i in _claimable(doc)}
    target = min(MAX_CLAIMS, max(MIN_CLAIMS, len(scores) // 4))
    chosen: set[int] = set()
    for mention in reading.mentions[:COVERED_MENTIONS]:
        own = [i for i in mention.sentences if i in scores and i not in chosen]
        if own and len(chosen) < target // 2:  # the other half goes to the best sentences, whatever they name
            chosen.add(max(own, key=lambda i: (scores[i], -i)))
    for index in sorted(scores, key=lambda i: (-scores[i], i)):
        if len(chosen) >= target:
            break
        if index not in chosen and not any(_similar(reading.words[index], reading.words[j]) for j in chosen):
            chosen.add(index)
    return [
        {"subject": subject, "statement": doc.sentences[i].text, "quote": doc.quote(doc.sentences[i])}
        for i in sorted(chosen)
        for subject in _subjects(doc.sentences[i].text, about.get(i, []), reading.title)
    ]


def _mentions_by_sentence(mentions: tuple[Mention, ...]) -> dict[int, list[Mention]]:
    about: dict[int, list[Mention]] = {}
    for mention in mentions:
        for index in mention.sentences:
            about.setdefault(index, []).append(mention)
    return about


def _claimable(doc: Document) -> list[int]:
    return [
        i for i, s in enumerate(doc.sentences) if _fits(s, quote := doc.quote(s), 6, 60) and not _MARKUP.search(quote)
    ]


def _claim_score(doc: Document, index: int, centrality: float, names: int) -> float:
    text = doc.sentences[index].text
    first = text.split(None, 1)[0].lower().strip("\"'“‘(")
    score = centrality + 0.2 * min(names, 2) + 0.1 * (index < 3)
    score += 0.5 * bool(_DIGIT.search(text)) + 0.5 * bool(_DEFINITION.search(text))
    return score - 0.25 * (first in _OUT_OF_CONTEXT) - 0.1 * text.endswith("!")


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and bool(b) and len(a & b) >= 0.7 * min(len(a), len(b))


def _subjects(text: str, mentions: list[Mention], title: str) -> list[str]:
    """The (at most two) mentions the sentence names, first named first; else the document's title."""
    folded = text.casefold()
    found = {}
    for mention in mentions:
        at = [p for p in (folded.find(n.casefold()) for n in (mention.name, *mention.aliases)) if p >= 0]
        if at:
            found[mention.name] = min(at)
    return sorted(found, key=lambda name: (found[name], name))[:MAX_SUBJECTS] or [title]
