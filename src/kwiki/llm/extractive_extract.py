"""The "extract" and "summarize" replies without a model: title, date, language, summary, tags, claims, mentions."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Any

from kwiki.llm.extractive_lexicon import GENERIC, detect_language, stopwords_for, word_set
from kwiki.llm.extractive_mentions import Mention, find_mentions
from kwiki.llm.extractive_text import WORD, Document, Sentence, content_words, find_date, injected, parse

MIN_CLAIMS, MAX_CLAIMS = 6, 12
COVERED_MENTIONS = 6
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
_MARKUP = re.compile(r"\]\(|https?://|<[a-zA-Z/]")


def extract(source: str) -> dict[str, Any]:
    doc = parse(source)
    words = WORD.findall("\n".join(s.text for s in doc.sentences).lower())
    language = detect_language(words)
    stop = stopwords_for(language)
    title = _title(doc)
    mentions = find_mentions(doc, language, title, stop)
    weights = Counter(w for w in words if w not in stop and w not in GENERIC and len(w) > 2)
    central = _centrality(doc.sentences, weights, stop)
    return {
        "title": title,
        "date": find_date(doc.meta.get("date", "")) or find_date(source[doc.body_start :]),
        "language": language,
        "summary": _summary(doc.sentences, central),
        "tags": _tags(weights, mentions),
        "claims": _claims(doc, central, mentions, title, stop),
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
    plain = [h for h in doc.plain_headings
             if 2 <= len(h.split()) <= 12 and all(WORD.fullmatch(w.strip(",:;")) for w in h.split())]
    for candidate in (doc.meta.get("title", ""), *doc.headings[:1], doc.html_title, *plain[:1]):
        if candidate.strip() and not injected(candidate):
            return " ".join(candidate.split())
    first = doc.sentences[0].text.rstrip(".!?…:;, ") if doc.sentences else ""
    if len(first) <= TITLE_CHARS:
        return first
    return first[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:—- ") + "…"


def _centrality(sentences: tuple[Sentence, ...], weights: Counter[str], stop: frozenset[str]) -> list[float]:
    """How much of the document's recurring vocabulary each sentence carries, scaled to 0..1."""
    scores = []
    for sentence in sentences:
        words = content_words(sentence.text, stop)
        scores.append(sum(weights[w] for w in words if weights[w] > 1) / math.sqrt(len(words) + 4))
    top = max(scores, default=0.0) or 1.0
    return [score / top for score in scores]


def _fits(sentence: Sentence, quote: str, low: int, high: int) -> bool:
    n = len(sentence.text.split())
    return sentence.complete and low <= n <= high and not sentence.text.endswith("?") and len(quote) <= 500


def _summary(sentences: tuple[Sentence, ...], central: list[float]) -> str:
    eligible = [i for i, s in enumerate(sentences) if _fits(s, s.text, 5, 80)]
    if not eligible:
        return " ".join(s.text for s in sentences[:2])
    k = 2 if len(eligible) <= 15 else 3 if len(eligible) <= 50 else 4
    lead = set(eligible[:2])
    best = sorted(eligible, key=lambda i: (-(central[i] + 0.3 * (i in lead)), i))[:k]
    return " ".join(sentences[i].text for i in sorted(best))


def _tags(weights: Counter[str], mentions: list[Mention]) -> list[str]:
    terms = [m.name for m in mentions if m.type != "entity" and len(m.name.split()) <= 3][:2]
    frequent = [w for w, n in weights.most_common(40) if n >= 2 and "." not in w]
    tags: list[str] = []
    for term in [*terms, *frequent, *(w for w, _ in weights.most_common(40))]:
        tag = _tag(term)
        if tag and tag not in tags and any(c.isalpha() for c in tag):
            tags.append(tag)
        if len(tags) == 5:
            break
    return tags


def _tag(term: str) -> str:
    text = term.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", text))


def _claims(doc: Document, central: list[float], mentions: list[Mention], title: str,
            stop: frozenset[str]) -> list[dict[str, str]]:
    about: dict[int, list[Mention]] = {}
    for mention in mentions:
        for index in mention.sentences:
            about.setdefault(index, []).append(mention)
    scores = {i: _claim_score(doc, i, central[i], len(about.get(i, ()))) for i in _claimable(doc)}
    target = min(MAX_CLAIMS, max(MIN_CLAIMS, len(scores) // 5))
    chosen: dict[int, str] = {}
    for mention in mentions[:COVERED_MENTIONS]:
        own = [i for i in mention.sentences if i in scores and i not in chosen]
        if own and len(chosen) < target:
            chosen[max(own, key=lambda i: (scores[i], -i))] = mention.name
    words = {i: content_words(doc.sentences[i].text, stop) for i in scores}
    for index in sorted(scores, key=lambda i: (-scores[i], i)):
        if len(chosen) >= target:
            break
        if index not in chosen and not any(_similar(words[index], words[j]) for j in chosen):
            chosen[index] = _subject(doc.sentences[index].text, about.get(index, []), title)
    return [{"subject": chosen[i], "statement": doc.sentences[i].text, "quote": doc.quote(doc.sentences[i])}
            for i in sorted(chosen)]


def _claimable(doc: Document) -> list[int]:
    return [i for i, s in enumerate(doc.sentences)
            if _fits(s, quote := doc.quote(s), 6, 60) and not _MARKUP.search(quote)]


def _claim_score(doc: Document, index: int, centrality: float, names: int) -> float:
    text = doc.sentences[index].text
    first = text.split(None, 1)[0].lower().strip("\"'“‘(")
    score = centrality + 0.15 * min(names, 2) + 0.1 * (index < 3)
    score += 0.25 * bool(_DIGIT.search(text)) + 0.3 * bool(_DEFINITION.search(text))
    return score - 0.25 * (first in _OUT_OF_CONTEXT) - 0.1 * text.endswith("!")


def _similar(a: set[str], b: set[str]) -> bool:
    return bool(a) and bool(b) and len(a & b) >= 0.7 * min(len(a), len(b))


def _subject(text: str, mentions: list[Mention], title: str) -> str:
    """The mention named first in the sentence, else the document's title."""
    folded = text.casefold()
    positions = [(folded.find(n.casefold()), m.name) for m in mentions for n in (m.name, *m.aliases)]
    found = [p for p in positions if p[0] >= 0]
    return min(found)[1] if found else title
