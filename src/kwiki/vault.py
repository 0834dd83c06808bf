"""The only way kwiki writes files: atomically, and only inside wiki/ or .kwiki/, never through a symlink."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from kwiki.errors import UnsafePathError

TEMP_SUFFIX = ".kwiki-tmp"


def safe_target(root: Path, rel_path: str) -> Path:
    """`root/rel_path`, refused when it escapes root or passes through a symlink on the way."""
    rel = Path(rel_path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise UnsafePathError(f"refusing to write {rel_path!r}", "kwiki writes only relative paths inside its root")
    current = root
    for part in rel.parts:
        current = current / part
        if current.is_symlink():
            raise UnsafePathError(f"refusing to write through the symlink {current}", "replace it with a folder")
    resolved_root = root.resolve()
    if not current.resolve().is_relative_to(resolved_root):
        raise UnsafePathError(f"refusing to write {current}: outside {resolved_root}")
    return current


def write_text(root: Path, rel_path: str, text: str, durable: bool = True) -> Path:
    """Write atomically: a dot-named temp file in the same folder, fsync, then os.replace.

    `durable=False` skips the per-file fsync, for callers that sync once for a whole batch (the journal).
    """
    target = safe_target(root, rel_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; pages should get the user's usual mode
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
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
    for tmp in root.rglob(f".*{TEMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)
        count += 1
    return count
