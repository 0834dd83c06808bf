"""The only way kwiki writes files: atomically, and only inside wiki/ or .kwiki/, never through a symlink.

The guard is structural, not a promise of each caller: whatever root a caller passes, `write_text` and `remove`
refuse a target inside a project (a folder holding kwiki.toml) but outside its `wiki/` and `.kwiki/`. So raw/
and the project's own files cannot be written by any caller. `kwiki init` alone
lays out a project's root files, through `create_new`, which only ever creates files that do not exist.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from kwiki.errors import UnsafePathError
from kwiki.project import CONFIG_NAME

TEMP_SUFFIX = ".kwiki-tmp"


WRITABLE = ("wiki", ".kwiki")  # the folders of a project kwiki may write; see project.Paths


def safe_target(root: Path, rel_path: str) -> Path:
    """`root/rel_path`, refused when it escapes root, passes through a symlink, or is outside wiki/ and .kwiki/."""
    target = _contained(root, rel_path)
    if not _writable_area(_resolved(root)):
        raise UnsafePathError(f"refusing to write {target}: kwiki writes only inside a project's wiki/ and .kwiki/")
    return target


def _contained(root: Path, rel_path: str) -> Path:
    """No part of `rel_path` is absolute, "..", or a symlink: so the target is inside root by construction."""
    parts = [part for part in rel_path.split("/") if part not in ("", ".")]  # the parts pathlib would see
    if rel_path.startswith("/") or ".." in parts or not parts:
        raise UnsafePathError(f"refusing to write {rel_path!r}", "kwiki writes only relative paths inside its root")
    current = str(root)
    for part in parts:
        current = os.path.join(current, part)
        if os.path.islink(current):
            raise UnsafePathError(f"refusing to write through the symlink {current}", "replace it with a folder")
    return Path(current)


def _resolved(root: Path) -> str:
    """The real path of root; remembered for an absolute root that is not itself a link (a link may be pointed
    anywhere at any time, and a relative root means another folder after a chdir)."""
    if os.path.islink(root) or not root.is_absolute():
        return os.path.realpath(root)
    return _real_folder(str(root))


@lru_cache(maxsize=256)
def _real_folder(root: str) -> str:  # a realpath costs a stat per part, and a run writes thousands of files
    return os.path.realpath(root)


@lru_cache(maxsize=256)
def _writable_area(resolved_root: str) -> bool:
    """Inside a project (a folder holding kwiki.toml), only its wiki/ and .kwiki/ are writable."""
    folder = Path(resolved_root)
    for project in (folder, *folder.parents):
        if (project / CONFIG_NAME).is_file():
            return folder != project and folder.relative_to(project).parts[0] in WRITABLE
    return True  # no project around it (a cache folder of its own): nothing of a project to protect


def write_text(root: Path, rel_path: str, text: str, durable: bool = True) -> Path:
    """Write atomically: a dot-named temp file in the same folder, fsync, then os.replace.

    `durable=False` skips the per-file fsync, for callers that sync once for a whole batch (the journal).
    """
    return _write(safe_target(root, rel_path), (text,), durable)


def write_chunks(root: Path, rel_path: str, chunks: Iterable[str], durable: bool = True) -> Path:
    """`write_text` for a text too large to hold as one string (the journal): written as `chunks` come.

    Equally atomic: the target is replaced only after the last chunk is written (and fsynced); when `chunks`
    raises, the target is left as it was and the temp file is removed.
    """
    return _write(safe_target(root, rel_path), chunks, durable)


def create_new(root: Path, rel_path: str, text: str) -> Path:
    """`kwiki init` only: create a file of a new project's layout (kwiki.toml, CLAUDE.md, …); never overwrites."""
    target = _contained(root, rel_path)
    if target.exists() or target.is_symlink():
        raise UnsafePathError(f"refusing to overwrite {target}", "kwiki init only creates files that are missing")
    return _write(target, (text,), durable=True)


def _write(target: Path, chunks: Iterable[str], durable: bool) -> Path:
    if not os.path.isdir(target.parent):  # one stat in the usual case, not a mkdir that fails
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; pages should get the user's usual mode
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove(root: Path, rel_path: str) -> bool:
    """Delete a file kwiki owns; False when it was already gone."""
    target = safe_target(root, rel_path)
    try:
        target.unlink()
    except FileNotFoundError:
        return False
    return True


def clean_temp_files(root: Path) -> int:
    """Remove temp files left by a killed run; they never replaced anything, so they hold nothing of value."""
    count = 0
    for folder, _, names in os.walk(root):  # folder links are not followed: nothing outside root is touched
        for name in names:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                Path(folder, name).unlink(missing_ok=True)
                count += 1
    return count
