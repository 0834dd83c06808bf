"""Entries of the vault named like pages that are none, or that kwiki could not read cleanly (kwiki.entries)."""

from __future__ import annotations

from collections.abc import Iterator

from kwiki.lint.model import CHECKS, Finding
from kwiki.lint.snapshot import Vault


def check(vault: Vault) -> Iterator[Finding]:
    severity = CHECKS["entry-odd"].severity
    for odd in vault.odd:
        yield Finding("entry-odd", severity, vault.wiki_path(odd.path), 1, odd.problem, odd.fix)
