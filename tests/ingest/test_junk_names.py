"""Page names: junk titles never name a page, and a page keeps its name when a later extraction retitles it."""

from __future__ import annotations

from kwiki.llm.base import Request
from kwiki.project import Paths

from .conftest import RawGuard, run, scripted_llm, source_text, wiki_pages, write_raw

MENTION = "LLM OS | concept | LLM operating system | central"
CLAIM = "LLM OS | The LLM is the kernel of a new operating system."


def _junk_title(request: Request) -> object:
    for path, title in (("my_reading-notes.md", "it"), ("notes/passwd.md", "../../etc/passwd"), ("y.md", "yyyy")):
        if f'"path": "{path}"' in request.user:
            return {
                "title": title,
                "date": "2026-11-3",
                "language": "deedbababy_ru",
                "summary": "About it.",
                "tags": [],
                "claims": [],
                "mentions": [],
            }
    return None


def test_a_junk_title_names_the_source_page_from_the_file(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, {name: source_text("Ignored") for name in ("my_reading-notes.md", "notes/passwd.md", "y.md")})
    raw_guard.freeze(project)
    run(project, scripted_llm(extract=_junk_title))
    sources = sorted(rel for rel in wiki_pages(project) if rel.startswith("sources/"))
    assert sources == ["sources/my-reading-notes.md", "sources/passwd.md", "sources/y-md.md"]
    page = wiki_pages(project)["sources/my-reading-notes.md"]
    assert "# my reading notes" in page and "2026-11-3" not in page and "deedbababy" not in page


def test_a_source_page_keeps_its_name_when_retitled(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, {"a.md": source_text("First title", mentions=(MENTION,), claims=(CLAIM,))})
    run(project, scripted_llm())
    write_raw(project, {"a.md": source_text("Second title", mentions=(MENTION,), claims=(CLAIM,), extra="More.")})
    raw_guard.freeze(project)
    run(project, scripted_llm())
    sources = [rel for rel in wiki_pages(project) if rel.startswith("sources/")]
    assert sources == ["sources/first-title.md"]
    assert "# Second title" in wiki_pages(project)["sources/first-title.md"]


def test_a_knowledge_page_keeps_its_name_when_its_title_changes(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, {f"s{i}.md": source_text(f"Source {i}", mentions=(MENTION,), claims=(CLAIM,)) for i in (1, 2)})
    run(project, scripted_llm())
    assert "concepts/llm-os.md" in wiki_pages(project)
    renamed = "LLM operating system | concept | LLM OS | central"
    write_raw(project, {f"s{i}.md": source_text(f"Source {i}", mentions=(renamed,)) for i in (3, 4, 5)})
    raw_guard.freeze(project)
    report = run(project, scripted_llm())
    concepts = [rel for rel in wiki_pages(project) if rel.startswith("concepts/")]
    assert concepts == ["concepts/llm-os.md"] and not report.removed
    assert "# LLM operating system" in wiki_pages(project)["concepts/llm-os.md"]
