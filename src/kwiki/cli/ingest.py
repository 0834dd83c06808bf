"""`kwiki ingest`: compile raw sources into the wiki, with progress on stderr and a summary (or JSON) on stdout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from kwiki.batch.run import BatchSummary
from kwiki.cli import progress
from kwiki.cli.app import app
from kwiki.cli.batch import (
    batch_json,
    collect_finished,
    plan_price,
    print_batch_summary,
    print_plan_price,
    run_batched,
)
from kwiki.cli.common import JsonOption, err, guarded, out, print_json, session
from kwiki.cli.ingest_plan import ADD_SOURCES, OFFLINE, dollars, plan_json, print_plan
from kwiki.cli.text import echo, plural
from kwiki.cli.undo import commit_and_say
from kwiki.ingest import IngestOptions, IngestReport, ingest


@app.command("ingest")
@guarded
def ingest_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(metavar="PATH", help="Files or folders under raw/ [default: all of raw/].")
    ] = None,
    plan: Annotated[bool, typer.Option("--plan", help="Show what would be done and its cost; write nothing.")] = False,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", "-c", metavar="N", min=1, max=64, help="Parallel LLM calls [default: kwiki.toml, else 4]."
        ),
    ] = None,
    as_json: JsonOption = False,
    commit: Annotated[
        bool, typer.Option("--commit", help="Commit what the run changed under wiki/ to git (kwiki.toml: commit).")
    ] = False,
    batch: Annotated[
        bool, typer.Option("--batch", help="Use the provider's batch API: half the price, results within 24 h.")
    ] = False,
) -> None:
    """Compile raw sources into the wiki.

    Writes source pages, knowledge pages, index, overview and log. Exit 1 if a source failed.
    """
    s = session(ctx, quiet=as_json)
    options = IngestOptions(
        targets=tuple(paths or ()),
        plan_only=plan,
        concurrency=concurrency or s.config.concurrency,
        max_bytes=int(s.config.max_source_mb * 1_000_000),
        today=dt.date.today().isoformat(),
        provider=s.config.provider,
        source_images=s.config.source_images,
    )
    batched = batch or s.config.batch
    summary: BatchSummary | None = None
    with progress.bars(progress.wanted(as_json) and not plan) as advance:

        def run() -> IngestReport:
            nonlocal summary
            if batched and not plan:
                summary = run_batched(s, options, advance)
                return summary.report
            if not plan:
                collect_finished(s)
            return ingest(s.paths, s.llm(planning=plan), options, advance)  # refreshes the search index itself

        report = commit_and_say(s.paths, run) if (commit or s.config.commit) and not plan else run()
    usage = None if s.offline else s.meter.snapshot()
    for notice in usage["notices"] if usage else ():
        err.print(f"note: {notice}")
    if not as_json and not s.paths.schema.is_file() and any("CLAUDE.md" in p.reason for p in report.pending):
        err.print(f"note: {s.paths.schema.name} is missing: the sources compiled with it are extracted again")
        err.print(f"  fix: restore it (git checkout {s.paths.schema.name}), or `kwiki init` writes the default one")
    if as_json:
        data = plan_json(report, s.offline, s.meter.pricing) if plan else summary_json(report, usage)
        if batched:
            price = plan_price(report, s.config.model, s.meter.pricing)
            data["batch"] = price if summary is None else batch_json(summary)
        print_json(data)
    elif plan:
        print_plan(report, s.offline, s.meter.pricing)
        if batched:
            print_plan_price(plan_price(report, s.config.model, s.meter.pricing))
    else:
        _print_summary(report, usage, s.paths.wiki)
        if summary is not None:
            print_batch_summary(summary)
    if (report.failures or report.page_failures) and not plan:
        raise typer.Exit(1)


def summary_json(report: IngestReport, usage: dict[str, Any] | None) -> dict[str, object]:
    return {
        "sources": {
            "ingested": len(report.ingested),
            "unchanged": report.unchanged,
            "skipped": len(report.skipped),
            "failed": len(report.failures),
            "deleted": len(report.deleted),
        },
        "pages": {
            "created": len(report.created),
            "updated": len(report.updated),
            "deleted": len(report.removed),
            "renamed": len(report.renamed),
            "conflicts": len(report.conflicts),
        },
        "llm": {"offline": True, "calls": 0, "input_tokens": 0, "output_tokens": 0} if usage is None else usage,
        "failures": [{"path": f.path, "error": f.error} for f in report.failures],
        "page_failures": [{"path": f.path, "error": f.error} for f in report.page_failures],
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "dropped_quotes": report.dropped_quotes,
        "recovered_interrupted_run": report.recovered,
        "recovery_notes": report.recovery_notes,
        "vault_entries": [{"path": o.path, "problem": o.problem, "fix": o.fix} for o in report.odd],
        "seconds": round(report.seconds, 3),
    }


def _print_summary(report: IngestReport, usage: dict[str, Any] | None, wiki: Path) -> None:
    for s in report.skipped:
        err.print(f"skipped {s.shown}: {s.reason}")
    for f in [*report.failures, *report.page_failures]:
        err.print(f"failed {f.path}: {f.error} (retried on the next run)")
    if report.recovered:
        err.print("finished an interrupted earlier run first")
    for note in report.recovery_notes:
        err.print(f"note: {note}")
    for odd in report.odd:
        err.print(f"note: {odd.path}: {odd.problem} — fix: {odd.fix}")
    echo(
        f"sources: {len(report.ingested)} ingested, {report.unchanged} unchanged, {len(report.skipped)} skipped, "
        f"{len(report.failures)} failed, {len(report.deleted)} deleted"
    )
    echo(_pages_line(report))
    echo(f"llm: {_usage_line(usage)} · {report.seconds:.1f} s")
    if _found_nothing(report):
        echo(f"raw/ holds no sources yet: {ADD_SOURCES}")
    out.print(f"wiki: {wiki} (open the folder as a vault in Obsidian)")  # a path is never split


def _pages_line(report: IngestReport) -> str:
    if not (report.created or report.updated or report.removed or report.renamed):
        same = " (the pages on disk were already identical to what was compiled)" if report.ingested else ""
        return f"pages: none changed{same}"
    return (
        f"pages: {len(report.created)} created, {len(report.updated)} updated, {len(report.removed)} removed"
        + (f", {len(report.renamed)} renamed" if report.renamed else "")
        + (f", {len(report.conflicts)} with kwiki update conflicts (see kwiki lint)" if report.conflicts else "")
    )


def _usage_line(usage: dict[str, Any] | None) -> str:
    if usage is None:
        return OFFLINE
    return (
        f"{plural(usage.get('calls', 0), 'call')}, {usage.get('input_tokens', 0):,} tokens in, "
        f"{usage.get('output_tokens', 0):,} out, {usage.get('cached_tokens', 0):,} cached, "
        f"{plural(usage.get('cache_hits', 0), 'cache hit')}{dollars(usage['cost_usd'], usage['cost_note'])}"
    )


def _found_nothing(report: IngestReport) -> bool:
    return not (report.ingested or report.unchanged or report.skipped or report.failures or report.deleted)
