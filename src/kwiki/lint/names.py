"""File and folder names: ambiguous basenames, and names Obsidian, sync services or Windows refuse."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from kwiki.lint.model import Finding, finding
from kwiki.lint.snapshot import Vault
from kwiki.slugs import WINDOWS_RESERVED

_FORBIDDEN = re.compile(r'[#^\[\]|:*?"<>\\]')


def name_problem(name: str) -> str:
    """Why a file or folder name is refused ("" when it is fine)."""
    stem = name[:-3] if name.lower().endswith(".md") else name
    bad = sorted(set(_FORBIDDEN.findall(name)))
    if bad:
        return "contains " + " ".join(bad)
    if stem.split(".")[0].lower() in WINDOWS_RESERVED:
        return "is a reserved name on Windows"
    if stem != stem.rstrip(". "):
        return "ends with a dot or a space"
    return ""


def _names(paths: tuple[str, ...]) -> list[str]:
    """Every file and every folder (once) of the vault."""
    folders = {posixpath.dirname(p) for p in paths}
    every = {f for folder in folders for f in _ancestors(folder)}
    return sorted(every | set(paths))


def _ancestors(folder: str) -> list[str]:
    parts = folder.split("/") if folder else []
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def check(vault: Vault) -> Iterator[Finding]:
    for group in vault.files.basenames_clashing():
        for path in group[1:]:
            others = ", ".join(p for p in group if p != path)
            yield finding("name-clash", vault.wiki_path(path), 1, f"same name as {others} (ignoring case)")
    for path in _names(vault.files.paths):
        problem = name_problem(posixpath.basename(path))
        if problem:
            yield finding("name-invalid", vault.wiki_path(path), 1, f"the name '{posixpath.basename(path)}' {problem}")
