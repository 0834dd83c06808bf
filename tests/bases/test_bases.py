"""Obsidian Bases: kwiki's .base views parse, reference only properties its pages have, and are never overwritten."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingest.test_extractive import LUHMANN, MYTHS
from kwiki.bases import BASES, FOLDER, problems
from kwiki.ingest import IngestOptions, IngestReport, ingest
from kwiki.lint import LintOptions, run_lint
from kwiki.markdown import parse_page
from kwiki.offline import ExtractiveLLM
from kwiki.project import Paths

FILE_PROPERTIES = {"name", "basename", "path", "folder", "ext", "size", "ctime", "mtime", "tags", "links", "file"}
FUNCTIONS_AND_WORDS = {"if", "list", "today", "now", "date", "link", "file", "formula", "note", "this", "true", "false"}
_STRING = re.compile(r'"[^"]*"|\'[^\']*\'')
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(\.\w+)?(?!\w*\()")


@pytest.fixture
def compiled(tmp_path: Path) -> Paths:
    paths = Paths(tmp_path / "kb")
    (paths.raw / "2025").mkdir(parents=True)
    (paths.root / "kwiki.toml").write_text("", encoding="utf-8")
    (paths.raw / "2025/luhmann.md").write_text(LUHMANN, encoding="utf-8")
    (paths.raw / "2025/myths.md").write_text(MYTHS, encoding="utf-8")
    run(paths)
    return paths


def run(paths: Paths) -> IngestReport:
    return ingest(paths, ExtractiveLLM(), IngestOptions(today="2026-11-21", provider="extractive"))


def frontmatter_keys(wiki: Path) -> set[str]:
    return {key for page in wiki.rglob("*.md") for key in parse_page(page.read_text(encoding="utf-8")).frontmatter}


def expression_names(expression: str) -> set[str]:
    """Property names an expression reads: `file.x`, `formula.x`, `note.x` or a bare frontmatter key."""
    names = set()
    for head, tail in _NAME.findall(_STRING.sub('""', expression)):
        if head in ("file", "formula", "note") and tail:
            names.add(head + tail)
        elif head not in FUNCTIONS_AND_WORDS:
            names.add(head)
    return names


def filter_expressions(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [e for items in node.values() for item in items for e in filter_expressions(item)]
    return []


def view_references(data: dict[str, Any]) -> set[str]:
    refs: set[str] = set(data.get("properties", {}))
    for expression in [*filter_expressions(data.get("filters")), *data.get("formulas", {}).values()]:
        refs |= expression_names(expression)
    for view in data["views"]:
        refs |= set(view.get("order", [])) | {s["property"] for s in view.get("sort", [])}
        refs |= {view["groupBy"]["property"]} if "groupBy" in view else set()
        for expression in filter_expressions(view.get("filters")):
            refs |= expression_names(expression)
    return refs


def test_ingest_writes_bases_that_lint_accepts(compiled: Paths) -> None:
    for name in BASES:
        text = (compiled.wiki / FOLDER / name).read_text(encoding="utf-8")
        assert problems(text) == []
        data = yaml.safe_load(text)
        assert {v["type"] for v in data["views"]} == {"table", "cards"}
    with_state = run_lint(compiled, None, LintOptions())
    assert not [f for f in with_state.findings if f.id == "base-invalid"]


def test_every_view_references_properties_the_pages_have(compiled: Paths) -> None:
    keys = frontmatter_keys(compiled.wiki)
    assert {"type", "sources", "updated", "date", "summary"} <= keys
    for name in BASES:
        data = yaml.safe_load((compiled.wiki / FOLDER / name).read_text(encoding="utf-8"))
        for ref in view_references(data):
            kind, _, rest = ref.partition(".")
            if kind == "formula" and rest:
                assert rest in data["formulas"], ref
            elif kind == "file" and rest:
                assert rest in FILE_PROPERTIES, ref
            else:
                assert ref.removeprefix("note.") in keys, f"{name}: {ref} is on no page"


def test_a_users_edit_is_never_overwritten_and_a_deleted_base_comes_back(compiled: Paths) -> None:
    base = compiled.wiki / FOLDER / "knowledge.base"
    base.write_text("views:\n  - type: table\n    name: Mine\n", encoding="utf-8")
    (compiled.raw / "2025/more.md").write_text(LUHMANN.replace("four decades", "forty years"), encoding="utf-8")
    assert run(compiled).ingested == ["2025/more.md"]
    assert base.read_text(encoding="utf-8") == "views:\n  - type: table\n    name: Mine\n"
    base.unlink()
    (compiled.raw / "2025/more.md").write_text(LUHMANN.replace("four decades", "many years"), encoding="utf-8")
    run(compiled)
    assert "Knowledge by number of sources" in base.read_text(encoding="utf-8")


def test_problems_name_the_line_and_the_mistake() -> None:
    assert problems("views:\n  - type: table\n    order: [oops\n")[0][1].startswith("not valid YAML")
    wrong_type = "view 1 has type 'chart', not one of cards, kanban, list, map, table"
    assert problems("views:\n  - type: chart\n") == [(2, wrong_type)]
    assert problems("filters:\n  any: [x]\n")[0][1].startswith("filters: a filter is an expression")
    assert problems("colour: red\n") == [(1, "unknown top-level key 'colour'")]
    assert problems("") == []
