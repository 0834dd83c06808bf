"""Issue 12: ingest is load → pure compile → apply. The page-building modules make no filesystem call."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from kwiki.compile import Compiler
from kwiki.generated import generate
from kwiki.ingest import _notes
from kwiki.project import Paths
from kwiki.snapshot import WikiSnapshot, load_snapshot
from kwiki.state import State

from .conftest import TODAY, mtimes, run, scripted_llm, source_text, wiki_pages, write_raw

SRC = Path(__file__).resolve().parents[2] / "src" / "kwiki"
PAGE_BUILDERS = (
    "compile.py",
    "generated.py",
    "pages.py",
    "knowledge.py",
    "merge.py",
    "resolve.py",
    "notes.py",
    "contradictions.py",
    "vocabulary.py",
)
FS_CALLS = {
    "open",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "exists",
    "is_file",
    "is_dir",
    "is_symlink",
    "glob",
    "rglob",
    "iterdir",
    "stat",
    "lstat",
    "unlink",
    "mkdir",
    "rmdir",
    "rename",
    "replace",
    "touch",
    "resolve",
    "walk",
    "scandir",
    "listdir",
}
CORPUS = {
    "a.md": source_text(
        "Alpha talk",
        mentions=("LLM OS | concept | | central", "Andrej Karpathy | entity", "RLVR | method"),
        claims=("LLM OS | The LLM acts as the kernel of the system.",),
    ),
    "b.md": source_text(
        "Beta post",
        mentions=("LLM OS | concept", "Andrej Karpathy | entity", "RLVR | method"),
        claims=("LLM OS | Context windows resemble working memory.",),
    ),
}
KNOWLEDGE_AND_SOURCES = ("sources", "concepts", "entities", "methods")
FS_MODULES = {"os", "shutil", "sqlite3", "tempfile", "io", "glob", "kwiki.vault", "kwiki.lock", "kwiki.search"}
# our own functions that read or write files
FS_FUNCTIONS = {"read_source", "discover", "load_snapshot", "load_vault", "scan_pages", "index_changes", "write_index"}


def _filesystem_uses(module: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            bare = isinstance(func, ast.Name) and func.id == "open"
            # str.replace is the one name shared with Path's API; a call with two arguments is the string method
            method = isinstance(func, ast.Attribute) and func.attr in FS_CALLS
            if bare or (method and not (func.attr == "replace" and len(node.args) == 2)):
                found.append(f"{module.name}:{node.lineno} {ast.unparse(func)}()")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{module.name}:{node.lineno} import {n}" for n in names if n in FS_MODULES]
            if isinstance(node, ast.ImportFrom):
                banned = {"Path"} if node.module == "pathlib" else FS_FUNCTIONS
                found += [f"{module.name}:{node.lineno} {a.name}" for a in node.names if a.name in banned]
    return found


@pytest.mark.parametrize("name", PAGE_BUILDERS)
def test_page_building_modules_make_no_filesystem_call(name: str) -> None:
    assert _filesystem_uses(SRC / name) == []


def test_compiling_an_in_memory_snapshot_gives_the_run_that_ingest_applied(project: Paths, tmp_path: Path) -> None:
    """Compile again from plain dicts after the project is gone: the same pages, so nothing was read from disk."""
    write_raw(project, CORPUS)
    run(project, scripted_llm())
    # what the next run would see, copied into memory; then the project is removed
    with State.open(project.state_db) as state:
        loaded = load_snapshot(project, state)
        snap = WikiSnapshot(
            pages=dict(loaded.pages),
            bases=dict(loaded.bases),
            raw={p: loaded.raw[p] for p in loaded.sources},
            records=dict(loaded.records),
            sources=dict(loaded.sources),
            contradictions=loaded.contradictions,
            schema=loaded.schema,
        )
    for file in sorted(project.root.rglob("*"), reverse=True):
        file.unlink() if file.is_file() else file.rmdir()
    project.root.rmdir()

    notes = _notes(snap.sources, exclude=set())
    llm = scripted_llm()
    compiled = Compiler(snap, notes, changed=set(notes), today=TODAY).compile(llm, 2, (), None)
    generated = generate(snap, llm, compiled, [], len(notes), TODAY)

    assert not project.root.exists()
    assert compiled.page_failures == () and not llm.requests
    # every page was rendered again, and each came out exactly as it is on disk: nothing to change
    rendered = {s.rel for s in compiled.staged if s.record is not None}
    assert rendered == {rel for rel in snap.pages if rel.split("/")[0] in KNOWLEDGE_AND_SOURCES}
    assert compiled.files() == {} and generated.files == {}


def _as_an_older_kwiki_wrote_it(paths: Paths) -> set[str]:
    """Pages and bases in another format (other heading, other separator), with that version's digests in state."""
    old_format = set()
    for root in (paths.wiki, paths.base_dir):
        for file in root.rglob("*.md"):
            text = file.read_text(encoding="utf-8")
            older = text.replace("## Key claims", "## Claims").replace(" · [[", " • [[")
            if older != text:
                file.write_text(older, encoding="utf-8")
                old_format.add(file.relative_to(root).as_posix())
    with State.open(paths.state_db) as state, state.transaction():
        for record in state.pages():
            if record.kind == "source":
                state.put_page(dataclasses.replace(record, input_hash="rendered-by-an-older-kwiki"))
        state.put_meta("render_digest", "an-older-kwiki")
    return old_format


def test_a_new_page_format_reaches_every_page_without_a_model_call(project: Paths) -> None:
    write_raw(project, CORPUS)
    run(project, scripted_llm())
    current = wiki_pages(project)
    old_format = _as_an_older_kwiki_wrote_it(project)
    assert {"sources/alpha-talk.md", "sources/beta-post.md", "entities/andrej-karpathy.md"} <= old_format
    before = mtimes(project)

    llm = scripted_llm()
    report = run(project, llm)

    assert llm.requests == []  # re-rendered from stored notes and bases
    assert wiki_pages(project) == current
    after = mtimes(project)
    touched = {rel.removeprefix("wiki/").removeprefix(".kwiki/base/") for rel in after if after[rel] != before[rel]}
    assert touched - {".kwiki/search.sqlite"} == old_format  # the search index follows the pages
    assert sorted(report.updated) == sorted(old_format)


def test_an_unchanged_page_format_does_not_trigger_a_run(project: Paths) -> None:
    write_raw(project, CORPUS)
    run(project, scripted_llm())
    before = mtimes(project)
    llm = scripted_llm()
    run(project, llm)
    assert llm.requests == [] and mtimes(project) == before
