"""Where a kwiki project keeps things on disk (docs/design.md §1)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kwiki.vocabulary import FOLDER_TYPES, FOLDERS, KNOWLEDGE_TYPES

__all__ = ["CONFIG_NAME", "FOLDERS", "FOLDER_TYPES", "KNOWLEDGE_TYPES", "Paths", "find_root"]
CONFIG_NAME = "kwiki.toml"


@dataclass(frozen=True)
class Paths:
    """The folders and files of one project, all derived from its root (each computed once: a run asks thousands
    of times)."""

    root: Path

    @cached_property
    def config(self) -> Path:
        return self.root / CONFIG_NAME

    @cached_property
    def schema(self) -> Path:
        return self.root / "CLAUDE.md"

    @cached_property
    def raw(self) -> Path:
        return self.root / "raw"

    @cached_property
    def wiki(self) -> Path:
        return self.root / "wiki"

    @cached_property
    def state_dir(self) -> Path:
        return self.root / ".kwiki"

    @cached_property
    def state_db(self) -> Path:
        return self.state_dir / "state.sqlite"

    @cached_property
    def cache_dir(self) -> Path:
        return self.state_dir / "cache"

    @cached_property
    def base_dir(self) -> Path:
        return self.state_dir / "base"

    @cached_property
    def calls_log(self) -> Path:
        return self.state_dir / "calls.jsonl"


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds kwiki.toml."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None
