"""The whole pipeline offline, with the extractive provider: honest pages from the sources' own sentences."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from kwiki.gate import normalize_ws
from kwiki.ingest import IngestOptions, ingest
from kwiki.links import VaultIndex
from kwiki.llm.base import Reply, Request
from kwiki.markdown import parse_page
from kwiki.offline import ExtractiveLLM
from kwiki.project import Paths
from kwiki.state import State

from .conftest import RawGuard, write_raw

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pkm"
LUHMANN = """---
title: Inside Luhmann's slip-box
date: 2025-03-14
---
# Inside Luhmann's slip-box

Niklas Luhmann kept a Zettelkasten for four decades in Bielefeld. Luhmann's slip-box held about 90,000 notes.
Niklas Luhmann called the Zettelkasten his partner in communication. The Zettelkasten grew by links between notes.
"""
MYTHS = """---
title: Five myths about the Zettelkasten
date: 2025-07-19
---
# Five myths about the Zettelkasten

Niklas Luhmann is quoted more than he is read. Luhmann's slip-box held about 70,000 notes.
The Zettelkasten was a workshop, not an archive. Niklas Luhmann numbered every note in the Zettelkasten.
"""


def test_extractive_ingest_builds_linked_knowledge_pages_from_verbatim_quotes(
    project: Paths, raw_guard: RawGuard
) -> None:
    write_raw(project, {"2025/luhmann.md": LUHMANN, "2025/myths.md": MYTHS})
    raw_guard.freeze(project)
    report = ingest(project, ExtractiveLLM(), IngestOptions(today="2026-11-21", provider="extractive"))
    assert sorted(report.ingested) == ["2025/luhmann.md", "2025/myths.md"] and not report.failures
    pages = {p.relative_to(project.wiki).as_posix(): p.read_text(encoding="utf-8") for p in project.wiki.rglob("*.md")}
    assert {"entities/niklas-luhmann.md", "concepts/zettelkasten.md"} <= set(pages)
    luhmann = parse_page(pages["entities/niklas-luhmann.md"])
    assert luhmann.frontmatter["sources"] == ["2025/luhmann.md", "2025/myths.md"]
    assert "[[inside-luhmann-slip-box" in luhmann.body  # claims cite their source page
    sources = normalize_ws(LUHMANN + MYTHS)
    quotes = [line[3:-1] for text in pages.values() for line in text.splitlines() if line.startswith('> "')]
    assert quotes and all(normalize_ws(q) in sources for q in quotes)
    vault = VaultIndex.scan(project.wiki)
    for rel, text in pages.items():
        assert all(vault.resolve(link.target, rel) for link in parse_page(text).links if link.kind == "wiki"), rel
    assert "[[niklas-luhmann" in pages["sources/inside-luhmann-slip-box.md"]  # source page links its mentions
    assert "contradictions.md" in pages and "overview.md" in pages
    with State.open(project.state_db) as state:
        assert {r.status for r in state.sources()} == {"done"}
    assert Path(project.wiki / "index.md").read_text(encoding="utf-8").count("[[") >= 4


def test_bundled_example_settles_the_planted_contradiction() -> None:
    """The committed wiki/ is `kwiki ingest raw/` with this provider: the 70,000 vs 90,000 notes dispute is settled."""
    register = Path(__file__).resolve().parents[2] / "examples" / "pkm" / "wiki" / "contradictions.md"
    text = register.read_text(encoding="utf-8")
    assert "| superseded | [[niklas-luhmann]] |" in text
    assert "[[counting-the-cards-what-the-luhmann-archive-tells-us]]" in text


class _Counting:
    """The extractive provider, counting the calls of each kind."""

    def __init__(self) -> None:
        self.inner, self.calls = ExtractiveLLM(), Counter[str]()

    @property
    def model(self) -> str:
        return self.inner.model

    def complete(self, request: Request) -> Reply:
        self.calls[request.name] += 1
        return self.inner.complete(request)


def test_sources_extracted_again_to_the_same_notes_keep_their_contradictions_and_pages(
    project: Paths, raw_guard: RawGuard
) -> None:
    """A new prompt, model or CLAUDE.md makes every source pending; the same notes must not drop the register."""
    shutil.copytree(EXAMPLE / "raw", project.raw, dirs_exist_ok=True)
    raw_guard.freeze(project)
    ingest(project, ExtractiveLLM(), IngestOptions(today="2026-11-21", provider="extractive"))
    before = {p: p.read_text(encoding="utf-8") for p in project.wiki.rglob("*.md") if p.name != "log.md"}
    assert before[project.wiki / "contradictions.md"].count("| superseded | [[niklas-luhmann]] |") == 2
    project.schema.write_text("# Schema\n\nA changed CLAUDE.md changes the compile key.\n", encoding="utf-8")
    llm = _Counting()
    report = ingest(project, llm, IngestOptions(today="2026-11-22", provider="extractive"))
    assert len(report.ingested) == 24 and not report.failures
    assert not (llm.calls["write-page"] or llm.calls["update-page"]), llm.calls  # no claim is new to any page
    after = {p: p.read_text(encoding="utf-8") for p in before}
    assert after == before
