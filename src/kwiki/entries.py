"""Reading the vault's own files without trusting them: an odd entry is skipped or read with replacement, and named.

A vault is a folder humans and other tools write into, so a name ending in `.md` may be a folder, a FIFO (opening
it blocking would hang kwiki), a symlink loop, a dangling link, or a page saved as latin-1. Every reader of wiki/
and `.kwiki/base/` lists and reads through here: listing is `lstat` only (no file is opened), reading opens
non-blocking and checks the file is regular. What could not be read cleanly comes back as an `Odd` (the file, what
is wrong, how to fix it), which the command reports once; kwiki never writes a page it could not read (§5).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kwiki.markdown.properties import load_properties, split_text

NOT_UTF8 = "not valid UTF-8"  # a page read with replacement characters: kwiki reads it but never rewrites it
_FIXES = {
    "folder": "rename the folder so its name does not end in .md",
    "link": "point the symlink at a page, or remove it",
    "special": "move it out of the vault; a page is a regular file",
    NOT_UTF8: "save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`), then run the command again",
    "yaml": "fix the YAML between the --- lines (until then kwiki reads the page without its properties)",
}
BASE_FIX = "nothing to do: it is kwiki's own copy; the page's next update replaces it (your page is kept whole)"
_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"))


@dataclass(frozen=True)
class Odd:
    """A vault entry kwiki skipped or read only in part; `path` is relative to the folder that was listed."""

    path: str
    problem: str
    fix: str
    held: bool = True  # kwiki does not write over it this run (False: its own base, a page merge keeps whole)


@dataclass(frozen=True)
class Listing:
    names: frozenset[str]  # posix paths of the regular (or symlinked regular) files that match
    odd: tuple[Odd, ...]


def list_files(root: Path, suffix: str = ".md") -> Listing:
    """Files under `root` (not hidden, not in hidden folders) whose name ends in `suffix` ("" for any)."""
    names: set[str] = set()
    odd: list[Odd] = []
    for rel, entry in _walk(root):
        if not rel.endswith(suffix) or (not suffix and entry.is_dir() and not entry.is_symlink()):
            continue
        problem = _entry_problem(entry)
        if problem is None:
            names.add(rel)
        else:
            odd.append(Odd(rel, *problem))
    return Listing(frozenset(names), tuple(sorted(odd, key=lambda o: o.path)))


def _walk(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder)
        prefix = base.relative_to(root).as_posix() + "/" if base != root else ""
        for name in sorted(n for n in (*dirs, *files) if not n.startswith(".")):
            yield prefix + name, base / name


def _entry_problem(path: Path) -> tuple[str, str] | None:
    """None for a (symlinked) regular file; else (what it is, how to fix it). stat only: nothing is opened."""
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            info = path.stat()
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a symlink loop, not a page", _FIXES["link"]
        return f"{'a dangling symlink' if path.is_symlink() else err.strerror}, not a page", _FIXES["link"]
    if stat.S_ISDIR(info.st_mode):
        return "a folder, not a page", _FIXES["folder"]
    if stat.S_ISREG(info.st_mode):
        return None
    kind = next((k for test, k in _KINDS if test(info.st_mode)), "not a regular file")
    return f"{kind}, not a page", _FIXES["special"]


def read_text(root: Path, rel: str) -> tuple[str, Odd | None]:
    """The file's text (undecodable bytes become U+FFFD) and what was wrong with it; never blocks, never raises."""
    try:
        fd = os.open(root / rel, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        return "", Odd(rel, *(_entry_problem(root / rel) or (f"cannot be read ({err.strerror})", _FIXES["special"])))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "", Odd(rel, *(_entry_problem(root / rel) or ("not a regular file, not a page", _FIXES["special"])))
        try:
            data = handle.read()
        except OSError as err:
            return "", Odd(rel, f"cannot be read ({err.strerror})", _FIXES["special"])
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as err:
        problem = f"{NOT_UTF8} (byte {err.start}): read with replacement characters; kwiki does not rewrite it"
        return data.decode("utf-8", "replace"), Odd(rel, problem, _FIXES[NOT_UTF8])


def frontmatter_problem(rel: str, text: str) -> Odd | None:
    """The page's frontmatter cannot be parsed (kwiki then reads the page as having no properties)."""
    part = split_text(text)
    error = part.error or (load_properties(part.yaml_text)[1] if part.yaml_text is not None else "")
    return Odd(rel, f"broken frontmatter: {error}", _FIXES["yaml"], held=False) if error else None


def shown(odd: Iterable[Odd], folder: str) -> tuple[Odd, ...]:
    """The same entries with paths relative to the project (`folder` is e.g. "wiki" or ".kwiki/base")."""
    return tuple(Odd(f"{folder}/{o.path}", o.problem, o.fix) for o in odd)
