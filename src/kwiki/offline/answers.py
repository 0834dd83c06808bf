"""The "query" and "compare" replies without a model: sentences that share the question's words, number clashes."""

from __future__ import annotations

import re

from kwiki.offline.lexicon import ALL_STOPWORDS, word_set
from kwiki.offline.text import WORD, contradiction, parse
from kwiki.payloads import ComparePayload, QueryPayload

NO_ANSWER = "The wiki has no page that answers this."
MAX_PAGES = 6
_QUESTION_WORDS = word_set("what who whom which when where why how does did do tell explain describe")
_CITATION = re.compile(r"\s+—\s+(?:\[\[[^\]]+\]\]\s*)+$", re.MULTILINE)  # " — [[source]]" ending a bullet
_ATTRIBUTION = re.compile(r"^>\s*—\s+.*$", re.MULTILINE)  # "> — [[source]]" under a quote


def answer(payload: QueryPayload) -> str:
    """For each page, the one or two sentences sharing most words with the question, cited."""
    question = _stems(payload["question"]) - _QUESTION_WORDS
    found: list[tuple[float, int, str, list[str]]] = []
    for order, page in enumerate(payload["pages"]):
        best = _best_sentences(page["text"], question)
        if best:
            weight = 0.5 if page["earlier_answer"] else 1.0  # earlier answers are themselves derived
            found.append((-best[0][0] * weight, order, page["page"], [t for _, t in best]))
    if not found:
        return NO_ANSWER + "\n"
    lines: dict[str, str] = {}  # each sentence once, cited by the page that matched it best
    for _, _, name, texts in sorted(found)[:MAX_PAGES]:
        for text in texts:
            lines.setdefault(" ".join(text.casefold().split()), f"- {text} [[{name}]]")
    return "\n".join(lines.values()) + "\n"


def _best_sentences(text: str, question: set[str]) -> list[tuple[int, str]]:
    text = _ATTRIBUTION.sub("", _CITATION.sub("", text))
    scored = []
    for sentence in parse(text).sentences:
        overlap = len(question & _stems(sentence.text))
        if overlap and len(sentence.text.split()) >= 4:
            scored.append((overlap, sentence.text))
    ranked = sorted(scored, key=lambda st: -st[0])[:2]
    return [(n, t) for n, t in ranked if n * 2 >= ranked[0][0]] if ranked else []


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in WORD.findall(text.lower()) if w not in ALL_STOPWORDS and len(w) > 2}


def _stem(word: str) -> str:
    """A crude suffix strip, enough to match "notes" with "note" and "linking" with "links"."""
    word = word.removesuffix("'s").removesuffix("’s")
    for suffix, keep in (("ies", 4), ("ing", 5), ("ed", 4), ("es", 4), ("s", 3)):
        if word.endswith(suffix) and len(word) > keep and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def compare(payload: ComparePayload) -> dict[str, list[dict[str, str]]]:
    """Claims of two pages that say the same thing with different numbers."""
    found = []
    for a in payload["a"]["claims"]:
        for b in payload["b"]["claims"]:
            why = contradiction(a["statement"], b["statement"], ALL_STOPWORDS)
            if why:
                found.append({"a_claim": a["id"], "b_claim": b["id"], "explanation": why})
    return {"contradictions": found}
