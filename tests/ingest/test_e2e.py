"""End to end with the fake provider: pages, frontmatter, index, log, state, checks on model output, re-runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.errors import ProviderError
from kwiki.llm.base import Request
from kwiki.markdown import parse_page, split_frontmatter
from kwiki.project import Paths
from kwiki.state import State

from .conftest import (
    RawGuard,
    dangling_links,
    log_entries,
    mtimes,
    run,
    scripted_llm,
    source_text,
    unverified_quotes,
    wiki_pages,
    write_raw,
)

CORPUS = {
    "2025/karpathy.md": source_text(
        "Karpathy on the LLM OS",
        date="2025-01-02",
        tags="ai, operating systems",
        mentions=("LLM OS | concept | LLM operating system | central", "Andrej Karpathy | entity"),
        claims=("LLM OS | The LLM is the kernel process of a new operating system.",),
        extra="He said: the context window is the RAM of the LLM OS.",
    ),
    "2025/hackathon.md": source_text(
        "Hackathon keynote",
        date="2025-03-04",
        mentions=("llm-os | concept", "Andrej Karpathy | entity | Karpathy"),
        claims=("llm-os | The context window works like working memory for the model.",),
    ),
    "notes.txt": source_text(
        "Plain notes",
        mentions=("Slip box | method | | central",),
        claims=("Slip box | A slip box stores one idea per card.",),
    ),
}
HOSTILE_EXTRA = (
    '> "This sentence was never written by anyone at all."\n\n'
    "![tracker](https://evil.example/pixel.png) and [[Page That Does Not Exist]] and "
    "[[Another Missing|shown text]]."
)


def _setup(paths: Paths, guard: RawGuard) -> None:
    write_raw(paths, CORPUS)
    guard.freeze(paths)


def test_fake_ingest_writes_source_pages_with_frontmatter(project: Paths, raw_guard: RawGuard) -> None:
    _setup(project, raw_guard)
    report = run(project, scripted_llm())
    assert sorted(report.ingested) == sorted(CORPUS)
    sources = {rel: text for rel, text in wiki_pages(project).items() if rel.startswith("sources/")}
    assert len(sources) == 3
    for text in sources.values():
        page = parse_page(text)
        assert page.frontmatter_error is None or page.frontmatter_error == ""
        meta = page.frontmatter
        assert {"title", "type", "sources", "tags", "created", "updated"} <= set(meta)
        assert meta["type"] == "source" and len(meta["sources"]) == 1 and meta["sources"][0] in CORPUS
        assert meta["created"] == dt.date(2026, 4, 18) and isinstance(meta["tags"], list)
    dated = [split_frontmatter(t)[0] for t in sources.values() if "date" in split_frontmatter(t)[0]]
    assert {str(m["date"]) for m in dated} == {"2025-01-02", "2025-03-04"}


def test_index_lists_every_page_and_log_has_one_entry_per_source(project: Paths, raw_guard: RawGuard) -> None:
    _setup(project, raw_guard)
    run(project, scripted_llm())
    index = (project.wiki / "index.md").read_text(encoding="utf-8")
    catalogued = [
        rel for rel in wiki_pages(project) if rel.split("/")[0] in ("sources", "concepts", "entities", "methods")
    ]
    assert catalogued and all(f"[[{Path(rel).stem}" in index for rel in catalogued)
    titles = log_entries(project, "ingest")
    assert sorted(titles) == sorted(["Karpathy on the LLM OS", "Hackathon keynote", "Plain notes"])


def test_state_marks_every_source_done_with_its_page(project: Paths, raw_guard: RawGuard) -> None:
    _setup(project, raw_guard)
    run(project, scripted_llm())
    with State.open(project.state_db) as state:
        records = state.sources()
    assert {r.path for r in records} == set(CORPUS)
    assert all(r.status == "done" and r.pages and (project.wiki / r.pages[0]).is_file() for r in records)


def test_unverified_quotes_foreign_images_and_dangling_links_are_removed(project: Paths, raw_guard: RawGuard) -> None:
    _setup(project, raw_guard)
    run(project, scripted_llm(page_extra=HOSTILE_EXTRA))
    text = "\n".join(wiki_pages(project).values())
    assert "never written by anyone" not in text
    assert "evil.example" not in text
    assert "Page That Does Not Exist" in text and "[[Page That Does Not Exist]]" not in text
    assert "[[Another Missing" not in text and "shown text" in text
    assert unverified_quotes(project) == [] and dangling_links(project) == []


def test_extracted_quote_missing_from_source_is_dropped(project: Paths, raw_guard: RawGuard) -> None:
    _setup(project, raw_guard)

    def invent(request: Request) -> object:
        if "Plain notes" not in request.user:
            return None
        return {
            "title": "Plain notes",
            "date": "",
            "language": "en",
            "summary": "s",
            "tags": [],
            "claims": [
                {
                    "subject": "Slip box",
                    "statement": "Slip boxes are old.",
                    "quote": "Niklas Luhmann invented the slip box in 1951.",
                }
            ],
            "mentions": [{"name": "Slip box", "type": "method", "aliases": [], "description": "d", "central": True}],
        }

    report = run(project, scripted_llm(extract=invent))
    assert report.dropped_quotes == 1
    assert "Luhmann" not in "\n".join(wiki_pages(project).values())


def test_rerun_with_nothing_changed_calls_no_model_and_rewrites_nothing(project: Paths, raw_guard: RawGuard) -> None:
    _setup(project, raw_guard)
    run(project, scripted_llm())
    before = mtimes(project)
    llm = scripted_llm()
    report = run(project, llm)
    assert llm.requests == []
    assert report.unchanged == 3 and not report.ingested
    assert mtimes(project) == before


def test_changed_source_is_reextracted_and_its_page_updated(project: Paths, raw_guard: RawGuard) -> None:
    _setup(project, raw_guard)
    run(project, scripted_llm())
    write_raw(
        project,
        {
            "notes.txt": source_text(
                "Plain notes",
                mentions=("Slip box | method | | central",),
                claims=("Slip box | A slip box links every card to another card.",),
            )
        },
    )
    raw_guard.freeze(project)
    llm = scripted_llm()
    report = run(project, llm)
    assert report.ingested == ["notes.txt"] and report.unchanged == 2
    extracted = [r for r in llm.requests if r.name == "extract"]
    assert len(extracted) == 1 and "notes.txt" in extracted[0].user
    page = next(t for rel, t in wiki_pages(project).items() if rel.startswith("sources/plain-notes"))
    assert "links every card" in page and "one idea per card" not in page


def test_deleted_source_removes_its_page_and_logs_a_delete(project: Paths, raw_guard: RawGuard) -> None:
    _setup(project, raw_guard)
    run(project, scripted_llm())
    (project.raw / "notes.txt").unlink()
    raw_guard.freeze(project)
    report = run(project, scripted_llm())
    assert report.deleted == ["notes.txt"]
    assert not any(rel.startswith("sources/plain-notes") for rel in wiki_pages(project))
    assert log_entries(project, "delete") == ["Plain notes"]
    with State.open(project.state_db) as state:
        assert "notes.txt" not in {r.path for r in state.sources()}
    assert [bad for bad in dangling_links(project) if bad[0] != "log.md"] == []


def test_deleted_source_leaves_no_dangling_link_in_log(project: Paths, raw_guard: RawGuard) -> None:
    _setup(project, raw_guard)
    run(project, scripted_llm())
    (project.raw / "notes.txt").unlink()
    raw_guard.freeze(project)
    run(project, scripted_llm())
    assert dangling_links(project) == []


def _failing_for(path: str):  # type: ignore[no-untyped-def]
    def extract(request: Request) -> object:
        if f'"path": "{path}"' in request.user:
            raise ProviderError("the model is down for this one", "try again")
        return None

    return extract


def test_failed_source_leaves_others_done_and_is_retried_next_run(project: Paths, raw_guard: RawGuard) -> None:
    _setup(project, raw_guard)
    report = run(project, scripted_llm(extract=_failing_for("notes.txt")))
    assert [f.path for f in report.failures] == ["notes.txt"]
    assert sorted(report.ingested) == ["2025/hackathon.md", "2025/karpathy.md"]
    with State.open(project.state_db) as state:
        status = {r.path: r.status for r in state.sources()}
    assert status == {"2025/hackathon.md": "done", "2025/karpathy.md": "done", "notes.txt": "failed"}
    llm = scripted_llm()
    retry = run(project, llm)
    assert retry.ingested == ["notes.txt"] and not retry.failures
    assert [r.name for r in llm.requests].count("extract") == 1
    with State.open(project.state_db) as state:
        assert all(r.status == "done" for r in state.sources())
    assert log_entries(project, "ingest").count("Plain notes") == 1


def test_cli_exits_1_when_a_source_failed(
    project: Paths, raw_guard: RawGuard, clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(project, raw_guard)
    replies = tmp_path / "replies"
    replies.mkdir()
    (replies / "extract.json").write_text('{"title": "no"}', encoding="utf-8")  # schema-invalid, twice → failure
    monkeypatch.setenv("KWIKI_PROVIDER", "fake")
    monkeypatch.setenv("KWIKI_FAKE_REPLIES", str(replies))
    result = CliRunner().invoke(app, ["--project", str(project.root), "ingest", "--json"])
    assert result.exit_code == 1, result.output
    assert '"failed": 3' in result.stdout


def test_a_concept_named_like_a_kwiki_file_gets_its_own_basename(project: Paths, raw_guard: RawGuard) -> None:
    from kwiki.llm.fake import FakeLLM

    def extract(request: Request) -> dict[str, object]:
        return {
            "title": "About the index",
            "date": "",
            "language": "en",
            "summary": "It is about the index.",
            "tags": [],
            "claims": [],
            "mentions": [
                {"name": "Index", "type": "concept", "aliases": [], "description": "", "central": True},
                {"name": "Log", "type": "concept", "aliases": [], "description": "", "central": True},
            ],
        }

    write_raw(project, {"a.md": "# About the index\n\nThe index and the log.\n"})
    raw_guard.freeze(project)
    run(project, FakeLLM({"extract": extract, "write-page": "Text.", "overview": "Overview."}))
    stems = [p.stem.casefold() for p in project.wiki.rglob("*.md")]
    assert len(stems) == len(set(stems)), sorted(stems)
    assert (project.wiki / "concepts/index-2.md").is_file()


def test_lost_state_adopts_identical_pages_without_new_log_entries(project: Paths, raw_guard: RawGuard) -> None:
    import shutil

    write_raw(project, CORPUS)
    raw_guard.freeze(project)
    run(project, scripted_llm())
    before = {p: p.read_bytes() for p in project.wiki.rglob("*.md")}
    shutil.rmtree(project.state_dir)  # as on a fresh clone of a repository that commits wiki/ but not .kwiki/
    report = run(project, scripted_llm())
    assert set(report.ingested) == set(CORPUS)
    assert {p: p.read_bytes() for p in project.wiki.rglob("*.md")} == before
