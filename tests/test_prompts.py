"""Prompts are package data: real markdown files inside the kwiki.prompts package, no symlink, one home."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from kwiki.prompts import USER_MARKER, load_prompt

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kwiki" / "prompts"


def test_every_prompt_is_a_real_file_of_the_package_and_loads() -> None:
    names = sorted(item.name[:-3] for item in resources.files("kwiki.prompts").iterdir() if item.name.endswith(".md"))
    assert names == ["compare", "extract", "overview", "query", "summarize", "update-page", "write-page"]
    for name in names:
        assert not (PACKAGE / f"{name}.md").is_symlink()
        assert USER_MARKER in (PACKAGE / f"{name}.md").read_text(encoding="utf-8")
        assert load_prompt(name).system
    assert not (PACKAGE.parents[2] / "prompts").exists()
