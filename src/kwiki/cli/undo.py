"""`kwiki undo`: revert kwiki's last git commit (and its state), and the commit step of `kwiki ingest --commit`."""

from __future__ import annotations

from collections.abc import Callable

import typer

from kwiki.cli.app import app
from kwiki.cli.common import JsonOption, err, guarded, out, print_json, session
from kwiki.cli.text import plural
from kwiki.gitops import commit_ingest, undo
from kwiki.ingest import IngestReport
from kwiki.project import Paths
from kwiki.search import refresh_index


@app.command("undo")
@guarded
def undo_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Revert kwiki's last commit while it is HEAD and its files are unchanged; the next ingest redoes that work."""
    s = session(ctx, quiet=as_json)
    reverted = undo(s.paths)
    refresh_index(s.paths)
    if as_json:
        print_json({"reverted": reverted})
        return
    out.print(f"{reverted.subject} — {plural(len(reverted.files), 'file')} restored ({reverted.sha[:12]})")
    out.print("the sources of that run are pending again: `kwiki ingest` recompiles them")


def commit_and_say(paths: Paths, run: Callable[[], IngestReport]) -> IngestReport:
    """Run the ingest, commit what it changed under wiki/, and say which commit (on stderr: stdout may be JSON)."""
    report, commit = commit_ingest(paths, run)
    if commit is None:
        err.print("git: nothing changed under wiki/, no commit")
    else:
        err.print(f"git: committed {len(commit.files)} files as {commit.sha[:12]} ({commit.subject})")
    return report
