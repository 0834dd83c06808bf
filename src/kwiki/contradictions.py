"""Contradictions between sources: found in page drafts, settled by newer sources, rendered on every page involved."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kwiki import gate
from kwiki.markdown import dump_page, find_wikilinks
from kwiki.pages import Lookup, slugs_of
from kwiki.state import ContradictionRecord

# open, or settled (note); `>[!warning]` without the space is one too in Obsidian
CALLOUT_HEAD = re.compile(r"^>\s*\[!(?:warning|note)\][+-]?\s*contradiction", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """A contradiction as a page draft reported it: two source pages and what the draft said."""

    subject: str  # the knowledge page (wiki-relative path)
    source_a: str  # raw path
    source_b: str
    text: str


def split_callouts(body: str) -> tuple[str, list[str]]:
    """The body without its contradiction callouts, and the callouts' text (code renders its own)."""
    kept: list[str] = []
    callouts: list[str] = []
    current: list[str] | None = None
    for line in body.split("\n"):
        if CALLOUT_HEAD.match(line.strip()):
            current = []
            callouts.append("")
            continue
        if current is not None and line.startswith(">"):
            current.append(line.lstrip("> ").strip())
            callouts[-1] = " ".join(current)
            continue
        current = None
        kept.append(line)
    return "\n".join(kept), [c for c in callouts if c]


def findings_from(
    subject: str, callouts: Sequence[str], slug_to_source: Mapping[str, str], lookup: Lookup | None = None
) -> list[Finding]:
    """Contradictions citing two source pages; their text through the gate (one line, links that resolve)."""
    found = []
    for text in callouts:
        cited = [slug_to_source[k] for k in _link_keys(text) if k in slug_to_source]
        cited = list(dict.fromkeys(cited))
        if len(cited) >= 2:
            first, second = sorted(cited[:2])
            found.append(Finding(subject, first, second, gate.inline(text, slugs_of(lookup), [])))
    return found


def _link_keys(text: str) -> list[str]:
    return [link.target.rsplit("/", 1)[-1].casefold() for link in find_wikilinks(text)]


def settle(
    findings: Sequence[Finding], dates: Mapping[str, str], source_pages: Mapping[str, str]
) -> list[ContradictionRecord]:
    """Records with a status: a pair is superseded when a newer source sides with one of its claims."""
    records = []
    by_subject: dict[str, list[Finding]] = {}
    for f in findings:
        by_subject.setdefault(f.subject, []).append(f)
    for subject, items in sorted(by_subject.items()):
        conflicts = {frozenset((f.source_a, f.source_b)) for f in items}
        involved = sorted({s for f in items for s in (f.source_a, f.source_b)})
        newest = max(involved, key=lambda s: (dates.get(s, ""), s))
        allies = [s for s in involved if s != newest and frozenset((s, newest)) not in conflicts]
        for f in sorted(items, key=lambda f: (f.source_a, f.source_b)):
            older = min(dates.get(f.source_a, ""), dates.get(f.source_b, ""))
            settled = bool(allies) and dates.get(newest, "") > older and all(dates.get(s) for s in involved)
            note = f"settled by the newer [[{_slug(source_pages, newest)}]]" if settled else ""
            records.append(_record(subject, f, source_pages, "superseded" if settled else "open", note))
    return records


def _slug(source_pages: Mapping[str, str], source: str) -> str:
    return source_pages[source].rsplit("/", 1)[-1].removesuffix(".md")


def _record(subject: str, f: Finding, source_pages: Mapping[str, str], status: str, note: str) -> ContradictionRecord:
    ident = hashlib.sha256(f"{subject}\0{f.source_a}\0{f.source_b}".encode()).hexdigest()[:12]
    return ContradictionRecord(
        id=ident,
        subject=subject,
        page_a=source_pages[f.source_a],
        page_b=source_pages[f.source_b],
        source_a=f.source_a,
        source_b=f.source_b,
        claim_a=f.text,
        claim_b="",
        status=status,
        note=note,
    )


def render_callout(record: ContradictionRecord) -> str:
    """The callout shown on the knowledge page and on both source pages."""
    a, b, subject = (_stem(record.page_a), _stem(record.page_b), _stem(record.subject))
    kind = "warning" if record.status == "open" else "note"
    head = "Contradiction" if record.status == "open" else f"Contradiction ({record.status})"
    lines = [f"> [!{kind}] {head}", f"> On [[{subject}]], [[{a}]] and [[{b}]] disagree: {_claim(record)}"]
    if record.note:
        lines.append(f"> {record.note.capitalize()}.")
    return "\n".join(lines)


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".md")


def _claim(record: ContradictionRecord) -> str:
    """The recorded text, gated again: its links may point only at the pages the record names."""
    known = {_stem(p).casefold(): _stem(p) for p in (record.subject, record.page_a, record.page_b)}
    return gate.inline(record.claim_a, lambda t: known.get(t.rsplit("/", 1)[-1].removesuffix(".md").casefold()), [])


def register_text(records: Sequence[ContradictionRecord]) -> str:
    """wiki/contradictions.md: every contradiction kwiki knows, open first."""
    meta = {
        "title": "Contradictions",
        "type": "contradictions",
        "summary": "Register of contradictions between sources, generated by kwiki.",
    }
    rows = ["| Status | Subject | Sources | What | Note |", "| --- | --- | --- | --- | --- |"]
    for r in sorted(records, key=lambda r: (r.status != "open", r.subject, r.id)):
        what = _claim(r).replace("|", "\\|")
        rows.append(
            f"| {r.status} | [[{_stem(r.subject)}]] | [[{_stem(r.page_a)}]] · [[{_stem(r.page_b)}]] | {what} "
            f"| {r.note} |"
        )
    count = sum(r.status == "open" for r in records)
    body = f"# Contradictions\n\n{count} open, {len(records) - count} settled. Generated by kwiki; do not edit.\n\n"
    return dump_page(meta, body + ("\n".join(rows) if records else "_None found._"))
