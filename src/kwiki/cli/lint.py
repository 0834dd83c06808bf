"""`kwiki lint`: check the wiki, print findings as a compiler does (or JSON), exit 1 on errors."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from kwiki.cli import progress
from kwiki.cli.app import app
from kwiki.cli.common import JsonOption, guarded, out, print_json, session
from kwiki.cli.text import echo, plural, wrap
from kwiki.state import State

if TYPE_CHECKING:  # the lint engine is loaded by `kwiki lint`, not by every command
    from kwiki.lint import LintReport
    from kwiki.lint.model import DeepSummary

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
    from kwiki.lint import LintOptions, run_lint

    s = session(ctx, quiet=as_json)
    options = LintOptions(fix=fix, deep=deep, budget=budget)
    writes = fix or deep  # run_lint takes the project lock for these
    with contextlib.ExitStack() as stack:
        state = stack.enter_context(State.open(s.paths.state_db)) if writes or s.paths.state_db.is_file() else None
        show = progress.wanted(as_json)
        llm = s.llm() if deep else None
        stack.callback(s.print_notices)  # a json_schema fallback during --deep, even when lint then fails
        with progress.bars(show and deep) as advance, progress.spinner(show and not deep, "checking the wiki"):
            report = run_lint(s.paths, state, options, llm, advance)
    _show(report, as_json, fix)
    if report.failed(strict):
        raise typer.Exit(1)


def _show(report: LintReport, as_json: bool, fixed: bool) -> None:
    if as_json:
        print_json({"findings": report.findings, "counts": report.counts(), "fixes": report.fixes, "deep": report.deep})
        return
    render(report, out.width)
    if fixed:
        _kept_links(report)


def render(report: LintReport, width: int) -> None:
    """Like a compiler: `path:line: severity id message`, an indented fix, files apart, then a summary."""
    from kwiki.lint.model import SEVERITIES

    rank = {severity: n for n, severity in enumerate(SEVERITIES)}
    for fix in report.fixes:
        _lines(f"fixed {fix.path}: {fix.action}", width)
    previous = None
    for f in sorted(report.findings, key=lambda f: (f.path, f.line, rank[f.severity], f.id)):
        if previous is not None and f.path != previous:
            out.print()
        previous = f.path
        where = f"{f.path}:{f.line}: " if f.line else f"{f.path}: "
        _lines(f"{where}{f.severity} {f.id} {f.message}", width, (len(where), len(where) + len(f.severity)), f.severity)
        _lines(f"fix: {f.fix}", width, indent="    ", hang="         ")
    if report.deep is not None:
        out.print()
        _lines(_deep_line(report.deep), width)
    if report.findings or report.deep is not None:
        out.print()
    _lines(summary(report), width)


def _kept_links(report: LintReport) -> None:
    kept = sum(f.id == "link-unresolved" for f in report.findings)
    if kept:
        echo(
            f"kept {plural(kept, 'broken link')} kwiki did not write (--fix unlinks only its own and links to "
            "deleted pages): create the pages they name, or correct them"
        )


def summary(report: LintReport) -> str:
    counts = report.counts()
    parts = [plural(counts["error"], "error"), plural(counts["warning"], "warning")]
    if counts["info"]:
        parts.append(plural(counts["info"], "info"))
    return ", ".join(parts) + (f"; {plural(len(report.fixes), 'fix')} made" if report.fixes else "")


def _deep_line(d: DeepSummary) -> str:
    line = (
        f"deep: {plural(d.pairs, 'pair')} ranked, {plural(d.calls, 'call')}, {d.cached} from cache, "
        f"{d.unchecked} left for later (budget), {d.failed} failed, {plural(d.new_contradictions, 'new contradiction')}"
    )
    return line + (f" (first failure: {d.error}; those pairs are compared again next run)" if d.failed else "")


def _lines(
    text: str, width: int, span: tuple[int, int] = (0, 0), severity: str = "", indent: str = "", hang: str = "    "
) -> None:
    for number, line in enumerate(wrap(text, width, indent, hang)):
        styled = Text(line)
        if number == 0 and severity:
            styled.stylize(STYLES[severity], *span)
        out.print(styled)
