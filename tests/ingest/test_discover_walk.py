"""discover lists raw/ in the order of its path parts, whatever characters sort around the folder separator."""

from __future__ import annotations

from pathlib import PurePosixPath

from kwiki.discover import discover
from kwiki.project import Paths

NAMES = ["a.md", "a/x.md", "a-b.md", "a b/y.md", "a/b/c.md", "a!.md", "Z.md", "a/.hidden.md", "é.md", "a.b/z.md"]


def test_sources_are_listed_in_path_part_order_and_hidden_ones_are_skipped(project: Paths) -> None:
    for name in NAMES:
        (project.raw / name).parent.mkdir(parents=True, exist_ok=True)
        (project.raw / name).write_text(f"# {name}\n\nText.\n", encoding="utf-8")
    found = discover(project.raw, [project.raw], {}, 1_000_000)
    visible = [n for n in NAMES if ".hidden" not in n]
    assert [f.rel for f in found.found] == sorted(visible, key=lambda n: PurePosixPath(n).parts)
    assert [(s.path, s.reason) for s in found.skipped] == [("a/.hidden.md", "hidden file")]


def test_several_targets_are_merged_in_path_order_once_each(project: Paths) -> None:
    for name in ("b/one.md", "a/two.md", "a/three.md"):
        (project.raw / name).parent.mkdir(parents=True, exist_ok=True)
        (project.raw / name).write_text("# x\n\nText.\n", encoding="utf-8")
    targets = [project.raw / "b", project.raw / "a", project.raw / "a" / "two.md"]
    found = discover(project.raw, targets, {}, 1_000_000)
    assert [f.rel for f in found.found] == ["a/three.md", "a/two.md", "b/one.md"]
