"""The "write-page" body and the "update-page" addition without a model: sourced statements, verbatim quotes,
callouts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kwiki.offline.lexicon import ALL_STOPWORDS, word_set
from kwiki.offline.text import WORD, contradiction
from kwiki.payloads import NewClaim, PageClaim, PageDescription, UpdatePagePayload, WritePagePayload

MAX_QUOTES = 3
MAX_CONTRADICTIONS = 3
_DEFINING = ("is", "are", "was", "were", "refers", "means", "describes", "ist", "sind", "war", "est", "es", "è")
_OUT_OF_CONTEXT = word_set("it this that these those they he she its his her their such both")
_TOKEN = re.compile(r"\w+")
_ARTICLES = ("a", "an", "the", "one", "ein", "eine", "der", "die", "das", "un", "une", "una", "el", "la", "il")
_LINK = re.compile(r"\[\[([^\]|#]+)(?:[#|][^\]]*)?\]\]")


@dataclass(frozen=True)
class _Claim:
    statement: str
    quote: str
    source: str  # the source page's slug
    date: str


def write_page(payload: WritePagePayload) -> str:
    """Opening definition, one cited bullet per statement, contradictions, then a few verbatim quotes."""
    title = payload["title"]
    names = [title, *payload["aliases"]]
    claims = _claims(payload["claims"])
    opening, cite = _opening(names, claims, payload["descriptions"])
    quoted = _best_quotes([c for c in claims if _norm(c.statement) != _norm(opening)], names, len(claims) // 3)
    # a claim whose statement is its own quote is shown once: as the opening, a quote, or a bullet
    shown = {_norm(opening)} | {_norm(c.statement) for c in quoted if _norm(c.statement) == _norm(c.quote)}
    bullets = _bullets([c for c in claims if _norm(c.statement) not in shown])
    old = _kept_from(payload["current_body"], {c.source for c in claims}, bullets)
    neighbours = [(n["page"], n["title"]) for n in payload["neighbours"]]
    linked = {title.casefold()}
    head = f"**{title}** — {_link(opening, neighbours, linked)}{cite}" if opening else f"**{title}**"
    lines = [_link(b, neighbours, linked) for b in bullets] + old["bullets"]
    quotes = [_quote_block(c.quote, c.source) for c in quoted] + old["quotes"]
    parts = [head, *old["text"], "\n".join(lines), *_callouts(claims), *old["callouts"]]
    parts += ["## Quotes", *quotes] if quotes else []
    return "\n\n".join(p for p in parts if p.strip()) + "\n"


def update_page(payload: UpdatePagePayload) -> str:
    """What the new claims add: one cited bullet per statement the lead does not make, and a contradiction
    callout for a new claim whose numbers differ from an earlier or another new one's."""
    claims = _claims(payload["claims"])
    neighbours = [(n["page"], n["title"]) for n in payload["neighbours"]]
    linked = {payload["title"].casefold()}
    lead = _norm(payload["lead"])
    bullets = [_link(b, neighbours, linked) for b in _bullets([c for c in claims if _norm(c.statement) not in lead])]
    earlier = [_Claim(" ".join(c["statement"].split()), "", c["source_page"], c["date"]) for c in payload["earlier"]]
    new = {id(c) for c in claims}
    callouts = [text for a, b, text in _disagreements([*claims, *earlier]) if id(a) in new or id(b) in new]
    return "\n\n".join(p for p in ["\n".join(bullets), *callouts[:MAX_CONTRADICTIONS]] if p) + "\n"


def _claims(given: list[PageClaim] | list[NewClaim]) -> list[_Claim]:
    claims = [
        _Claim(
            " ".join(c["statement"].split()),
            " ".join(c["quote"].split()),
            c["source_page"],
            c["date"],
        )
        for c in given
    ]
    return sorted((c for c in claims if c.statement and c.source), key=lambda c: (c.date, c.source))


def _opening(names: list[str], claims: list[_Claim], descriptions: list[PageDescription]) -> tuple[str, str]:
    """(statement, citation) of the claim or description that best says what the page's subject is."""
    candidates = [(c.statement, c.source) for c in claims]
    candidates += [(" ".join(d["text"].split()), d["source_page"]) for d in descriptions]
    candidates = [(text, source) for text, source in candidates if text]
    if not candidates:
        return "", ""
    text, source = max(candidates, key=lambda ts: (_defines_score(ts[0], names), -candidates.index(ts)))
    return text, f" [[{source}]]" if source else ""


