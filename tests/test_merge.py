"""Merging regenerated pages with human edits: fixture pages, edge cases and a random-edit property."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kwiki.markdown import parse_page
from kwiki.merge import CALLOUT_HEAD, is_link_only_change, merge_page

FIXTURES = Path(__file__).parent / "fixtures" / "merge"
BASE = (FIXTURES / "base.md").read_text(encoding="utf-8")
NEW = (FIXTURES / "new.md").read_text(encoding="utf-8")


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_unchanged_page_takes_new() -> None:
    result = merge_page(BASE, BASE, NEW)
    assert (result.text, result.human_edited, result.conflicts) == (NEW, False, ())


def test_missing_file_takes_new() -> None:
    assert merge_page(BASE, None, NEW).text == NEW
    assert merge_page(None, None, NEW).text == NEW


def test_changed_sentence_survives_and_other_sections_update() -> None:
    result = merge_page(BASE, fixture("changed-sentence.disk.md"), NEW)
    assert result.text == fixture("changed-sentence.expected.md")
    assert "and from unit tests in code generation." in result.text
    assert "[[software-2-0]]" in result.text  # kwiki's change to Related still lands
    assert result.human_edited and result.conflicts == ()


def test_new_human_section_survives_in_place() -> None:
    result = merge_page(BASE, fixture("added-section.disk.md"), NEW)
    assert result.text == fixture("added-section.expected.md")
    headings = [h.text for h in parse_page(result.text).headings if h.level == 2]
    assert headings == ["History", "My notes", "Related", "Sources"]


def test_deleted_section_stays_deleted_and_changed_one_gets_a_callout_at_the_end() -> None:
    result = merge_page(BASE, fixture("deleted-sections.disk.md"), NEW)
    assert result.text == fixture("deleted-sections.expected.md")
    assert "## History" not in result.text  # kwiki did not change it: gone without a word
    assert "\n## Related" not in result.text  # kwiki changed it: still gone, but proposed in a callout
    assert result.text.rstrip().endswith("> - [[jagged-intelligence]] · [[rlvr]] · [[software-2-0]]")
    assert result.conflicts == ("Related",)


def test_changed_frontmatter_tag_survives_alongside_new_tags() -> None:
    result = merge_page(BASE, fixture("tags.disk.md"), NEW)
    assert result.text == fixture("tags.expected.md")
    meta = parse_page(result.text).frontmatter
    assert meta["tags"] == ["automation", "favourite", "software-2-0"]  # human dropped rl, kwiki added one
    assert meta["title"] == "Verifiability (checkable tasks)"
    assert meta["sources"] == ["2025/11.17.md", "2025/12.20.md"]
    assert str(meta["updated"]) == "2026-05-02"


def test_obsidian_rename_link_rewrite_is_not_an_edit() -> None:
    disk = fixture("renamed-links.disk.md")
    assert is_link_only_change(BASE, disk)
    result = merge_page(BASE, disk, NEW)
    assert (result.text, result.human_edited) == (NEW, False)


@pytest.mark.parametrize(
    ("before", "after", "link_only"),
    [
        ("See [[old]].", "See [[new]].", True),
        ("See [[old|the old one]].", "See [[new|the old one]].", True),
        ("See [[old]].", "See [[new|old]].", True),
        ("See [[old#Part]].", "See [[new#Part|old#Part]].", True),
        ("See [[old|x]].", "See [[new|y]].", False),
        ("See [[old]].", "Read [[old]].", False),
        ("See [[old]].", "See [[old]] and [[more]].", False),
        ("`[[old]]` in code", "`[[new]]` in code", False),
    ],
)
def test_is_link_only_change_accepts_only_obsidian_rename_rewrites(before: str, after: str, link_only: bool) -> None:
    assert is_link_only_change(before, after) is link_only


def test_link_only_change_inside_one_section_takes_new_text() -> None:
    disk = BASE.replace("[[rlvr]]", "[[rl-verifiable-rewards]]").replace("checkable rewards.", "tests.")
    result = merge_page(BASE, disk, NEW)
    assert "[[rlvr]] · [[software-2-0]]" in result.text
    assert "rl-verifiable-rewards" not in result.text
    assert "learning on tests." in result.text


def test_true_conflict_keeps_human_text_and_adds_exactly_one_callout() -> None:
    result = merge_page(BASE, fixture("conflict.disk.md"), NEW)
    assert result.text == fixture("conflict.expected.md")
    assert "Software 1.0 automates what you can write down;" in result.text
    assert result.text.count(CALLOUT_HEAD) == 1
    assert "> ([[karpathy-2025-year-in-review]])." in result.text
    assert result.conflicts == ("(lead)",)


def test_text_kwiki_appends_to_a_section_the_human_changed_lands_without_a_conflict() -> None:
    base = "---\ntitle: X\n---\n\n# X\n\nFirst fact.\n\n## More\n\nOld.\n"
    disk = base.replace("First fact.", "First fact, as I see it.")
    new = base.replace("First fact.", "First fact.\n\nSecond fact [[s2]].")
    result = merge_page(base, disk, new)
    assert "First fact, as I see it.\n\nSecond fact [[s2]].\n\n## More" in result.text
    assert result.conflicts == () and CALLOUT_HEAD not in result.text
    assert merge_page(base, result.text, new).text == result.text  # replayed: the addition is not doubled
    assert merge_page(new, result.text, new).text == result.text  # the next run keeps both


def test_conflict_callout_is_idempotent_over_repeated_merges() -> None:
    first = merge_page(BASE, fixture("conflict.disk.md"), NEW)
    second = merge_page(BASE, first.text, NEW)
    assert second == first
    # the pipeline then stores NEW as base; kwiki's next text replaces the callout instead of stacking
    newer = NEW.replace("improve fastest", "improve the fastest")
    third = merge_page(NEW, second.text, newer)
    assert third.text.count(CALLOUT_HEAD) == 1
    assert "> ([[karpathy-2025-year-in-review]])." in third.text
    assert "improve the fastest" in third.text and "improve fastest" not in third.text
    # and a rerun with nothing new keeps the human's text and the callout until the human removes it
    assert merge_page(newer, third.text, newer).text == third.text


def test_callout_for_a_deleted_section_stays_until_dismissed() -> None:
    first = merge_page(BASE, fixture("deleted-sections.disk.md"), NEW)
    again = merge_page(NEW, first.text, NEW)
    assert again.text == first.text
    dismissed = first.text[: first.text.index(CALLOUT_HEAD)].rstrip() + "\n"
    assert merge_page(NEW, dismissed, NEW).text == dismissed


def test_section_kwiki_adds_lands_after_its_predecessor() -> None:
    new = NEW.replace("## Related", "## Criticism\n\nSome tasks resist checking.\n\n## Related")
    disk = fixture("added-section.disk.md")
    result = merge_page(BASE, disk, new)
    headings = [h.text for h in parse_page(result.text).headings if h.level == 2]
    assert headings == ["History", "Criticism", "My notes", "Related", "Sources"]


def test_section_the_human_changed_survives_when_kwiki_drops_it() -> None:
    disk = BASE.replace("checkable rewards.", "checkable rewards (my summary).")
    new = NEW.replace("## History\n\nThe idea grew out of reinforcement learning on checkable rewards.\n\n", "")
    result = merge_page(BASE, disk, new)
    assert "## History\n\nThe idea grew out of reinforcement learning on checkable rewards (my summary)." in (
        result.text
    )


def test_base_none_keeps_the_human_page_whole_with_notes() -> None:
    disk = (
        "---\ntitle: Mine\ntags: [x]\n---\n\n# Verifiability\n\nMy own words.\n\n"
        "## Sources\n- [[karpathy-2025-software-paradigm]]\n"
    )
    result = merge_page(None, disk, NEW)
    assert result.text.startswith("---\ntitle: Mine\ntags: [x]\n---\n\n# Verifiability\n\nMy own words.")
    assert result.human_edited
    assert result.conflicts == ("(lead)", "Sources", "History", "Related")
    assert result.text.count(CALLOUT_HEAD) == 4
    assert merge_page(None, result.text, NEW) == result


def test_base_none_takes_new_when_disk_differs_only_in_updated() -> None:
    disk = NEW.replace("updated: 2026-05-02", "updated: 2026-04-20")
    assert merge_page(None, disk, NEW) == merge_page(BASE, BASE, NEW)


def test_base_none_keeps_the_creation_date_on_disk() -> None:
    disk = NEW.replace("created: 2026-04-18", "created: 2025-01-01")
    new = NEW.replace("created: 2026-04-18", "created: 2026-05-02")
    result = merge_page(None, disk, new)
    assert str(parse_page(result.text).frontmatter["created"]) == "2025-01-01"
    assert not result.human_edited


def test_unparsable_frontmatter_on_disk_is_kept_whole() -> None:
    disk = BASE.replace("tags: [automation, rl]", "tags: [automation, rl")
    result = merge_page(BASE, disk, NEW)
    assert result.text.startswith(disk.split("\n\n# ")[0])
    assert "tags: [automation, rl\n" in result.text
    assert result.human_edited


def test_obsidian_reserialised_frontmatter_is_not_an_edit() -> None:
    disk = BASE.replace('sources: ["2025/11.17.md"]', "sources:\n  - 2025/11.17.md")
    assert merge_page(BASE, disk, NEW).text == NEW


# --- property: nothing a human wrote is ever lost ---------------------------------------------------------

WORDS = ["alpha", "beta", "gamma", "delta", "rewards", "proofs", "tests", "agents", "models", "tools"]
EXTRA_TITLES = ["Criticism", "Examples", "Notes", "Open questions", "Timeline"]


@dataclass
class Draft:
    tags: list[str]
    sections: list[tuple[str, list[str]]]  # ("", lead lines) first
    counter: list[int] = field(default_factory=lambda: [0])

    def text(self, updated: str) -> str:
        head = f"---\ntitle: Topic\ntype: concept\ntags: [{', '.join(self.tags)}]\n"
        head += f"created: 2026-04-01\nupdated: {updated}\n---\n\n# Topic\n\n"
        parts = ["\n\n".join(self.sections[0][1])]
        parts += [f"## {title}\n\n" + "\n\n".join(lines) for title, lines in self.sections[1:]]
        return head + "\n\n".join(p for p in parts if p) + "\n"


def sentence(rng: random.Random, marker: str) -> str:
    return f"{marker} " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))) + "."


def edit(rng: random.Random, draft: Draft, who: str) -> Draft:
    """Random changed lines, appended lines, deleted and added sections, added and removed tags."""
    sections: list[tuple[str, list[str]]] = []
    for index, (title, lines) in enumerate(draft.sections):
        lines = list(lines)
        if index and rng.random() < 0.15:
            continue
        if lines and rng.random() < 0.3:
            lines[rng.randrange(len(lines))] = sentence(rng, f"{who}-{rng.random():.6f}")
        if rng.random() < 0.2:
            lines.append(sentence(rng, f"{who}-{rng.random():.6f}"))
        sections.append((title, lines))
    for title in rng.sample(EXTRA_TITLES, rng.randint(0, 2)):
        if all(title != t for t, _ in sections):
            lines = [sentence(rng, f"{who}-{rng.random():.6f}")]
            sections.insert(rng.randint(1, len(sections)), (title, lines))
    tags = [t for t in draft.tags if rng.random() > 0.2] + [f"{who}{rng.randint(0, 99)}"] * (rng.random() < 0.5)
    return Draft(list(dict.fromkeys(tags)), sections)


def random_base(rng: random.Random) -> Draft:
    titles = rng.sample(["History", "Method", "Results", "Related", "Sources"], rng.randint(1, 5))
    sections = [("", [sentence(rng, "base") for _ in range(rng.randint(1, 3))])]
    sections += [(t, [sentence(rng, "base") for _ in range(rng.randint(1, 3))]) for t in titles]
    return Draft(["automation", "rl", "search"][: rng.randint(1, 3)], sections)


def test_no_human_line_is_lost_under_random_edits() -> None:
    """Every line and tag the human added or changed survives, over two runs; a rerun changes nothing."""
    rng = random.Random(20260418)
    for _ in range(250):
        base_draft = random_base(rng)
        human, kwiki = edit(rng, base_draft, "human"), edit(rng, base_draft, "kwiki")
        base, disk, new = base_draft.text("2026-04-18"), human.text("2026-04-18"), kwiki.text("2026-05-02")
        result = merge_page(base, disk, new)
        lines = set(result.text.split("\n"))
        written = [line for _, body in human.sections for line in body if line.startswith("human-")]
        assert all(line in lines for line in written), (base, disk, new, result.text)
        added = [f"## {t}" for t, _ in human.sections if t and t not in dict(base_draft.sections)]
        assert all(heading in lines for heading in added)
        tags = parse_page(result.text).frontmatter["tags"]
        assert {t for t in human.tags if t.startswith("human")} <= set(tags)
        assert not {t for t in base_draft.tags if t not in human.tags} & set(tags)
        assert result.text.count(CALLOUT_HEAD) == len(result.conflicts)
        again = merge_page(base, result.text, new)
        assert (again.text, again.conflicts) == (result.text, result.conflicts)
        # the next run: the pipeline stored `new` as base, kwiki writes something else again
        later = merge_page(new, result.text, edit(rng, kwiki, "kwiki2").text("2026-06-01"))
        assert all(line in later.text.split("\n") for line in written)
        assert {t for t in human.tags if t.startswith("human")} <= set(parse_page(later.text).frontmatter["tags"])
