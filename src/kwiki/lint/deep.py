"""`kwiki lint --deep`: a model compares the claims of related pages; answers are cached per pair by content."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from kwiki.errors import EndpointUnreachable, ProviderError
from kwiki.lint.model import DeepSummary, Progress
from kwiki.lint.snapshot import PageFile, Vault
from kwiki.llm.base import LLM, Request
from kwiki.llm.blocks import fence_json
from kwiki.markdown import Link, find_wikilinks, replace_wikilinks
from kwiki.payloads import CompareClaim, ComparePayload, CompareSide
from kwiki.prompts import load_prompt
from kwiki.state import ContradictionRecord, State

MAX_CLAIMS = 20  # per page: keeps every prompt bounded
MAX_PAGES_PER_SOURCE = 40  # a source cited by more pages adds no pairs (it would add them quadratically)
SCHEMA = {
    "type": "object",
    "properties": {
        "contradictions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {k: {"type": "string"} for k in ("a_claim", "b_claim", "explanation")},
                "required": ["a_claim", "b_claim", "explanation"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["contradictions"],
    "additionalProperties": False,
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str
    quote: str
    source: str  # slug of the source page cited


def default_budget(vault: Vault) -> int:
    return min(50, sum(1 for _ in vault.knowledge()))


def _plain(vault: Vault, path: str, text: str) -> str:
    """The text as read, without its citations (links to source pages travel as the claim's `source`)."""

    def shown(link: Link) -> str:
        target = vault.files.resolve(link.target, path)
        cited = target in vault.pages and vault.pages[target].type == "source"
        return "" if cited else (link.display or link.target)

    cleaned = replace_wikilinks(text, shown).replace("()", "")
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(cleaned.split()))


def _cited_source(vault: Vault, path: str, text: str) -> str:
    for link in find_wikilinks(text):
        target = vault.files.resolve(link.target, path)
        if target in vault.pages and vault.pages[target].type == "source":
            return vault.pages[target].slug
    return ""


def _blocks(body: str) -> Iterator[tuple[bool, str]]:
    """(is_quote, text) of each paragraph or blockquote of the body, skipping headings and callouts."""
    for block in re.split(r"\n\s*\n", body):
        lines = [line for line in block.split("\n") if line.strip() and not line.lstrip().startswith("#")]
        if not lines or lines[0].lstrip().startswith(("> [!", "- ", "* ", "|", "```")):
            continue
        quote = all(line.lstrip().startswith(">") for line in lines)
        yield quote, "\n".join(line.lstrip("> ").strip() if quote else line for line in lines)


def claims(vault: Vault, file: PageFile) -> list[Claim]:
    """Quotes and sentences of the page that cite a source page: what the page asserts, with evidence."""
    found: list[Claim] = []
    for quote, text in _blocks(file.page.body):
        pieces = [text] if quote else _SENTENCE.split(text.replace("\n", " "))
        for piece in pieces:
            source = _cited_source(vault, file.path, piece)
            if source and len(found) < MAX_CLAIMS:
                said = _plain(vault, file.path, re.sub(r"^\s*[—–-]+.*$", "", piece, flags=re.MULTILINE))
                said = said.strip(' "“”')
                claim_id = f"c{len(found) + 1}"
                found.append(Claim(claim_id, "" if quote else said, said if quote else "", source))
    return found


def ranked_pairs(vault: Vault) -> list[tuple[str, str]]:
    """Knowledge-page pairs that share sources or link each other, most connected first."""
    pages = {f.path for f in vault.knowledge() if not f.stub}
    by_source: dict[str, list[str]] = {}
    for path in sorted(pages):
        sources = vault.pages[path].page.frontmatter.get("sources")
        for source in sources if isinstance(sources, list) else []:
            by_source.setdefault(str(source), []).append(path)
    score: Counter[tuple[str, str]] = Counter()
    for members in by_source.values():
        if len(members) <= MAX_PAGES_PER_SOURCE:
            score.update(combinations(members, 2))
    for path in sorted(pages):
        for target in {e.target for e in vault.edges[path] if e.target is not None} & pages - {path}:
            score[(min(path, target), max(path, target))] += 1
    return [pair for pair, _ in sorted(score.items(), key=lambda item: (-item[1], item[0]))]


def _side(file: PageFile, found: list[Claim]) -> CompareSide:
    claims: list[CompareClaim] = [
        {"id": c.id, "statement": c.statement, "quote": c.quote, "source": c.source} for c in found
    ]
    return {"page": file.slug, "title": file.title, "claims": claims}