def _defines_score(text: str, names: list[str]) -> float:
    """Highest for "X is a …" opening the sentence; a sentence opening with "It"/"This" needs what came before."""
    words = [_base(w.casefold()) for w in WORD.findall(text)]
    score, dangling = 0.0, 1.5 * bool(words and words[0] in _OUT_OF_CONTEXT)
    for name in (n for n in names if n):
        name_words = [_base(w.casefold()) for w in WORD.findall(name)]
        at = _find(words, name_words)
        if at >= 0:
            after = words[at + len(name_words) : at + len(name_words) + 4]
            verb = next((i for i, w in enumerate(after[:2]) if w in _DEFINING), -1)  # "X is", "X (Y) is"
            article = verb >= 0 and verb + 1 < len(after) and after[verb + 1] in _ARTICLES  # "was a sociologist"
            score = max(score, 1 + (at <= 2) + 2 * (verb >= 0) + article)
    return score - dangling - len(words) / 200


def _base(word: str) -> str:
    """Without a plural "s" ("LSTMs" names the LSTM page too)."""
    return word[:-1] if word.endswith("s") and len(word) > 3 and not word.endswith("ss") else word


def _find(words: list[str], name: list[str]) -> int:
    for i in range(len(words) - len(name) + 1):
        if name and words[i : i + len(name)] == name:
            return i
    return -1


def _best_quotes(claims: list[_Claim], names: list[str], most: int) -> list[_Claim]:
    quoted = [c for c in claims if len(c.quote) >= 8]
    ranked = sorted(quoted, key=lambda c: (-_defines_score(c.quote, names), claims.index(c)))
    picked: list[_Claim] = []
    for claim in ranked:
        if _norm(claim.quote) not in {_norm(p.quote) for p in picked} and len(picked) < min(most, MAX_QUOTES):
            picked.append(claim)
    return picked


def _bullets(claims: list[_Claim]) -> list[str]:
    """One bullet per distinct statement, citing every source that makes it."""
    cited: dict[str, tuple[str, list[str]]] = {}
    for claim in claims:
        sources = cited.setdefault(_norm(claim.statement), (claim.statement, []))[1]
        if claim.source not in sources:
            sources.append(claim.source)
    return [f"- {statement} — {' '.join(f'[[{s}]]' for s in sources)}" for statement, sources in cited.values()]


def _callouts(claims: list[_Claim]) -> list[str]:
    return [text for _, _, text in _disagreements(claims)][:MAX_CONTRADICTIONS]


def _disagreements(claims: list[_Claim]) -> list[tuple[_Claim, _Claim, str]]:
    """Claims from different sources that say the same thing with different numbers, with their callout."""
    found = []
    for i, a in enumerate(claims):
        for b in claims[i + 1 :]:
            if a.source != b.source and contradiction(a.statement, b.statement, ALL_STOPWORDS):
                said_a, said_b = a.quote or a.statement, b.quote or b.statement
                text = f'> [!warning] Contradiction\n> [[{a.source}]] says "{said_a}"; [[{b.source}]] says "{said_b}".'
                found.append((a, b, text))
    return found


def _quote_block(quote: str, source: str) -> str:
    return f'> "{quote}"\n> — [[{source}]]'


def _kept_from(body: str, sources: set[str], bullets: list[str]) -> dict[str, list[str]]:
    """What the previous body said about sources the new claims do not cover: kept, so knowledge accumulates."""
    kept: dict[str, list[str]] = {"text": [], "bullets": [], "callouts": [], "quotes": []}
    known = {_norm(b) for b in bullets}
    for block in re.split(r"\n\s*\n", body.strip()):
        if block.lstrip().startswith(("- ", "* ")):
            kept["bullets"] += [
                line
                for line in block.split("\n")
                if not set(_LINK.findall(line)) & sources and _norm(line) not in known
            ]
        elif not block.strip() or block.startswith(("**", "#")) or set(_LINK.findall(block)) & sources:
            continue
        elif block.startswith("> [!"):
            kept["callouts"].append(block)
        elif block.startswith(">"):
            kept["quotes"].append(block)
        else:
            kept["text"].append(block)
    return kept


def _link(text: str, neighbours: list[tuple[str, str]], linked: set[str]) -> str:
    """Link the first mention of each neighbouring page's title in a statement (once per page)."""
    statement, sep, citation = text.partition(" — [[")
    if "[[" in statement:
        return text
    for page, title in neighbours:
        if page and len(title) >= 3 and title.casefold() not in linked:
            # a whole name only: "GPT" is not linked inside "GPT-2", nor "llm" inside "llm.c"
            match = re.search(rf"(?<![\w\[|.-]){re.escape(title)}(?![\w\]]|[-.]\w)", statement, re.IGNORECASE)
            if match:
                statement = f"{statement[: match.start()]}[[{page}|{match.group()}]]{statement[match.end() :]}"
                linked.add(title.casefold())
    return statement + sep + citation


def _norm(text: str) -> str:
    """Comparable form of a statement: case and punctuation go, numbers stay ("90,000" ≠ "70,000")."""
    return " ".join(_TOKEN.findall(text.casefold()))
