"""Link resolution follows Obsidian's observed rules (exact path, same folder, shortest path, any case)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kwiki.links import VaultIndex
from kwiki.markdown import parse_page

VAULT = [
    "Note.md",
    "a/Note.md",
    "zzzz/Other.md",
    "a/b/Other.md",
    "c/Other.md",
    "concepts/Verifiability.md",
    "sources/karpathy-2025.md",
    "assets/img.png",
    "x/My Note.md",
    "Log.md",
]


@pytest.mark.parametrize(
    ("target", "from_path", "expected"),
    [
        ("Note", "a/x.md", "Note.md"),  # an exact vault path beats the same folder
        ("a/Note", "x.md", "a/Note.md"),  # folder-qualified path
        ("Other", "zzzz/x.md", "zzzz/Other.md"),  # same folder as the linking note
        ("Other", "x.md", "c/Other.md"),  # otherwise the shortest path string
        ("b/Other", "x.md", "a/b/Other.md"),  # partial path matches a path suffix
        ("verifiability", "sources/karpathy-2025.md", "concepts/Verifiability.md"),  # case-insensitive
        ("LOG", "concepts/Verifiability.md", "Log.md"),
        ("Verifiability.md", "x.md", "concepts/Verifiability.md"),  # .md is optional
        ("img.png", "concepts/Verifiability.md", "assets/img.png"),  # other files need their extension
        ("img", "x.md", None),
        ("Verifiability#Heading", "x.md", "concepts/Verifiability.md"),
        ("", "concepts/Verifiability.md", "concepts/Verifiability.md"),  # [[#heading]] is the note itself
        ("../Note", "a/x.md", "Note.md"),
        ("missing", "x.md", None),
        ("verifiable tasks", "x.md", None),  # aliases never resolve
    ],
)
def test_resolve_follows_obsidian_rules(target: str, from_path: str, expected: str | None) -> None:
    assert VaultIndex.from_paths(VAULT).resolve(target, from_path) == expected


def test_percent_encoded_markdown_link_resolves_vault_wide() -> None:
    page = parse_page("See [the note](My%20Note.md#Intro) and [rel](../x/My%20Note.md).\n")
    index = VaultIndex.from_paths(VAULT)
    assert [index.resolve(link.target, "concepts/Verifiability.md") for link in page.links] == [
        "x/My Note.md",
        "x/My Note.md",
    ]
    assert page.links[0].subpath == "Intro"


def test_basenames_clashing_groups_names_equal_ignoring_case() -> None:
    index = VaultIndex.from_paths(["a/Foo.md", "b/foo.md", "c/bar.md", "foo.png"])
    assert index.basenames_clashing() == [("a/Foo.md", "b/foo.md")]


def test_scan_skips_hidden_folders_and_files(tmp_path: Path) -> None:
    for rel in ("concepts/a.md", ".obsidian/app.json", "concepts/.a.md.kwiki-tmp", "index.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    index = VaultIndex.scan(tmp_path)
    assert index.paths == ("concepts/a.md", "index.md")
    assert "CONCEPTS/A.md" in index
