"""Fixture projects for lint: a clean wiki, and the same wiki with one planted instance of every check."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest

from kwiki.index import LogEntry, append_log, build_index, scan_pages
from kwiki.markdown import dump_page
from kwiki.project import Paths
from kwiki.state import ContradictionRecord, SourceRecord, State

DAY = dt.date(2026, 4, 18)
WORDS = "This paragraph carries enough plain words to count as real prose for the empty page check here."
RAW = {
    "2026/a.md": "# A\n\nSource A says rewards shape policies. See https://example.org/paper for details.\n",
    "2026/b.md": "# B\n\nSource B says verification comes first.\n",
    "2026/c.md": "# C\n\nSource C says models are jagged.\n",
}


def page(front: dict[str, Any], body: str) -> str:
    return dump_page(front, body)


def knowledge(title: str, kind: str, sources: list[str], body: str, **extra: Any) -> str:
    front = {
        "title": title,
        "type": kind,
        "summary": f"About {title}.",
        "aliases": extra.pop("aliases", []),
        "tags": extra.pop("tags", [kind]),
        "sources": sources,
        "created": DAY,
        "updated": DAY,
        **extra,
    }
    return page(front, f"# {title}\n\n{body}")


def source(title: str, raw: str, body: str) -> str:
    front = {
        "title": title,
        "type": "source",
        "summary": f"Summary of {title}.",
        "aliases": [],
        "tags": ["source"],
        "sources": [raw],
        "created": DAY,
        "updated": DAY,
    }
    return page(front, f"# {title}\n\n{WORDS}\n\n{body}")


def clean_pages() -> dict[str, str]:
    return {
        "sources/source-a.md": source("Source A", "2026/a.md", "It links [[alpha]]. See https://example.org/paper"),
        "sources/source-b.md": source("Source B", "2026/b.md", "It links [[beta]]."),
        "sources/source-c.md": source("Source C", "2026/c.md", "It links [[gamma]]."),
        "concepts/alpha.md": knowledge(
            "Alpha",
            "concept",
            ["2026/a.md", "2026/b.md"],
            f"{WORDS} Rewards shape policies [[source-a]].\n\n## Details\n\nSee [[beta]] and [[gamma]].\n\n"
            "## Sources\n- [[source-a]]\n- [[source-b]]",
            aliases=["first letter"],
        ),
        "concepts/beta.md": knowledge(
            "Beta",
            "concept",
            ["2026/b.md", "2026/c.md"],
            f"{WORDS} Verification comes first [[source-b]].\n\n## Related\n- [[alpha]] · [[alpha#Details|details]]\n\n"
            "## Sources\n- [[source-b]]\n- [[source-c]]",
        ),
        "entities/gamma.md": knowledge(
            "Gamma",
            "entity",
            ["2026/a.md", "2026/c.md"],
            f"{WORDS} Models are jagged [[source-c]].\n\n## Related\n- [[alpha]]\n\n## Sources\n- [[source-c]]",
        ),
        "answers/what-is-alpha.md": page(
            {"title": "What is alpha?", "type": "answer", "cites": ["[[alpha]]"], "created": DAY, "updated": DAY},
            f"# What is alpha?\n\n{WORDS} [[alpha]]",
        ),
    }


def write_project(root: Path, pages: dict[str, str], raw: dict[str, str]) -> Paths:
    paths = Paths(root)
    (root / "kwiki.toml").write_text("")
    for rel, text in raw.items():
        (paths.raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (paths.raw / rel).write_text(text, encoding="utf-8")
    for rel, text in pages.items():
        (paths.wiki / rel).parent.mkdir(parents=True, exist_ok=True)
        (paths.wiki / rel).write_text(text, encoding="utf-8")
    for rel, text in build_index(scan_pages(paths.wiki)).items():
        (paths.wiki / rel).write_text(text, encoding="utf-8")
    log = append_log(None, [LogEntry("2026-04-18", "ingest", "Source A", ("- [[source-a]]",))])
    (paths.wiki / "log.md").write_text(log, encoding="utf-8")
    return paths


def record(paths: Paths, rel: str, pages: tuple[str, ...], status: str = "done", error: str = "") -> SourceRecord:
    stat = (paths.raw / rel).stat()
    sha = hashlib.sha256((paths.raw / rel).read_bytes()).hexdigest()
    return SourceRecord(rel, sha, stat.st_size, stat.st_mtime_ns, "key", status, error, pages)


def ingest_state(paths: Paths, records: list[SourceRecord], contradictions: list[ContradictionRecord]) -> None:
    with State.open(paths.state_db) as state, state.transaction():
        for item in records:
            state.put_source(item)
        state.add_contradictions(contradictions)


def source_records(paths: Paths) -> list[SourceRecord]:
    return [record(paths, f"2026/{x}.md", (f"sources/source-{x}.md",)) for x in "abc"]


@pytest.fixture
def clean_project(tmp_path: Path) -> Paths:
    paths = write_project(tmp_path, clean_pages(), RAW)
    ingest_state(paths, source_records(paths), [])
    return paths


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()
