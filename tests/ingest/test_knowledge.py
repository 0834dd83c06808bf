"""Issue 4: knowledge pages independent of source order, no duplicates, contradictions, human edits, prompt size."""

from __future__ import annotations

from pathlib import Path

import pytest

from kwiki.llm.base import Request
from kwiki.markdown import find_wikilinks, split_frontmatter
from kwiki.project import Paths
from kwiki.resolve import normalize_name
from kwiki.scaffold import template_text
from kwiki.state import State

from .conftest import RawGuard, dangling_links, run, scripted_llm, source_text, wiki_pages, write_raw

ORDER_CORPUS = {
    "a.md": source_text(
        "Alpha talk",
        date="2024-01-01",
        mentions=("LLM OS | concept | LLM operating system | central", "Andrej Karpathy | entity"),
        claims=("LLM OS | The LLM acts as the kernel of the system.",),
    ),
    "b.md": source_text(
        "Beta post",
        date="2024-02-01",
        mentions=("llm-os | concept", "Karpathy | entity", "RLVR | method | | central"),
        claims=("llm-os | Context windows resemble working memory.", "RLVR | RLVR rewards verifiable outcomes."),
    ),
    "c.md": source_text(
        "Gamma essay",
        date="2024-03-01",
        mentions=("LLM-OS's | concept", "Andrej Karpathy | entity", "RLVR | method"),
        claims=("RLVR | RLVR needs tasks with checkable answers.",),
    ),
    "d.md": source_text(
        "Delta notes", date="2024-04-01", mentions=("Slip box | method | Zettelkasten | central", "RLVR | method")
    ),
}
KNOWLEDGE = ("concepts", "entities", "methods")
NEIGHBOUR_BUG = (
    "a knowledge page is redrafted only when its own input_hash (title, kind, aliases, sources, claims) "
    "changes, but its Related section and body links come from neighbours(): src/kwiki/knowledge.py "
    "input_hash/plan_pages ignore the neighbour slugs, so compile.py never refreshes a page whose "
    "neighbour appeared, vanished or moved; fix: hash the neighbour LinkTo list into input_hash "
    "(or re-render Related without a model call)"
)


def _shape(paths: Paths) -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    """page → (aliases, wikilink targets) for every catalogued page."""
    out = {}
    for rel, text in wiki_pages(paths).items():
        if rel.split("/")[0] in (*KNOWLEDGE, "sources"):
            meta, body = split_frontmatter(text)
            out[rel] = (tuple(meta.get("aliases") or ()), frozenset(link.target for link in find_wikilinks(body)))
    return out


def _fresh(tmp_path: Path, name: str) -> Paths:
    paths = Paths(tmp_path / name)
    (paths.root / "raw").mkdir(parents=True)
    paths.wiki.mkdir()
    paths.config.write_text("", encoding="utf-8")
    write_raw(paths, ORDER_CORPUS)
    return paths


def test_source_order_does_not_change_pages_aliases_or_links(tmp_path: Path, raw_guard: RawGuard) -> None:
    shapes = []
    for name, order in (("all", None), ("forward", sorted(ORDER_CORPUS)), ("reverse", sorted(ORDER_CORPUS)[::-1])):
        paths = _fresh(tmp_path, name)
        raw_guard.freeze(paths)
        if order is None:
            run(paths, scripted_llm())
        else:
            for rel in order:
                run(paths, scripted_llm(), rel)
        assert dangling_links(paths) == [] and not _ambiguous(paths)
        shapes.append(_shape(paths))
    assert shapes[0] == shapes[1] == shapes[2]


def _ambiguous(paths: Paths) -> list[str]:
    knowledge = [Path(rel).stem for rel in wiki_pages(paths) if rel.split("/")[0] in KNOWLEDGE]
    keys = [normalize_name(stem.replace("-", " ")) for stem in knowledge]
    return [stem for stem, key in zip(knowledge, keys, strict=True) if keys.count(key) > 1]


