"""`kwiki lint`: check the wiki, print findings grouped by severity (or JSON), exit 1 on errors."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from kwiki.cli.app import app
from kwiki.cli.common import JsonOption, guarded, out, print_json, session
from kwiki.lint import LintOptions, LintReport, run_lint
from kwiki.lint.model import SEVERITIES
from kwiki.lock import ProjectLock
from kwiki.state import State

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


@app.command("lint")
@guarded
def lint(
    ctx: typer.Context,
    fix: Annotated[
        bool, typer.Option("--fix", help="Repair what code can repair safely, and say what it did.")
    ] = False,
    deep: Annotated[
        bool, typer.Option("--deep", help="Ask the model to compare related pages for contradictions.")
    ] = False,
    budget: Annotated[
        int | None,
        typer.Option(metavar="CALLS", min=0, help="At most this many --deep model calls [default: min(50, pages)]."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Count warnings as errors for the exit code.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the wiki: links, names, properties, evidence, freshness.

    Also catalogs (index, log) and open contradictions. Exit 1 on errors (--strict: on warnings too).
    """
    s = session(ctx)
    options = LintOptions(fix=fix, deep=deep, budget=budget)
    writes = fix or deep
    with contextlib.ExitStack() as stack:
        if writes:
            stack.enter_context(ProjectLock(s.paths.state_dir, "lint"))
        state = stack.enter_context(State.open(s.paths.state_db)) if writes or s.paths.state_db.is_file() else None
        report = run_lint(s.paths, state, options, s.llm() if deep else None)
    if as_json:
        print_json({"findings": report.findings, "counts": report.counts(), "fixes": report.fixes, "deep": report.deep})
    else:
        render(report)
    if report.failed(strict):
        raise typer.Exit(1)


def render(report: LintReport) -> None:
    for fix in report.fixes:
        out.print(f"fixed  {fix.path}: {fix.action}")
    for severity in SEVERITIES:
        found = [f for f in report.findings if f.severity == severity]
        if not found:
            continue
        table = Table(title=Text(f"{severity}s ({len(found)})", style=STYLES[severity]), title_justify="left")
        table.add_column("where", no_wrap=True)
        table.add_column("check", no_wrap=True)
        table.add_column("problem", overflow="fold", ratio=3)
        table.add_column("fix", overflow="fold", ratio=2)
        for f in found:
            table.add_row(Text(f"{f.path}:{f.line}"), Text(f.id), Text(f.message), Text(f.fix))
        out.print(table)
    if report.deep is not None:
        d = report.deep
        out.print(
            f"deep: {d.pairs} pairs ranked, {d.calls} calls, {d.cached} from cache, {d.unchecked} left for later"
            f" (budget), {d.failed} failed, {d.new_contradictions} new contradictions"
        )
    counts = report.counts()
    out.print(
        ", ".join(f"{counts[s]} {s}s" for s in SEVERITIES) + (f"; {len(report.fixes)} fixes" if report.fixes else "")
    )