def _record(vault: Vault, a: PageFile, b: PageFile, pick: tuple[Claim, Claim], why: str) -> ContradictionRecord:
    claim_a, claim_b = pick
    said_a, said_b = (claim_a.statement or claim_a.quote), (claim_b.statement or claim_b.quote)
    ident = hashlib.sha256("\0".join([a.path, b.path, claim_a.id, claim_b.id, why]).encode()).hexdigest()[:12]
    source_pages = [vault.files.resolve(c.source, a.path) or "" for c in pick]
    raws = [_first_source(vault, page) for page in source_pages]
    return ContradictionRecord(
        id=ident,
        subject=a.path,
        page_a=source_pages[0] or a.path,
        page_b=source_pages[1] or b.path,
        source_a=raws[0],
        source_b=raws[1],
        claim_a=f'"{said_a}" ([[{a.slug}]]) vs "{said_b}" ([[{b.slug}]])',
        claim_b=said_b,
        status="open",
        note=why.rstrip("."),
    )


def _first_source(vault: Vault, page: str) -> str:
    sources = vault.pages[page].page.frontmatter.get("sources") if page in vault.pages else None
    return str(sources[0]) if isinstance(sources, list) and sources else ""


def _records(
    vault: Vault, pair: tuple[PageFile, PageFile], found: tuple[list[Claim], list[Claim]], answer: list[dict[str, str]]
) -> Iterator[ContradictionRecord]:
    by_id = [{c.id: c for c in side} for side in found]
    for item in answer:
        a_claim, b_claim = by_id[0].get(item.get("a_claim", "")), by_id[1].get(item.get("b_claim", ""))
        if a_claim is not None and b_claim is not None:
            yield _record(vault, pair[0], pair[1], (a_claim, b_claim), item.get("explanation", "").strip())


@dataclass
class _Tally:
    calls: int = 0
    cached: int = 0
    unchecked: int = 0
    failed: int = 0
    error: str = ""  # the first failed call's, for the report


def _answer(state: State, llm: LLM, payload: ComparePayload, budget: int, tally: _Tally) -> list[dict[str, str]] | None:
    """The model's contradictions for one pair: from the pair cache, or one call while the budget lasts."""
    system, user = load_prompt("compare").render(payload=fence_json(payload))
    key = "compare:" + hashlib.sha256(f"{llm.model}\0{system}\0{user}".encode()).hexdigest()
    cached = state.pair_cache_get(key)
    if cached is not None:
        tally.cached += 1
        return list(json.loads(cached))
    if tally.calls >= budget:
        tally.unchecked += 1
        return None
    tally.calls += 1
    try:
        reply = llm.complete(Request("compare", system, user, SCHEMA, max_tokens=2048))
    except EndpointUnreachable:  # a dead server or a refused key fails every pair: stop, exit 2 with its hint
        raise
    except ProviderError as err:
        tally.failed += 1
        tally.error = tally.error or str(err)
        return None
    found = list((reply.data or {}).get("contradictions", []))
    with state.transaction():
        state.pair_cache_put(key, json.dumps(found))
    return found


@dataclass(frozen=True)
class Found:
    """A new contradiction and the two pages whose claims disagree (both get a callout)."""

    record: ContradictionRecord
    pages: tuple[str, str]


def run_deep(
    vault: Vault, state: State, llm: LLM, budget: int, progress: Progress | None = None
) -> tuple[DeepSummary, list[Found]]:
    """Compare ranked pairs; store contradictions not seen before and return them (the caller renders them)."""
    known = {r.id for r in state.contradictions()}
    memo: dict[str, list[Claim]] = {}
    tally, new = _Tally(), list[Found]()
    pairs = ranked_pairs(vault)
    for number, (a, b) in enumerate(pairs, start=1):
        if progress:
            progress("compare", f"{a} ~ {b}", number, len(pairs))
        found = tuple(memo.setdefault(p, claims(vault, vault.pages[p])) for p in (a, b))
        if not found[0] or not found[1]:
            continue
        files = (vault.pages[a], vault.pages[b])
        answer = _answer(state, llm, {"a": _side(files[0], found[0]), "b": _side(files[1], found[1])}, budget, tally)
        for record in _records(vault, files, (found[0], found[1]), answer or []):
            if record.id not in known:
                known.add(record.id)
                new.append(Found(record, (a, b)))
    with state.transaction():
        state.add_contradictions([found.record for found in new])
    summary = DeepSummary(len(pairs), tally.calls, tally.cached, tally.unchecked, len(new), tally.failed, tally.error)
    return summary, new