def test_name_variants_across_sources_make_one_page_with_aliases(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, ORDER_CORPUS)
    raw_guard.freeze(project)
    run(project, scripted_llm())
    pages = wiki_pages(project)
    llm_pages = [rel for rel in pages if rel.startswith("concepts/") and "llm" in rel]
    assert llm_pages == ["concepts/llm-os.md"]
    aliases = split_frontmatter(pages["concepts/llm-os.md"])[0]["aliases"]
    assert "LLM operating system" in aliases and "llm-os" in {a.casefold() for a in aliases}
    assert [rel for rel in pages if "karpathy" in rel] == ["entities/andrej-karpathy.md"]
    assert not _ambiguous(project)


def test_links_the_model_invents_never_dangle(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, ORDER_CORPUS)
    raw_guard.freeze(project)
    run(
        project,
        scripted_llm(
            page_extra="See [[Quantum Gravity]], [[LLM operating system]] and [[rlvr|RL]].",
            overview="Start at [[Nowhere]] or [[llm-os]].",
        ),
    )
    assert dangling_links(project) == []
    page = wiki_pages(project)["methods/rlvr.md"]
    assert "[[llm-os|LLM operating system]]" in page and "Quantum Gravity" in page


CONTRA = {
    "old.md": source_text(
        "Old keynote",
        date="2024-01-01",
        mentions=("LLM OS | concept | | central",),
        claims=("LLM OS | Today resembles computing in fact[era]=1960s.",),
    ),
    "mid.md": source_text(
        "Mid keynote",
        date="2024-06-01",
        mentions=("LLM OS | concept",),
        claims=("LLM OS | Today resembles computing in fact[era]=1980s.",),
    ),
}


def test_disagreeing_sources_get_callouts_and_an_open_row(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, CONTRA)
    raw_guard.freeze(project)
    run(project, scripted_llm())
    pages = wiki_pages(project)
    for rel in ("concepts/llm-os.md", "sources/old-keynote.md", "sources/mid-keynote.md"):
        assert "> [!warning] Contradiction" in pages[rel], rel
    assert "| open | [[llm-os]] |" in pages["contradictions.md"]
    with State.open(project.state_db) as state:
        assert [r.status for r in state.contradictions()] == ["open"]


def test_newer_source_siding_with_one_claim_supersedes_the_contradiction(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, CONTRA)
    run(project, scripted_llm())
    write_raw(
        project,
        {
            "new.md": source_text(
                "New keynote",
                date="2025-01-01",
                mentions=("LLM OS | concept",),
                claims=("LLM OS | Really it is computing in fact[era]=1960s.",),
            )
        },
    )
    raw_guard.freeze(project)
    run(project, scripted_llm())
    with State.open(project.state_db) as state:
        statuses = {r.status for r in state.contradictions()}
    assert statuses == {"superseded"}
    register = wiki_pages(project)["contradictions.md"]
    assert "0 open" in register and "| superseded |" in register


