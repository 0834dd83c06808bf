"""Issue 15 (placement) and issue 9 (no needless calls): no duplicate basenames, pages move with their text."""

from __future__ import annotations

from kwiki.lint.model import LintOptions
from kwiki.lint.run import run_lint
from kwiki.project import Paths
from kwiki.state import State

from .conftest import log_entries, run, scripted_llm, source_text, wiki_pages, write_raw, zettel_sources


def _corpus(kind: str) -> dict[str, str]:
    return {
        "a.md": source_text(
            "Alpha talk",
            mentions=(f"Cursor | {kind} | | central", "Zed | entity"),
            claims=("Cursor | Cursor is an editor built around a model.",),
        ),
        "b.md": source_text(
            "Beta post",
            mentions=(f"Cursor | {kind}", "Zed | entity"),
            claims=("Cursor | Cursor indexes the whole repository.",),
        ),
    }


def _name_clashes(paths: Paths) -> list[str]:
    with State.open(paths.state_db) as state:
        report = run_lint(paths, state, LintOptions())
    return [f.path for f in report.findings if f.id == "name-clash"]


def test_a_human_page_keeps_its_name_and_kwiki_never_makes_a_twin(project: Paths) -> None:
    (project.wiki / "personal").mkdir()
    (project.wiki / "personal" / "cursor.md").write_text("# My Cursor notes\n\nKeybindings.\n", encoding="utf-8")
    write_raw(project, _corpus("entity"))
    run(project, scripted_llm())
    pages = wiki_pages(project)
    assert "entities/cursor.md" not in pages and "entities/cursor-2.md" in pages
    assert pages["personal/cursor.md"] == "# My Cursor notes\n\nKeybindings.\n"
    assert _name_clashes(project) == []


def test_a_page_whose_kind_changes_moves_with_its_human_edit(project: Paths) -> None:
    write_raw(project, _corpus("entity"))
    run(project, scripted_llm())
    page = project.wiki / "entities" / "cursor.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nMy own note on Cursor.\n", encoding="utf-8")

    write_raw(project, _corpus("concept"))
    report = run(project, scripted_llm())

    pages = wiki_pages(project)
    assert "entities/cursor.md" not in pages
    assert "My own note on Cursor." in pages["concepts/cursor.md"]
    assert report.renamed == [("entities/cursor.md", "concepts/cursor.md")] and report.removed == []
    assert (project.base_dir / "concepts" / "cursor.md").is_file()
    assert not (project.base_dir / "entities" / "cursor.md").exists()
    assert "concepts/cursor.md" in log_entries(project, "rename")
    assert _name_clashes(project) == []


def test_a_page_renamed_in_obsidian_keeps_its_base_and_gets_no_conflict(project: Paths) -> None:
    write_raw(project, _corpus("entity"))
    run(project, scripted_llm())
    (project.wiki / "entities" / "zed.md").rename(project.wiki / "entities" / "zed-editor.md")
    (project.wiki / "sources" / "beta-post.md").rename(project.wiki / "sources" / "beta.md")
    write_raw(project, {"b.md": _corpus("entity")["b.md"] + "\nMore text.\n"})

    llm = scripted_llm()
    report = run(project, llm)

    pages = wiki_pages(project)
    assert "entities/zed.md" not in pages and "sources/beta-post.md" not in pages
    assert all("kwiki update" not in text for text in pages.values())
    assert sorted(report.renamed) == [
        ("entities/zed.md", "entities/zed-editor.md"),
        ("sources/beta-post.md", "sources/beta.md"),
    ]
    assert report.removed == [] and report.created == []
    assert (project.base_dir / "entities" / "zed-editor.md").is_file()
    assert not (project.base_dir / "entities" / "zed.md").exists()
    assert _name_clashes(project) == []


def test_no_overview_call_when_every_source_failed(project: Paths) -> None:
    write_raw(project, _corpus("entity"))
    llm = scripted_llm(extract=lambda request: "not json at all")
    report = run(project, llm)
    assert len(report.failures) == 2
    assert [r.name for r in llm.requests if r.name == "overview"] == []
    assert "overview.md" not in wiki_pages(project)


def test_no_overview_call_when_nothing_changed(project: Paths) -> None:
    write_raw(project, _corpus("entity"))
    run(project, scripted_llm())
    write_raw(project, {"a.md": _corpus("entity")["a.md"] + "\n"})  # a new hash, the same note
    llm = scripted_llm()
    run(project, llm)
    assert [r.name for r in llm.requests] == ["extract"]


def test_a_page_of_your_own_in_a_knowledge_folder_keeps_its_name(project: Paths) -> None:
    """README: a new page never takes a basename already in the vault. A hand-written `concepts/zettelkasten.md`
    (no `type`, as a person writes it) was not counted, so kwiki adopted it, or wrote a second page of that name."""
    (project.wiki / "concepts").mkdir(parents=True)
    mine = "---\ntitle: My Zettelkasten notes\n---\n\n# Zettelkasten\n\nMy own notes.\n"
    (project.wiki / "concepts" / "zettelkasten.md").write_text(mine, encoding="utf-8")
    zettel_sources(project)
    run(project, scripted_llm())
    pages = wiki_pages(project)
    assert pages["concepts/zettelkasten.md"] == mine
    assert "concepts/zettelkasten-2.md" in pages
    assert [p for p in pages if p.rsplit("/", 1)[-1] == "zettelkasten.md"] == ["concepts/zettelkasten.md"]
