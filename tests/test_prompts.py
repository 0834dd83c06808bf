"""Prompts are package data: real markdown files inside the kwiki.prompts package, no symlink, one home."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from kwiki.extract import extract_request
from kwiki.prompts import DEFAULT_SCHEMA_NOTE, SCHEMA_CHARS, USER_MARKER, load_prompt, page_schema
from kwiki.scaffold import template_text

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kwiki" / "prompts"


def test_every_prompt_is_a_real_file_of_the_package_and_loads() -> None:
    names = sorted(item.name[:-3] for item in resources.files("kwiki.prompts").iterdir() if item.name.endswith(".md"))
    assert names == ["compare", "extract", "overview", "query", "summarize", "update-page", "write-page"]
    for name in names:
        assert not (PACKAGE / f"{name}.md").is_symlink()
        assert USER_MARKER in (PACKAGE / f"{name}.md").read_text(encoding="utf-8")
        assert load_prompt(name).system
    assert not (PACKAGE.parents[2] / "prompts").exists()


def test_an_unedited_claude_md_sends_page_prompts_only_what_they_do_not_already_say() -> None:
    default = template_text("CLAUDE.md")
    assert page_schema(default) == DEFAULT_SCHEMA_NOTE
    assert page_schema(default.replace("\n", "\r\n") + "\n\n") == DEFAULT_SCHEMA_NOTE
    edited = default + "\n## House style\n\nWrite British English.\n"
    assert page_schema(edited) == "## House style\n\nWrite British English."
    changed = default.replace("Every statement on a knowledge page", "Every sentence on a knowledge page")
    assert page_schema(changed).startswith("## Citations and quotes\n\n- Every sentence")
    assert page_schema("") == "" and len(page_schema("x" * 9_000)) == SCHEMA_CHARS


def test_extraction_carries_claude_md_as_earlier_versions_did_so_their_cached_replies_still_answer() -> None:
    default = template_text("CLAUDE.md")
    request = extract_request("a.md", "Some text.", 1, 1, default)
    assert default[:SCHEMA_CHARS].strip() in request.system