def test_human_edits_survive_a_later_ingest(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, ORDER_CORPUS)
    run(project, scripted_llm())
    wiki = project.wiki
    rlvr = wiki / "methods/rlvr.md"
    text = rlvr.read_text(encoding="utf-8")
    text = text.replace("RLVR as the sources describe it.", "RLVR, in my own words, is reward from checkers.")
    text = text.replace("tags: [method", "tags: [mine, method")
    text = text.split("## Related")[0] + "## My notes\n\nA thought of mine.\n\n## Sources" + text.split("## Sources")[1]
    rlvr.write_text(text, encoding="utf-8")
    # an Obsidian rename of the LLM OS page, with the links in other pages rewritten as Obsidian does
    (wiki / "concepts/llm-os.md").rename(wiki / "concepts/my-llm-os.md")
    for page in wiki.rglob("*.md"):
        body = page.read_text(encoding="utf-8")
        page.write_text(body.replace("[[llm-os", "[[my-llm-os"), encoding="utf-8")
    write_raw(
        project,
        {
            "e.md": source_text(
                "Epsilon",
                date="2024-05-01",
                mentions=("RLVR | method", "LLM OS | concept"),
                claims=(
                    "RLVR | RLVR scales with compute for verification.",
                    "LLM OS | Tools are peripherals of the OS.",
                ),
            )
        },
    )
    raw_guard.freeze(project)
    run(project, scripted_llm())
    pages = wiki_pages(project)
    rlvr_text = pages["methods/rlvr.md"]
    assert "in my own words" in rlvr_text and "## My notes" in rlvr_text and "A thought of mine." in rlvr_text
    assert "mine" in split_frontmatter(rlvr_text)[0]["tags"]
    assert "## Related" not in rlvr_text
    assert "scales with compute" in rlvr_text
    assert "concepts/llm-os.md" not in pages and "Tools are peripherals" in pages["concepts/my-llm-os.md"]
    assert dangling_links(project) == []


def test_removed_neighbour_page_leaves_no_dangling_related_link(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(
        project,
        {
            "a.md": source_text(
                "A", mentions=("Alpha | concept | | central", "Beta | concept"), claims=("Alpha | Alpha is first.",)
            ),
            "b.md": source_text("B", mentions=("Beta | concept",), claims=("Beta | Beta is second.",)),
        },
    )
    run(project, scripted_llm())
    assert "[[beta" in wiki_pages(project)["concepts/alpha.md"]
    (project.raw / "b.md").unlink()
    raw_guard.freeze(project)
    run(project, scripted_llm())
    assert "concepts/beta.md" not in wiki_pages(project)
    assert [bad for bad in dangling_links(project) if bad[0] != "log.md"] == []


# --- prompt size does not grow with the wiki ------------------------------------------------------------------


def _requests_for_one_new_source(root: Path, seeds: int) -> list[Request]:
    """Seed a wiki of 2 × seeds pages (a source page and a concept page each), then ingest one more source."""
    paths = Paths(root)
    (root / "raw").mkdir(parents=True)
    paths.wiki.mkdir()
    paths.config.write_text("", encoding="utf-8")
    write_raw(
        paths,
        {
            f"seed/s{i:04d}.md": source_text(
                f"Seed {i}",
                mentions=(f"Concept {i} | concept | | central",),
                claims=(f"Concept {i} | Concept {i} is a seeded idea.",),
            )
            for i in range(seeds)
        },
    )
    run(paths, scripted_llm(), concurrency=4)
    write_raw(
        paths,
        {
            "new.md": source_text(
                "New source",
                mentions=("Concept 1 | concept", "Concept 2 | concept", "Fresh idea | concept | | central"),
                claims=("Concept 1 | Concept 1 gained a new fact.", "Fresh idea | Fresh ideas appear."),
            )
        },
    )
    llm = scripted_llm()
    run(paths, llm)
    return llm.requests


@pytest.fixture(scope="module")
def small_and_large(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Request], list[Request]]:
    base = tmp_path_factory.mktemp("size")
    # 15 seeds: the small wiki already fills the overview's fixed digest (OVERVIEW_PAGES), as the large one does
    return _requests_for_one_new_source(base / "small", 15), _requests_for_one_new_source(base / "large", 500)


def _chars(requests: list[Request], skip: str = "") -> int:
    return sum(len(r.system) + len(r.user) for r in requests if r.name != skip)


def test_calls_per_source_are_one_extraction_plus_one_per_touched_page(
    small_and_large: tuple[list[Request], list[Request]],
) -> None:
    for requests in small_and_large:
        names = [r.name for r in requests]
        assert names.count("extract") == 1 and names.count("overview") <= 1
        assert names.count("write-page") == 1  # the fresh idea: a new page, drafted whole
        assert names.count("update-page") == 1  # concept 1 gained a claim: only the addition is asked for
        # concept 2 only gained a source: re-rendered without a call


