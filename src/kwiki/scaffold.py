"""`kwiki init`: lay out a new project from the packaged templates, creating only what is missing."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kwiki import vault
from kwiki.errors import UsageError
from kwiki.project import CONFIG_NAME

FOLDERS = ("raw", "wiki")
# project-relative path -> template name (in kwiki/templates); the template of .gitignore has no dot, so
# that git does not apply it to kwiki's own source tree
FILES = {
    "CLAUDE.md": "CLAUDE.md",
    "kwiki.toml": "kwiki.toml",
    ".gitignore": "gitignore",
    "wiki/.obsidian/app.json": "obsidian/app.json",
    "wiki/.obsidian/graph.json": "obsidian/graph.json",
    "wiki/.obsidian/types.json": "obsidian/types.json",
}


@dataclass(frozen=True)
class InitResult:
    """Project-relative paths (folders end with "/") that init made, and those that already existed."""

    root: Path
    created: list[str]
    kept: list[str]


def template_text(name: str) -> str:
    return (resources.files("kwiki") / "templates" / name).read_text(encoding="utf-8")


def init_project(root: Path) -> InitResult:
    """Create root, raw/, wiki/ and the files of FILES that are absent; never touch an existing file."""
    root = root.absolute()
    _refuse_nesting(root)
    _ensure_folder(root, str(root))
    created: list[str] = []
    kept: list[str] = []
    for folder in FOLDERS:
        existed = (root / folder).exists()
        _ensure_folder(root / folder, f"{folder}/")
        (kept if existed else created).append(f"{folder}/")
    for rel, template in FILES.items():
        target = root / rel
        # is_symlink too: a dangling symlink does not "exist", yet writing there would replace it
        if target.exists() or target.is_symlink():
            kept.append(rel)
        else:
            vault.create_new(root, rel, template_text(template))
            created.append(rel)
    return InitResult(root, created, kept)


def _refuse_nesting(root: Path) -> None:
    """A project inside another's raw/ would be ingested as sources (its CLAUDE.md a page); inside wiki/ or
    .kwiki/ it would be kwiki's own files."""
    for outer in root.parents:
        if (outer / CONFIG_NAME).is_file():
            inside = root.relative_to(outer).parts[0]
            if inside in ("raw", "wiki", ".kwiki"):
                raise UsageError(
                    f"{root} is inside the {inside}/ folder of the kwiki project at {outer}",
                    "init the new project outside it (a project's raw/ holds sources, its wiki/ the pages)",
                )
            return


def _ensure_folder(path: Path, label: str) -> None:
    if path.exists() and not path.is_dir():
        raise UsageError(f"{label} exists but is not a folder", "move it away, or init the project elsewhere")
    path.mkdir(parents=True, exist_ok=True)
