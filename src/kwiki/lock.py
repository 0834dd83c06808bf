"""One kwiki writer per project: an exclusive flock on .kwiki/lock, released by the kernel if the process dies."""

from __future__ import annotations

import errno
import fcntl
import os
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TextIO

from kwiki.errors import KwikiError, LockedError

_HELD: set[TextIO] = set()  # the lock files this process holds, each with its note


def clear_notes() -> None:
    """Empty the note of every lock this process holds, for a process about to exit at once (SIGTERM): the kernel
    frees the locks, and no stale note is left for `kwiki doctor` to report."""
    for handle in list(_HELD):
        try:
            handle.truncate(0)
            handle.flush()
        except (OSError, ValueError):  # closed meanwhile, or the disk refuses: the note is only a message
            continue


class ProjectLock:
    """Context manager; a second holder fails at once with a message naming the first."""

    def __init__(self, state_dir: Path, command: str) -> None:
        self._path = state_dir / "lock"
        self._command = command
        self._handle: TextIO | None = None

    def __enter__(self) -> ProjectLock:
        handle = self._open()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another kwiki process"
            handle.close()
            raise LockedError(
                f"the project is locked by {holder}",
                "wait for it to finish; the lock frees itself when that process exits",
            ) from None
        handle.seek(0)
        handle.truncate()
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        handle.write(f"`kwiki {self._command}` (pid {os.getpid()}, started {started}, {sys.platform})\n")
        handle.flush()
        self._handle = handle
        _HELD.add(handle)
        return self

    def _open(self) -> TextIO:
        """The lock file, opened without truncating it: a process that loses the race must not erase the holder."""
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            if self._path.is_symlink() or (self._path.exists() and not self._path.is_file()):
                raise IsADirectoryError(errno.EISDIR, "not a regular file")
            return self._path.open("a+", encoding="utf-8")
        except OSError as err:
            unwritable = err.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
            raise KwikiError(
                f"cannot use the lock file {self._path} ({err.strerror or err})",
                "run kwiki where it may write (the project's .kwiki/ is read-only or not yours)"
                if unwritable
                else "run `kwiki doctor --fix` (it removes a lock folder or a stale lock), then try again",
            ) from None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._handle is not None:
            _HELD.discard(self._handle)
            self._handle.truncate(0)
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