def test_page_prompts_do_not_grow_with_the_wiki(small_and_large: tuple[list[Request], list[Request]]) -> None:
    small, large = (_chars(r, skip="overview") for r in small_and_large)
    assert abs(small - large) / small < 0.10


def test_total_prompt_size_does_not_grow_with_the_wiki(small_and_large: tuple[list[Request], list[Request]]) -> None:
    small, large = (_chars(r) for r in small_and_large)
    assert abs(small - large) / small < 0.10


# --- delta updates (issue 13) ---------------------------------------------------------------------------------


def test_a_human_edited_page_gets_a_delta_update_and_keeps_the_human_text(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, ORDER_CORPUS)
    run(project, scripted_llm())
    rlvr = project.wiki / "methods/rlvr.md"
    text = rlvr.read_text(encoding="utf-8")
    text = text.replace("## Related", "## My notes\n\nA thought of mine.\n\n## Related")
    rlvr.write_text(text.replace("RLVR needs tasks", "RLVR, I find, needs tasks"), encoding="utf-8")
    write_raw(
        project,
        {
            "e.md": source_text(
                "Epsilon", date="2024-05-01", mentions=("RLVR | method",), claims=("RLVR | RLVR scales with compute.",)
            )
        },
    )
    raw_guard.freeze(project)
    llm = scripted_llm()
    run(project, llm)
    updates = [r for r in llm.requests if r.name == "update-page"]
    assert len(updates) == 1 and "RLVR scales with compute." in updates[0].user
    assert "A thought of mine" not in updates[0].user and "I find" not in updates[0].user
    assert "write-page" not in [r.name for r in llm.requests]
    page = rlvr.read_text(encoding="utf-8")
    assert "A thought of mine." in page and "RLVR, I find, needs tasks" in page
    assert "RLVR scales with compute. ([[epsilon]])" in page
    assert "raw/e.md" in page or "e.md" in split_frontmatter(page)[0]["sources"]


def test_a_page_gaining_only_a_source_is_re_rendered_without_a_call(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, ORDER_CORPUS)
    run(project, scripted_llm())
    before = (project.wiki / "methods/rlvr.md").read_text(encoding="utf-8")
    write_raw(project, {"e.md": source_text("Epsilon", date="2024-05-01", mentions=("RLVR | method",))})
    raw_guard.freeze(project)
    llm = scripted_llm()
    run(project, llm)
    assert [r.name for r in llm.requests if r.name in ("write-page", "update-page")] == []
    after = (project.wiki / "methods/rlvr.md").read_text(encoding="utf-8")
    assert "e.md" in split_frontmatter(after)[0]["sources"] and "[[epsilon|Epsilon]]" in after.split("## Sources")[1]
    assert split_frontmatter(after)[1].split("## Related")[0] == split_frontmatter(before)[1].split("## Related")[0]


@pytest.mark.parametrize("edited", [False, True])
def test_page_prompts_carry_only_the_parts_of_claude_md_people_wrote(project: Paths, edited: bool) -> None:
    """The default CLAUDE.md restates the page prompts' rules: 4,600 characters a page call need not resend."""
    edit = "\n## House style\n\nWrite British English.\n" if edited else ""
    project.schema.write_text(template_text("CLAUDE.md") + edit, encoding="utf-8")
    write_raw(project, ORDER_CORPUS)
    llm = scripted_llm()
    run(project, llm)
    pages = [r for r in llm.requests if r.name in ("write-page", "update-page")]
    extracts = [r for r in llm.requests if r.name == "extract"]
    assert pages and extracts and all("## Page types and folders" in r.system for r in extracts)
    assert not any("## Page types and folders" in r.system for r in pages)  # the default's sections stay home
    assert all(("Write British English." in r.system) == edited for r in pages)  # what people wrote travels
