"""Odd entries in raw/ are skipped with a reason: they never stop a run, and nothing blocks on them."""

from __future__ import annotations

import json
import os
import socket
import stat
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor, TimeoutError
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.discover import discover, shown_name
from kwiki.ingest import IngestReport
from kwiki.lint.model import LintOptions, LintReport
from kwiki.lint.run import run_lint
from kwiki.project import Paths
from kwiki.state import State

from .conftest import RawGuard, log_entries, run, scripted_llm, source_text, wiki_pages, write_raw

BOUND = 30.0  # seconds: far more than these runs need, far less than a hang


def _run_bounded(paths: Paths, fifos: tuple[Path, ...] = ()) -> IngestReport:
    """Ingest in a thread; a run still going after BOUND fails the test (and its FIFOs get a writer to free it)."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(run, paths, scripted_llm())
    try:
        return future.result(timeout=BOUND)
    except TimeoutError:
        for fifo in fifos:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"ingest still running after {BOUND} s (blocked on a raw/ entry)")
    finally:
        pool.shutdown(wait=False)


def test_loops_dangling_links_fifos_and_sockets_are_skipped_without_blocking(
    project: Paths, raw_guard: RawGuard, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = project.raw
    write_raw(project, {"ok.md": source_text("A fine note")})
    os.symlink("b.md", raw / "a.md")
    os.symlink("a.md", raw / "b.md")
    os.symlink("self.md", raw / "self.md")
    os.symlink("nowhere.md", raw / "dangling.md")
    os.mkfifo(raw / "pipe.md")
    monkeypatch.chdir(raw)  # a socket path must be short
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("sock.md")
        raw_guard.freeze(project)
        report = _run_bounded(project, fifos=(raw / "pipe.md",))
        again = _run_bounded(project, fifos=(raw / "pipe.md",))
    skipped = {s.path: s.reason for s in report.skipped}
    assert report.ingested == ["ok.md"] and not report.failures
    assert "symlink loop" in skipped["a.md"] and "symlink loop" in skipped["b.md"]
    assert "symlink loop" in skipped["self.md"]
    assert "dangling symlink" in skipped["dangling.md"]
    assert "named pipe" in skipped["pipe.md"] and "socket" in skipped["sock.md"]
    assert again.unchanged == 1 and len(again.skipped) == len(report.skipped)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_node_is_skipped(project: Paths) -> None:
    os.mknod(project.raw / "null.md", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    found = discover(project.raw, [project.raw], {}, 5_000_000)
    assert [(s.path, s.reason) for s in found.skipped] == [("null.md", "character device, not a regular file")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_skipped(project: Paths) -> None:
    write_raw(project, {"locked.md": source_text("Locked")})
    (project.raw / "locked.md").chmod(0)
    try:
        found = discover(project.raw, [project.raw], {}, 5_000_000)
    finally:
        (project.raw / "locked.md").chmod(0o644)
    assert [s.path for s in found.skipped] == ["locked.md"] and "cannot be read" in found.skipped[0].reason


def test_an_explicit_target_that_is_a_symlink_loop_is_skipped_not_a_traceback(project: Paths) -> None:
    os.symlink("loop.md", project.raw / "loop.md")
    found = discover(project.raw, [project.raw / "loop.md"], {}, 5_000_000)
    assert "symlink loop" in found.skipped[0].reason


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be", "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_decoded_not_called_binary(
    project: Paths, raw_guard: RawGuard, encoding: str
) -> None:
    text = source_text("Notes in ünïcode", claims=("Zettel | Zettels hold one idea each.",))
    data = text.encode(encoding)
    if encoding.endswith("-be"):
        data = ("\ufeff" + text).encode(encoding)
    (project.raw / "wide.md").write_bytes(data)
    raw_guard.freeze(project)
    report = run(project, scripted_llm())
    assert report.ingested == ["wide.md"], report.skipped
    page = wiki_pages(project)["sources/notes-in-ünïcode.md"]
    assert "Zettels hold one idea each." in page


def test_names_with_control_or_bidi_characters_are_shown_escaped(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, {"two\nlines.md": source_text("Two lines"), "evil\u202egpj.md": source_text("Reversed")})
    os.mkfifo(project.raw / "odd\npipe.md")
    raw_guard.freeze(project)
    report = _run_bounded(project, fifos=(project.raw / "odd\npipe.md",))
    assert sorted(report.ingested) == ["evil\u202egpj.md", "two\nlines.md"]
    assert [s.shown for s in report.skipped] == ["odd\\npipe.md"]
    pages = wiki_pages(project)
    assert "> `raw/two\\nlines.md` · en" in pages["sources/two-lines.md"]
    assert "> `raw/evil\\u202egpj.md` · en" in pages["sources/reversed.md"]
    log = pages["log.md"]
    assert "- source: `raw/two\\nlines.md` (new)" in log and "raw/evil\\u202egpj.md" in log
    assert "\u202e" not in log and len(log_entries(project, "ingest")) == 2


def test_shown_name_escapes_only_what_is_unsafe() -> None:
    assert shown_name("日本語 ñ 😀 a‍b.md") == "日本語 ñ 😀 a‍b.md"  # letters, emoji and a joiner stay
    assert shown_name("a\tb\x1b[31m\u2028c\u2067.md") == "a\\tb\\x1b[31m\\u2028c\\u2067.md"
    assert shown_name(os.fsdecode(b"caf\xe9.md")) == "caf\\xe9.md"


def test_shown_name_escapes_exactly_the_unsafe_categories_and_bidi_controls() -> None:
    """Every code point: escaped when it is a control, separator or surrogate by Unicode's own categories, or
    a bidi control (the fast character class must agree with unicodedata, whatever Python's Unicode version)."""
    bidi = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        unsafe = char in bidi or unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")
        assert (shown_name(char) != char) == unsafe, hex(code)


def test_a_name_that_is_not_utf8_is_skipped_with_a_reason(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, {"ok.md": source_text("A fine note")})
    with open(os.path.join(os.fsencode(project.raw), b"caf\xe9.md"), "wb") as handle:
        handle.write(source_text("Latin name").encode())
    raw_guard.freeze(project)
    report = run(project, scripted_llm())
    assert report.ingested == ["ok.md"]
    assert [(s.shown, "UTF-8" in s.reason) for s in report.skipped] == [("caf\\xe9.md", True)]


def test_the_ingest_command_exits_0_and_prints_odd_names_escaped(
    project: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    replies = tmp_path / "replies"
    replies.mkdir()
    (replies / "extract.json").write_text(
        json.dumps(
            {"title": "Static", "date": "", "language": "en", "summary": "S.", "tags": [], "claims": [], "mentions": []}
        ),
        encoding="utf-8",
    )
    (replies / "overview.md").write_text("Overview.", encoding="utf-8")
    monkeypatch.setenv("KWIKI_PROVIDER", "fake")
    monkeypatch.setenv("KWIKI_FAKE_REPLIES", str(replies))
    write_raw(project, {"ok.md": source_text("Fine")})
    os.symlink("loop\n.md", project.raw / "loop\n.md")
    os.symlink("gone.md", project.raw / "evil\u202e.md")
    os.mkfifo(project.raw / "pipe.md")
    result = CliRunner().invoke(app, ["--project", str(project.root), "ingest"])
    assert result.exit_code == 0, result.output
    assert "skipped loop\\n.md: symlink loop" in result.stderr
    assert "skipped evil\\u202e.md: dangling symlink" in result.stderr and "\u202e" not in result.stderr
    assert "skipped pipe.md: named pipe (FIFO), not a regular file" in result.stderr


def test_lint_does_not_block_on_a_source_replaced_by_a_fifo_or_a_loop(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, {"a.md": source_text("Alpha"), "b.md": source_text("Beta")})
    run(project, scripted_llm())
    (project.raw / "a.md").unlink()
    os.mkfifo(project.raw / "a.md")
    (project.raw / "b.md").unlink()
    os.symlink("b.md", project.raw / "b.md")
    raw_guard.freeze(project)

    def lint() -> LintReport:
        with State.open(project.state_db) as state:
            return run_lint(project, state, LintOptions(today="2026-04-18"))

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(lint)
    try:
        report = future.result(timeout=BOUND)
    except TimeoutError:
        os.close(os.open(project.raw / "a.md", os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("lint blocked on a FIFO in raw/")
    finally:
        pool.shutdown(wait=False)
    stale = [f for f in report.findings if f.id == "stale-page"]
    assert {f.path for f in stale} == {"wiki/sources/alpha.md", "wiki/sources/beta.md"}, report.findings
