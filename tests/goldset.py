"""Score an offline wiki against a hand-made gold list: recall, precision, junk, variant duplicates.

Used by tests/llm_extractive/test_gold.py and bench/gold.py. A gold file (TOML) has `[expected]` — topic name =
[variant names] — and `[acceptable] names`: real topics a reader keeps but need not get. A knowledge page is named
by its title and aliases; it *is* a gold topic when one of those names normalizes to the topic's name or a variant.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kwiki.ingest import IngestOptions, ingest
from kwiki.markdown import parse_page
from kwiki.offline import ExtractiveLLM
from kwiki.project import Paths
from kwiki.resolve import normalize_name

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "gold"
KNOWLEDGE = ("concepts", "entities", "methods")


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    names: frozenset[str]  # normalized title and aliases


@dataclass(frozen=True)
class Score:
    pages: int
    found: tuple[str, ...]  # expected topics that have a page
    missing: tuple[str, ...]
    junk: tuple[str, ...]  # page slugs that are no gold topic
    common_words: tuple[str, ...]  # junk pages named by one ordinary word ("memory", "Create")
    duplicates: tuple[tuple[str, ...], ...]  # pages of the same expected topic
    seconds: float

    @property
    def recall(self) -> float:
        return len(self.found) / max(1, len(self.found) + len(self.missing))

    @property
    def precision(self) -> float:
        return 1 - len(self.junk) / max(1, self.pages)

    def report(self) -> str:
        return "\n".join(
            [
                f"pages {self.pages}, recall {self.recall:.0%} ({len(self.found)}/"
                f"{len(self.found) + len(self.missing)}), precision {self.precision:.0%}, "
                f"ingest {self.seconds:.2f} s",
                f"junk ({len(self.junk)}): {', '.join(self.junk)}",
                f"one common word ({len(self.common_words)}): {', '.join(self.common_words)}",
                f"variant duplicates ({len(self.duplicates)}): {'; '.join(' = '.join(d) for d in self.duplicates)}",
                f"missing ({len(self.missing)}): {', '.join(self.missing)}",
            ]
        )


def build(raw: Path, root: Path) -> float:
    """Ingest `raw` offline into a fresh project at `root`; the seconds it took."""
    (root / "wiki").mkdir(parents=True)
    (root / "kwiki.toml").write_text("", encoding="utf-8")
    shutil.copytree(raw, root / "raw")
    start = time.perf_counter()
    report = ingest(Paths(root), ExtractiveLLM(), IngestOptions(today="2026-11-21", provider="extractive"))
    assert not report.failures, report.failures
    return time.perf_counter() - start


def pages(wiki: Path) -> list[Page]:
    out = []
    for folder in KNOWLEDGE:
        for path in sorted((wiki / folder).glob("*.md")):
            meta = parse_page(path.read_text(encoding="utf-8")).frontmatter
            title = str(meta.get("title", path.stem))
            names = {normalize_name(n) for n in (title, *[str(a) for a in meta.get("aliases") or []])}
            out.append(Page(path.stem, title, frozenset(names)))
    return out


def score(wiki: Path, gold_file: Path, seconds: float = 0.0) -> Score:
    gold = tomllib.loads(gold_file.read_text(encoding="utf-8"))
    expected = {t: {normalize_name(n) for n in (t, *v)} for t, v in gold["expected"].items()}
    acceptable = {normalize_name(n) for n in gold["acceptable"]["names"]}
    listed = pages(wiki)
    by_topic: dict[str, list[str]] = {t: [] for t in expected}
    junk, common = [], []
    for page in listed:
        topics = [t for t, names in expected.items() if _named(page, names)]
        for topic in topics:
            by_topic[topic].append(page.slug)
        if not topics and not page.names & acceptable:
            junk.append(page.slug)
            if " " not in page.title and page.title.isalpha() and page.title[1:].islower():
                common.append(page.slug)
    return Score(
        len(listed),
        tuple(t for t, p in by_topic.items() if p),
        tuple(t for t, p in by_topic.items() if not p),
        tuple(junk),
        tuple(common),
        tuple(tuple(p) for p in by_topic.values() if len(p) > 1),
        seconds,
    )


def _named(page: Page, names: set[str]) -> bool:
    """The page's title is one of the names — or, for a page titled otherwise, one of its aliases is."""
    return normalize_name(page.title) in names or bool(page.names & names)


def score_corpus(raw: Path, gold_file: Path) -> Score:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kb"
        seconds = build(raw, root)
        return score(root / "wiki", gold_file, seconds)
