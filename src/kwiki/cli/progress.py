"""Progress on stderr while a long step runs: bars for counted phases, a spinner for the rest.

Shown only when stderr is a terminal and the command is not printing --json, so that piped output, logs and
JSON consumers see results and errors only. The core reports progress through callbacks
(phase, item, done, total); this module draws them with rich.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kwiki.cli.common import err

Advance = Callable[[str, str, int, int], None]
ITEM_CHARS = 40


def wanted(as_json: bool) -> bool:
    return err.is_terminal and not as_json


@contextmanager
def bars(enabled: bool) -> Iterator[Advance | None]:
    """A callback that draws one bar per phase; None when progress is not shown."""
    if not enabled:
        yield None
        return
    # imported here: a run that shows no bars (piped, --json, a no-op in a script) never loads rich.progress
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def advance(phase: str, item: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            shown = item if len(item) <= ITEM_CHARS else "…" + item[-ITEM_CHARS + 1 :]
            bar.update(tasks[phase], completed=done, description=f"{phase} {shown}")

        yield advance


@contextmanager
def spinner(enabled: bool, message: str) -> Iterator[None]:
    """A spinner with `message` while an uncounted step runs."""
    if not enabled:
        yield
        return
    with err.status(message):
        yield
