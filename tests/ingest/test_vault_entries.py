"""Odd entries inside wiki/ and .kwiki/base/ never crash or hang a command, are named once, and are never overwritten.

A name ending in .md may be a folder, a FIFO, a symlink loop or a dangling link; a page may be saved as latin-1 or
have broken frontmatter; a base may be cut or not UTF-8. Each case runs ingest (which updates the page next to
the odd entry), lint, query and status through the library, bounded in time.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, TimeoutError
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kwiki import journal
from kwiki.cli import app
from kwiki.config import Config
from kwiki.doctor import doctor
from kwiki.errors import UsageError
from kwiki.journal import ChangeSet
from kwiki.lint.model import LintOptions, LintReport
from kwiki.lint.run import run_lint
from kwiki.mcp_server import Wiki
from kwiki.project import Paths
from kwiki.search import refresh_index, search
from kwiki.state import State
from kwiki.status import status_report

from .conftest import RawGuard, run, scripted_llm, source_text, write_raw

BOUND = 30.0  # seconds: far more than these runs need, far less than a hang
PAGE = "concepts/llm-os.md"
MENTION = "LLM OS | concept | | central"
LATIN1 = "Notes écrites à la main, café.\n".encode("latin-1")


def _bounded(call: Callable[[], Any], fifo: Path | None = None) -> Any:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(call)
    try:
        return future.result(timeout=BOUND)
    except TimeoutError:
        if fifo is not None:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # frees the blocked reader
        pytest.fail(f"still running after {BOUND} s (blocked on a vault entry)")
    finally:
        pool.shutdown(wait=False)


def _lint(project: Paths, options: LintOptions) -> LintReport:
    with State.open(project.state_db) as state:
        return run_lint(project, state, options)


def _first_run(project: Paths) -> None:
    claims = ("LLM OS | The LLM is a kernel.",)
    write_raw(project, {"one.md": source_text("One", mentions=(MENTION,), claims=claims)})
    assert run(project, scripted_llm()).ingested == ["one.md"]
    assert (project.wiki / PAGE).is_file()


def _second_source(project: Paths) -> None:
    """A new source about the same concept: the next ingest wants to update PAGE."""
    claims = ("LLM OS | Context windows are memory.",)
    write_raw(project, {"two.md": source_text("Two", mentions=(MENTION,), claims=claims)})


def _plant(project: Paths, case: str) -> Path:
    concepts = project.wiki / "concepts"
    target = {"folder": "x.md", "loop": "a.md", "dangling": "gone.md", "fifo": "y.md"}.get(case, "")
    if case == "folder":
        (concepts / target).mkdir()
    elif case == "loop":
        os.symlink(target, concepts / target)
    elif case == "dangling":
        os.symlink("nowhere.md", concepts / target)
    elif case == "fifo":
        os.mkfifo(concepts / target)
    return concepts / target


@pytest.mark.parametrize("case", ["folder", "loop", "dangling", "fifo"])
def test_an_entry_named_like_a_page_that_is_none_is_skipped_and_named_by_every_command(
    project: Paths, raw_guard: RawGuard, case: str
) -> None:
    _first_run(project)
    entry = _plant(project, case)
    _second_source(project)
    raw_guard.freeze(project)
    report = _bounded(lambda: run(project, scripted_llm()), entry)
    assert report.ingested == ["two.md"] and not report.failures
    assert "Context windows are memory." in (project.wiki / PAGE).read_text(encoding="utf-8")
    shown = f"wiki/concepts/{entry.name}"
    assert [o.path for o in report.odd] == [shown] and "not a page" in report.odd[0].problem
    lint = _bounded(lambda: _lint(project, LintOptions()), entry)
    assert [(f.id, f.path) for f in lint.findings if f.id == "entry-odd"] == [("entry-odd", shown)]
    assert _bounded(lambda: search(project, "kernel", 10), entry)
    _bounded(lambda: status_report(project, Config("extractive", "extractive"), {}), entry)
    assert entry.is_symlink() or entry.exists()  # left where it was


def test_a_latin1_page_kwiki_owns_is_read_but_never_overwritten(project: Paths, raw_guard: RawGuard) -> None:
    _first_run(project)
    page = project.wiki / PAGE
    human = page.read_bytes().replace(b"\n\n", b"\n\n" + LATIN1 + b"\n", 1)
    page.write_bytes(human)
    _second_source(project)
    raw_guard.freeze(project)
    report = run(project, scripted_llm())
    assert page.read_bytes() == human  # not replaced by a regenerated page, not re-encoded
    assert [o.path for o in report.odd] == [f"wiki/{PAGE}"]
    assert "not valid UTF-8" in report.odd[0].problem and "iconv" in report.odd[0].fix
    assert [(f.path, f.error.split(":")[0]) for f in report.failures] == [("two.md", f"wiki/{PAGE} was not updated")]
    page.write_bytes(human.replace(LATIN1, LATIN1.decode("latin-1").encode()))  # the user follows the fix
    again = run(project, scripted_llm())
    assert again.ingested == ["two.md"]
    text = page.read_text(encoding="utf-8")
    assert not again.odd and "café" in text and "Context windows are memory." in text


def test_a_latin1_page_is_linted_and_searched_with_replacement_characters(project: Paths) -> None:
    _first_run(project)
    (project.wiki / "concepts" / "notes.md").write_bytes(b"---\ntitle: Notes\n---\n\nKernel " + LATIN1)
    lint = _lint(project, LintOptions(fix=True))
    assert ("entry-odd", "wiki/concepts/notes.md") in {(f.id, f.path) for f in lint.findings}
    assert (project.wiki / "concepts" / "notes.md").read_bytes().endswith(LATIN1)  # --fix left it alone
    refresh_index(project)
    assert any(h.page == "concepts/notes.md" for h in search(project, "kernel", 10))


def test_a_page_with_broken_frontmatter_is_kept_whole_and_named(project: Paths) -> None:
    _first_run(project)
    page = project.wiki / PAGE
    broken = page.read_text(encoding="utf-8").replace("title: LLM OS", "title: [unclosed", 1) + "\nMy own line.\n"
    page.write_text(broken, encoding="utf-8")
    _second_source(project)
    report = run(project, scripted_llm())
    assert report.ingested == ["two.md"] and not report.failures
    assert "My own line." in page.read_text(encoding="utf-8") and "title: [unclosed" in page.read_text(encoding="utf-8")
    assert [o.path for o in report.odd] == [f"wiki/{PAGE}"] and "frontmatter" in report.odd[0].problem


@pytest.mark.parametrize("damage", ["latin1", "truncated"])
def test_a_damaged_base_is_named_and_the_page_on_disk_is_kept(project: Paths, damage: str) -> None:
    _first_run(project)
    base = project.base_dir / PAGE
    data = base.read_bytes()
    base.write_bytes(data[:40] + LATIN1 if damage == "latin1" else data[:9] + "é".encode()[:1])
    page = project.wiki / PAGE
    page.write_text(page.read_text(encoding="utf-8") + "\nMy own line.\n", encoding="utf-8")
    _second_source(project)
    report = run(project, scripted_llm())
    assert report.ingested == ["two.md"] and not report.failures
    assert "My own line." in page.read_text(encoding="utf-8")
    assert [o.path for o in report.odd] == [f".kwiki/base/{PAGE}"] and "UTF-8" in report.odd[0].problem
    assert base.read_text(encoding="utf-8").startswith("---\n")  # kwiki's own copy is replaced
    assert not run(project, scripted_llm()).odd


def test_the_cli_names_each_odd_entry_once_and_exits_zero(
    project: Paths, raw_guard: RawGuard, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    monkeypatch.setenv("KWIKI_PROVIDER", "extractive")
    write_raw(project, {"one.md": "# LLM OS\n\nThe LLM OS is a kernel. The LLM OS has memory.\n"})
    cli = CliRunner()
    assert cli.invoke(app, ["--project", str(project.root), "ingest"]).exit_code == 0
    fifo = project.wiki / "concepts" / "y.md"
    fifo.parent.mkdir(exist_ok=True)
    os.mkfifo(fifo)
    (project.wiki / "concepts" / "notes.md").write_bytes(b"# Notes\n\n" + LATIN1)
    write_raw(project, {"two.md": "# Two\n\nThe LLM OS again, with a scheduler.\n"})
    raw_guard.freeze(project)
    result = _bounded(lambda: cli.invoke(app, ["--project", str(project.root), "ingest"]), fifo)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("wiki/concepts/y.md: a named pipe (FIFO), not a page") == 1
    assert result.stderr.count("wiki/concepts/notes.md: not valid UTF-8") == 1 and "iconv" in result.stderr
    assert (project.wiki / "concepts" / "notes.md").read_bytes().endswith(LATIN1)
    lint = _bounded(lambda: cli.invoke(app, ["--project", str(project.root), "lint"]), fifo)
    assert lint.exit_code in (0, 1) and (lint.exception is None or isinstance(lint.exception, SystemExit))
    assert "wiki/concepts/y.md" in lint.output and "entry-odd" in lint.output


def test_doctor_names_odd_vault_entries_and_deletes_only_damaged_bases(project: Paths) -> None:
    _first_run(project)
    fifo = _plant(project, "fifo")
    (project.wiki / "concepts" / "notes.md").write_bytes(b"# Notes\n\n" + LATIN1)
    base = project.base_dir / PAGE
    base.write_bytes(LATIN1)
    report = _bounded(lambda: doctor(project), fifo)
    found = {f.check: f for f in report.findings}
    assert not report.healthy
    assert "wiki/concepts/notes.md: not valid UTF-8" in found["vault"].message
    assert "wiki/concepts/y.md: a named pipe (FIFO), not a page" in found["vault"].message
    assert "iconv" in found["vault"].fix and f".kwiki/base/{PAGE}: not valid UTF-8" in found["bases"].message
    fixed = _bounded(lambda: doctor(project, fix=True), fifo)
    assert (
        not base.exists() and fifo.exists() and (project.wiki / "concepts" / "notes.md").read_bytes().endswith(LATIN1)
    )
    assert {f.check: f.fixed for f in fixed.findings}["bases"] and not fixed.healthy  # the vault is the user's to fix


def test_a_dangling_link_where_kwiki_writes_its_bases_view_is_left_alone(project: Paths) -> None:
    (project.wiki / "bases").mkdir(parents=True)
    os.symlink("nowhere.base", project.wiki / "bases" / "knowledge.base")
    _first_run(project)
    assert os.readlink(project.wiki / "bases" / "knowledge.base") == "nowhere.base"


@pytest.mark.parametrize("case", ["folder", "loop", "fifo"])
def test_a_page_kwiki_owns_replaced_by_an_odd_entry_is_not_written_and_its_source_stays_pending(
    project: Paths, raw_guard: RawGuard, case: str
) -> None:
    _first_run(project)
    page = project.wiki / PAGE
    page.unlink()
    if case == "folder":
        page.mkdir()
    elif case == "loop":
        os.symlink(page.name, page)
    else:
        os.mkfifo(page)
    _second_source(project)
    raw_guard.freeze(project)
    report = _bounded(lambda: run(project, scripted_llm()), page if case == "fifo" else None)
    assert [f.path for f in report.failures] == ["two.md"] and "not a page" in report.failures[0].error
    assert [o.path for o in report.odd] == [f"wiki/{PAGE}"]
    assert page.is_symlink() or page.is_dir() or page.is_fifo()  # left as it was
    with State.open(project.state_db) as state:
        assert {r.path: r.status for r in state.sources()}["two.md"] == "failed"


def test_a_page_saved_as_latin1_after_a_crash_is_kept_by_the_journal_replay(project: Paths) -> None:
    _first_run(project)
    page = project.wiki / PAGE
    generated = page.read_text(encoding="utf-8")
    journal.record(project, ChangeSet(files={PAGE: generated + "\nkwiki's update\n"}))
    edited = page.read_bytes() + LATIN1
    page.write_bytes(edited)
    report = run(project, scripted_llm())
    assert page.read_bytes() == edited
    assert any(f"kept wiki/{PAGE} as it is: not valid UTF-8" in note for note in report.recovery_notes)


def test_ingest_json_lists_the_odd_entries(project: Paths, monkeypatch: pytest.MonkeyPatch, clean_env: None) -> None:
    monkeypatch.setenv("KWIKI_PROVIDER", "extractive")
    write_raw(project, {"one.md": "# LLM OS\n\nThe LLM OS is a kernel.\n"})
    (project.wiki / "concepts").mkdir()
    (project.wiki / "concepts" / "x.md").mkdir()
    result = CliRunner().invoke(app, ["--project", str(project.root), "ingest", "--json"])
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)["vault_entries"]
    assert entry == {"path": "wiki/concepts/x.md", "problem": "a folder, not a page", "fix": entry["fix"]}
    assert "rename the folder" in entry["fix"]


def test_mcp_reads_a_latin1_page_and_refuses_a_fifo_without_blocking(project: Paths) -> None:
    _first_run(project)
    fifo = _plant(project, "fifo")
    (project.wiki / "concepts" / "notes.md").write_bytes(b"# Notes\n\n" + LATIN1)
    wiki = Wiki(project, Config("extractive", "extractive"), {})
    assert "caf\ufffd" in wiki.read("notes")["body"]
    with pytest.raises(UsageError, match="named pipe"):
        _bounded(lambda: wiki.read("y"), fifo)


def test_a_page_replaced_by_a_fifo_after_a_crash_does_not_block_the_journal_replay(project: Paths) -> None:
    _first_run(project)
    page = project.wiki / PAGE
    journal.record(project, ChangeSet(files={PAGE: page.read_text(encoding="utf-8") + "\nkwiki's update\n"}))
    page.unlink()
    os.mkfifo(page)
    report = _bounded(lambda: run(project, scripted_llm()), page)
    assert page.is_fifo()
    assert any(f"kept wiki/{PAGE} as it is: a named pipe" in note for note in report.recovery_notes)


def _damage(rng: random.Random, project: Paths) -> tuple[dict[Path, bytes], list[Path]]:
    """Random odd entries in every knowledge folder and random damage to pages and bases; (held pages, FIFOs)."""
    held: dict[Path, bytes] = {}
    fifos: list[Path] = []
    for folder in ("concepts", "entities", "methods", "sources"):
        where = project.wiki / folder
        where.mkdir(exist_ok=True)
        kind = rng.choice(["folder", "loop", "dangling", "fifo", "none"])
        odd = where / f"odd-{kind}.md"
        if kind == "folder":
            odd.mkdir()
        elif kind in ("loop", "dangling"):
            os.symlink(odd.name if kind == "loop" else "nowhere.md", odd)
        elif kind == "fifo":
            os.mkfifo(odd)
            fifos.append(odd)
    for page in sorted(project.wiki.glob("*/*.md")):
        if page.is_file() and not page.is_symlink() and rng.random() < 0.4:
            damage = rng.choice(["latin1", "yaml", "cut"])
            data = page.read_bytes()
            data = {"latin1": data + LATIN1, "yaml": b"---\ntitle: [\n" + data, "cut": data[: len(data) // 2]}[damage]
            page.write_bytes(data)
            held.update({page: data} if damage == "latin1" else {})
    for base in sorted(project.base_dir.rglob("*.md")):
        if rng.random() < 0.3:
            base.write_bytes(rng.choice([LATIN1, base.read_bytes()[:5] + b"\xc3"]))
    return held, fifos


@pytest.mark.parametrize("seed", range(6))
def test_random_odd_entries_and_damage_never_crash_hang_or_overwrite(
    project: Paths, raw_guard: RawGuard, seed: int
) -> None:
    rng = random.Random(seed)
    names = [f"Idea {i} | {rng.choice(['concept', 'entity', 'method'])} | | central" for i in range(4)]
    write_raw(project, {f"s{i}.md": source_text(f"S{i}", mentions=(names[i],), claims=()) for i in range(4)})
    run(project, scripted_llm())
    held, fifos = _damage(rng, project)
    claims = tuple(f"{n.split(' | ')[0]} | It holds fact {seed}." for n in names)
    write_raw(project, {"more.md": source_text("More", mentions=tuple(names), claims=claims)})
    raw_guard.freeze(project)
    fifo = fifos[0] if fifos else None
    report = _bounded(lambda: run(project, scripted_llm()), fifo)
    assert {p.name for p in fifos} <= {Path(o.path).name for o in report.odd}
    assert all(page.read_bytes() == data for page, data in held.items())  # never overwritten
    _bounded(lambda: _lint(project, LintOptions(fix=True)), fifo)
    assert all(page.read_bytes() == data for page, data in held.items())
    _bounded(lambda: doctor(project, fix=True), fifo)
    assert all(f.is_fifo() for f in fifos)
