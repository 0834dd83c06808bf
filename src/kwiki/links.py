"""Link resolution as Obsidian does it: exact vault path, then the linking note's folder, then shortest path.

Matching is case-insensitive, `.md` is optional, and aliases never take part (Obsidian leaves `[[alias]]`
unresolved). Markdown link targets arrive percent-decoded from `kwiki.markdown` and resolve the same way.
"""

from __future__ import annotations

import os
import posixpath
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

MD = ".md"


def _key(path: str) -> str:
    # Obsidian compares with JavaScript's toLowerCase, which str.lower matches closer than casefold
    return path.lower()


class VaultIndex:
    """Every file of a vault by lowercased path and by lowercased file name, for O(1) link resolution."""

    def __init__(self, rel_paths: Iterable[str]) -> None:
        self.paths: tuple[str, ...] = tuple(sorted(set(rel_paths)))
        self._by_path: dict[str, str] = {_key(p): p for p in self.paths}
        by_name: dict[str, list[str]] = defaultdict(list)
        for path in self.paths:
            by_name[_key(posixpath.basename(path))].append(path)
        # shortest path string first: that is the one Obsidian picks among same-named files
        self._by_name = {name: sorted(found, key=lambda p: (len(p), p)) for name, found in by_name.items()}
        self._memo: dict[tuple[str, str], str | None] = {}  # a vault links the same targets many times

    @classmethod
    def scan(cls, wiki_root: Path) -> VaultIndex:
        """Every file under wiki_root except hidden ones and those in hidden folders (.obsidian, .trash)."""
        found: list[str] = []
        root = str(wiki_root)
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = os.path.relpath(folder, root).replace(os.sep, "/")
            prefix = "" if rel == "." else rel + "/"
            found.extend(prefix + name for name in files if not name.startswith("."))
        return cls(found)

    @classmethod
    def from_paths(cls, rel_paths: Iterable[str]) -> VaultIndex:
        return cls(rel_paths)

    def __contains__(self, rel_path: object) -> bool:
        return isinstance(rel_path, str) and _key(rel_path) in self._by_path

    def resolve(self, target: str, from_path: str) -> str | None:
        """The wiki-relative path a link from `from_path` opens, or None when Obsidian finds nothing."""
        target = target.partition("#")[0].strip()
        if not target:
            return from_path if from_path in self else None
        folder = from_path.rpartition("/")[0]
        key = (target, folder)
        if key not in self._memo:
            self._memo[key] = self._resolve(target, folder)
        return self._memo[key]

    def _resolve(self, target: str, folder: str) -> str | None:
        if target.startswith(("./", "../")):
            target = posixpath.normpath(posixpath.join(folder, target))
        for candidate in _candidates(target):
            found = self._by_path.get(_key(candidate))
            if found is None and folder:
                found = self._by_path.get(_key(f"{folder}/{candidate}"))
            if found is None:
                found = self._shortest(candidate)
            if found is not None:
                return found
        return None

    def _shortest(self, candidate: str) -> str | None:
        wanted = _key(candidate.lstrip("/"))
        suffix = "/" + wanted
        for path in self._by_name.get(_key(posixpath.basename(wanted)), ()):
            lowered = _key(path)
            if lowered == wanted or lowered.endswith(suffix):
                return path
        return None

    def basenames_clashing(self) -> list[tuple[str, ...]]:
        """Groups of files whose names are equal case-insensitively: links to them are ambiguous."""
        return [tuple(sorted(group)) for _, group in sorted(self._by_name.items()) if len(group) > 1]


def _candidates(target: str) -> tuple[str, ...]:
    """A note link may omit `.md`; any other file type needs its extension."""
    if target.lower().endswith(MD):
        return (target,)
    return (target + MD, target)
