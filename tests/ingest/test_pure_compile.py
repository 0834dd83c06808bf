"""Issue 12: ingest is load → pure compile → apply. The page-building modules make no filesystem call."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kwiki.compile import Compiler
from kwiki.generated import generate
from kwiki.ingest import _notes
from kwiki.project import Paths
from kwiki.snapshot import WikiSnapshot, load_snapshot
from kwiki.state import State

from .conftest import TODAY, run, scripted_llm, source_text, write_raw

SRC = Path(__file__).resolve().parents[2] / "src" / "kwiki"
PAGE_BUILDERS = ("compile.py", "generated.py", "pages.py", "knowledge.py", "merge.py", "resolve.py", "notes.py")
FS_CALLS = {
    "open", "read_text", "read_bytes", "write_text", "write_bytes", "exists", "is_file", "is_dir", "is_symlink",
    "glob", "rglob", "iterdir", "stat", "lstat", "unlink", "mkdir", "rmdir", "rename", "replace", "touch",
    "resolve", "walk", "scandir", "listdir",
}
CORPUS = {
    "a.md": source_text("Alpha talk", mentions=("LLM OS | concept | | central", "Andrej Karpathy | entity"),
                        claims=("LLM OS | The LLM acts as the kernel of the system.",)),
    "b.md": source_text("Beta post", mentions=("LLM OS | concept", "Andrej Karpathy | entity"),
                        claims=("LLM OS | Context windows resemble working memory.",)),
}
FS_MODULES = {"os", "shutil", "sqlite3", "tempfile", "io", "glob", "kwiki.vault", "kwiki.discover", "kwiki.lock"}


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
            if isinstance(node, ast.ImportFrom) and node.module == "pathlib":
                found += [f"{module.name}:{node.lineno} Path" for a in node.names if a.name == "Path"]
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
    assert rendered == {rel for rel in snap.pages if rel.startswith(("sources/", "concepts/", "entities/"))}
    assert compiled.files() == {} and generated.files == {}
