"""README's own-notes walkthrough runs as written: the block is extracted and run offline, ~/notes faked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = "<!-- walkthrough:"
NOTES = {
    "zettelkasten.md": "# Zettelkasten\n\nA zettelkasten is a slip box of atomic notes. Each note links to related "
    "notes, so ideas meet by their links. Niklas Luhmann kept a zettelkasten for decades.\n",
    "commonplace.md": "# Commonplace books\n\nA commonplace book gathers quotes and notes under headings. Like the "
    "zettelkasten, it links ideas across years of reading. John Locke indexed his commonplace book.\n",
}


def walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    if MARKER not in text:
        pytest.skip("README has no walkthrough block")
    block = re.search(r"```\n(.*?)```", text[text.index(MARKER) :], re.DOTALL)
    assert block is not None
    return block.group(1)


def _kwiki_on_path(folder: Path) -> Path:
    """`kwiki` as `make install` puts it on PATH: the clone's .venv/bin/kwiki when there is one."""
    installed = Path(sys.executable).parent / "kwiki"
    folder.mkdir()
    shim = folder / "kwiki"
    target = f'"{installed}"' if installed.is_file() else f'"{sys.executable}" -m kwiki'
    shim.write_text(f'#!/bin/sh\nexec {target} "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return folder


def test_the_own_notes_walkthrough_runs_as_written_offline(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text, encoding="utf-8")
    script = "set -eu\n" + walkthrough().replace("~/notes", str(notes))
    bin_dir = _kwiki_on_path(tmp_path / "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KWIKI_") and not k.endswith(("_API_KEY", "_URL"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        ["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    kb = work / "my-kb"
    assert sorted(p.name for p in (kb / "raw" / "notes").iterdir()) == sorted(NOTES)
    assert (kb / "wiki" / "index.md").is_file() and list((kb / "wiki" / "sources").glob("*.md"))
    assert "Search results (no model)" in done.stdout and "0 errors" in done.stdout
