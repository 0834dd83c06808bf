"""Obsidian Bases files (*.base) in the vault: each must parse as a Bases file, or Obsidian shows an error."""

from __future__ import annotations

from collections.abc import Iterator

from kwiki import entries
from kwiki.bases import problems
from kwiki.lint.model import Finding, finding
from kwiki.lint.snapshot import Vault


def check(vault: Vault) -> Iterator[Finding]:
    for rel in sorted(p for p in vault.files.paths if p.lower().endswith(".base")):
        text = entries.read_text(vault.paths.wiki, rel)[0]  # a FIFO named x.base reads as empty, never blocks
        for line, message in problems(text):
            yield finding("base-invalid", vault.wiki_path(rel), line, message)
