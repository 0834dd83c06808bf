"""What a human should look at: contradictions, merge conflicts, foreign URLs, injected instructions, old answers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import cache
from pathlib import PurePosixPath

from kwiki.discover import HTML_SUFFIXES, TEXT_SUFFIXES, decode, read_bytes
from kwiki.errors import KwikiError
from kwiki.injection import INJECTION
from kwiki.lint.model import Finding, finding
from kwiki.lint.snapshot import PageFile, Vault
from kwiki.markdown import find_wikilinks

CONTRADICTION = re.compile(r"^>\s*\[!warning\][+-]?\s*contradiction", re.IGNORECASE)
CONFLICT = re.compile(r"^>\s*\[!note\][+-]?\s*kwiki update", re.IGNORECASE)
# A cheap tripwire for human review, not a defence: the defence is that models never act on what they read.
# The same pattern as the offline engine's, so lint flags what that engine refuses to quote.


def callout_lines(file: PageFile, pattern: re.Pattern[str]) -> list[int]:
    """File lines where a callout matching `pattern` starts (outside code fences)."""
    found: list[int] = []
    if "[!" not in file.page.body:
        return found
    fenced = False
    for number, line in enumerate(file.page.body.split("\n"), start=file.page.body_line):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and pattern.match(line.strip()):
            found.append(number)
    return found


def _contradictions(vault: Vault) -> Iterator[Finding]:
    for record in vault.state.contradictions if vault.state else ():
        if record.status != "open":
            continue
        page = vault.pages.get(record.subject)
        lines = callout_lines(page, CONTRADICTION) if page else []
        what = f"{record.page_a} vs {record.page_b}: {' '.join(record.claim_a.split())}"[:240]
        yield finding("contradiction-open", vault.wiki_path(record.subject), lines[0] if lines else 1, what)


def _raw_text(vault: Vault, rel: str) -> str:
    try:  # never blocks on a FIFO, never raises on a loop or an unreadable file
        return decode(read_bytes(vault.paths.raw / rel))[0]
    except (OSError, KwikiError):
        return ""


def _foreign_urls(vault: Vault, file: PageFile) -> Iterator[Finding]:
    sources = file.page.frontmatter.get("sources")
    if not file.page.external or not isinstance(sources, list) or not sources:
        return
    texts = [_raw_text(vault, s) for s in sources if isinstance(s, str) and s in vault.raw]
    for link in file.page.external:
        if link.target.startswith(("http:", "https:", "//")) and not any(link.target in t for t in texts):
            kind = "image" if link.embed else "URL"
            message = f"{kind} {link.target} appears in none of the page's sources"
            yield finding("url-foreign", vault.wiki_path(file.path), link.line, message)


def _injections(vault: Vault) -> Iterator[Finding]:
    for rel in sorted(vault.raw):
        if PurePosixPath(rel).suffix.lower() not in TEXT_SUFFIXES | HTML_SUFFIXES:
            continue
        text = _raw_text(vault, rel)
        match = INJECTION.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            yield finding("raw-injection", vault.raw_path(rel), line, f"text aimed at a model: '{match.group(0)}'")


@cache
def _day(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return str(value or "")[:10]


def _stale_answer(vault: Vault, file: PageFile) -> Iterator[Finding]:
    cites = file.page.frontmatter.get("cites")
    created = _day(file.page.frontmatter.get("created"))
    if not isinstance(cites, list) or not created:
        return
    changed = []
    for cite in cites:
        for link in find_wikilinks(str(cite)):
            target = vault.files.resolve(link.target, file.path)
            page = vault.pages.get(target) if target else None
            if page is not None and _day(page.page.frontmatter.get("updated")) > created:
                changed.append(page.slug)
    if changed:
        message = f"cited pages changed after the answer was saved: {', '.join(changed)}"
        yield finding("answer-stale", vault.wiki_path(file.path), file.key_line("cites"), message)


def check(vault: Vault) -> Iterator[Finding]:
    yield from _contradictions(vault)
    for path, file in sorted(vault.pages.items()):
        for line in callout_lines(file, CONFLICT):
            yield finding("update-conflict", vault.wiki_path(path), line, "unmerged kwiki update proposal")
        yield from _foreign_urls(vault, file)
        if file.type == "answer":
            yield from _stale_answer(vault, file)
    yield from _injections(vault)
