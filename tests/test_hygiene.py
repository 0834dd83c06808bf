"""Hygiene: dependencies are the imports; the documents docstrings cite are in the repository."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_modules() -> set[str]:
    found = set()
    for file in (ROOT / "src" / "kwiki").rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in ("kwiki", "__future__")}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower() for spec in project["dependencies"]}


def test_every_import_is_declared_and_every_dependency_is_imported() -> None:
    dists = packages_distributions()
    imported = {dists[m][0].lower() for m in _imported_modules()}
    assert imported == _declared()


def test_documents_cited_in_docstrings_exist() -> None:
    cited = {
        match
        for file in (ROOT / "src" / "kwiki").rglob("*.py")
        for match in re.findall(r"\b((?:docs/)?[\w-]+\.md) §", file.read_text(encoding="utf-8"))
    }
    assert cited and all((ROOT / name).is_file() for name in cited), cited
    assert not [f for f in (ROOT / "src").rglob("*.py") if "DESIGN §" in f.read_text(encoding="utf-8")]
