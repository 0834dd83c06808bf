"""Obsidian Bases files (*.base) in the vault: each must parse as a Bases file, or Obsidian shows an error."""

from __future__ import annotations

from collections.abc import Iterator

from kwiki.bases import problems
from kwiki.lint.model import Finding, finding
from kwiki.lint.snapshot import Vault


def check(vault: Vault) -> Iterator[Finding]:
    for rel in sorted(p for p in vault.files.paths if p.lower().endswith(".base")):
        text = (vault.paths.wiki / rel).read_text(encoding="utf-8", errors="replace")
        for line, message in problems(text):
            yield finding("base-invalid", vault.wiki_path(rel), line, message)
