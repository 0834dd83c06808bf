"""`init_project`: the project layout, never overwriting, the templates (CLAUDE.md, kwiki.toml, .obsidian)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from kwiki.config import Config, load_config
from kwiki.errors import UnsafePathError, UsageError
from kwiki.prompts import SCHEMA_CHARS
from kwiki.scaffold import FILES, init_project, template_text

EVERYTHING = ["raw/", "wiki/", *FILES]
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_init_creates_the_project_layout(tmp_path: Path) -> None:
    result = init_project(tmp_path / "kb")
    assert result.created == EVERYTHING and result.kept == []
    root = tmp_path / "kb"
    assert (root / "raw").is_dir() and (root / "wiki").is_dir()
    for rel in FILES:
        assert (root / rel).is_file(), rel
    assert (root / "CLAUDE.md").read_text(encoding="utf-8") == template_text("CLAUDE.md")


def test_init_twice_creates_nothing_the_second_time(tmp_path: Path) -> None:
    init_project(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    again = init_project(tmp_path)
    assert again.created == [] and again.kept == EVERYTHING
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_init_in_a_non_empty_folder_keeps_every_existing_file(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "note.md").write_text("my source", encoding="utf-8")
    (tmp_path / "CLAUDE.md").write_text("# my own schema\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("node_modules/\n", encoding="utf-8")
    result = init_project(tmp_path)
    assert result.kept == ["raw/", "CLAUDE.md", ".gitignore"]
    assert "kwiki.toml" in result.created and "wiki/" in result.created
    assert (tmp_path / "raw" / "note.md").read_text(encoding="utf-8") == "my source"
    assert (tmp_path / "CLAUDE.md").read_text(encoding="utf-8") == "# my own schema\n"
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "node_modules/\n"


def test_init_refuses_a_file_where_a_folder_belongs_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "raw").write_text("not a folder", encoding="utf-8")
    with pytest.raises(UsageError, match="raw/ exists but is not a folder"):
        init_project(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]


def test_init_does_not_write_through_a_symlinked_wiki(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "wiki").symlink_to(elsewhere)
    with pytest.raises(UnsafePathError):
        init_project(tmp_path / "kb")
    assert list(elsewhere.iterdir()) == []


def test_obsidian_settings_use_wikilinks_colour_folders_and_pin_property_types(tmp_path: Path) -> None:
    init_project(tmp_path)
    obsidian = tmp_path / "wiki" / ".obsidian"
    app = json.loads((obsidian / "app.json").read_text(encoding="utf-8"))
    assert (app["useMarkdownLinks"], app["newLinkFormat"], app["alwaysUpdateLinks"]) == (False, "shortest", True)
    assert isinstance(app["userIgnoreFilters"], list)
    groups = json.loads((obsidian / "graph.json").read_text(encoding="utf-8"))["colorGroups"]
    folders = ["sources", "concepts", "entities", "methods", "answers"]
    assert [g["query"] for g in groups] == [f"path:{f}/" for f in folders]
    colours = [g["color"]["rgb"] for g in groups]
    assert len(set(colours)) == len(colours) and all(0 <= c < 2**24 for c in colours)
    types = json.loads((obsidian / "types.json").read_text(encoding="utf-8"))["types"]
    assert types == {
        "title": "text",
        "type": "text",
        "summary": "text",
        "aliases": "aliases",
        "tags": "tags",
        "sources": "multitext",
        "created": "date",
        "updated": "date",
        "date": "date",
    }


def test_gitignore_hides_state_and_obsidian_workspace(tmp_path: Path) -> None:
    init_project(tmp_path)
    lines = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".kwiki/" in lines and "wiki/.obsidian/workspace*.json" in lines


def test_repo_claude_md_is_the_template() -> None:
    assert (REPO_ROOT / "examples" / "pkm" / "CLAUDE.md").read_text(encoding="utf-8") == template_text("CLAUDE.md")


def test_claude_md_states_the_conventions_and_fits_in_the_extract_prompt() -> None:
    text = template_text("CLAUDE.md")
    assert len(text) <= SCHEMA_CHARS
    for needle in ["wiki/sources/", "wiki/concepts/", "wiki/entities/", "wiki/methods/", "wiki/answers/",
                   "overview", "[[slug|Display text]]", "> [!warning] Contradiction", "language of the page's",
                   "## [YYYY-MM-DD]", "aliases:", "sources:"]:  # fmt: skip
        assert needle in text, needle


def test_a_fresh_project_has_only_defaults(tmp_path: Path) -> None:
    init_project(tmp_path)
    config = load_config(tmp_path, {}, {})
    assert {origin for name, origin in config.origins.items() if name != "provider"} == {"default"}


def test_kwiki_toml_template_shows_every_key_with_its_default(tmp_path: Path) -> None:
    template = template_text("kwiki.toml")
    settings = re.findall(r"^# (\w+) = (.+)$", template, flags=re.MULTILINE)
    defaults = {f.name: f.default for f in dataclasses.fields(Config)}
    assert [name for name, _ in settings] == list(defaults)[: len(settings)]
    assert len(settings) == len(defaults) - 2  # origins and notice are not settings
    uncommented = "\n".join(f"{name} = {value}" for name, value in settings)
    (tmp_path / "kwiki.toml").write_text(uncommented, encoding="utf-8")
    config = load_config(tmp_path, {}, {})
    for name in ("json_mode", "concurrency", "max_source_mb", "timeout", "max_retries", "deadline"):
        assert getattr(config, name) == defaults[name], name
    assert (config.provider, config.model) == ("anthropic", "claude-sonnet-5-5")


@pytest.mark.parametrize("inside", ["raw", "raw/notes", "wiki", ".kwiki"])
def test_init_refuses_a_project_inside_another_projects_folders(tmp_path: Path, inside: str) -> None:
    """`kwiki init` run in raw/ wrote kwiki.toml and CLAUDE.md there: the outer project then ingested them."""
    init_project(tmp_path)
    with pytest.raises(UsageError, match=f"inside the {inside.split('/')[0]}/ folder of the kwiki project"):
        init_project(tmp_path / inside / "kb")
    assert not (tmp_path / inside / "kb").exists()


def test_init_beside_another_project_or_in_its_other_folders_is_fine(tmp_path: Path) -> None:
    init_project(tmp_path)
    assert init_project(tmp_path / "projects" / "second").created
