"""`kwiki ingest`: compile raw sources into the wiki, with progress on stderr and a summary (or JSON) on stdout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from kwiki.batch.run import BatchSummary
from kwiki.cli.app import app
from kwiki.cli.batch import (
    batch_json,
    collect_finished,
    plan_price,
    print_batch_summary,
    print_plan_price,
    run_batched,
)
from kwiki.cli.common import err, guarded, out, print_json, session
from kwiki.cli.undo import commit_and_say
from kwiki.ingest import IngestOptions, IngestReport, ingest
from kwiki.llm.prices import OFFLINE, Pricing
from kwiki.plan import estimated_cost


@app.command("ingest")
@guarded
def ingest_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders under raw/ (default: all of raw/).")
    ] = None,
    plan: Annotated[bool, typer.Option("--plan", help="Show what would be done and its cost; write nothing.")] = False,
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", "-c", min=1, max=64, help="Parallel LLM calls (default from kwiki.toml: 4)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    commit: Annotated[
        bool, typer.Option("--commit", help="Commit what the run changed under wiki/ to git (kwiki.toml: commit).")
    ] = False,
    batch: Annotated[
        bool, typer.Option("--batch", help="Use the provider's batch API: half the price, results within 24 h.")
    ] = False,
) -> None:
    """Ingest raw sources: source pages, knowledge pages, index, overview and log. Exit 1 if a source failed."""
    s = session(ctx)
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
    with _progress(quiet=as_json or plan) as advance:

        def run() -> IngestReport:
            nonlocal summary
            if batched and not plan:
                summary = run_batched(s, options, advance)
                return summary.report
            if not plan:
                collect_finished(s)
            return ingest(s.paths, s.llm(), options, advance)  # refreshes the search index itself

        report = commit_and_say(s.paths, run) if (commit or s.config.commit) and not plan else run()
    usage = s.meter.snapshot()
    for notice in usage["notices"]:
        err.print(f"note: {notice}")
    if as_json:
        data = plan_json(report, s.meter.pricing) if plan else summary_json(report, usage)
        if batched:
            data["batch"] = plan_price(report, s.config.model) if summary is None else batch_json(summary)
        print_json(data)
    elif plan:
        _print_plan(report, s.meter.pricing)
        if batched:
            print_plan_price(plan_price(report, s.config.model))
    else:
        _print_summary(report, usage, s.paths.wiki)
        if summary is not None:
            print_batch_summary(summary)
    if (report.failures or report.page_failures) and not plan:
        raise typer.Exit(1)


@contextmanager
def _progress(quiet: bool) -> Iterator[Any]:
    if quiet:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def advance(phase: str, item: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, description=f"{phase} {item[-40:]}")

        yield advance


def summary_json(report: IngestReport, usage: dict[str, Any]) -> dict[str, object]:
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
        "llm": usage,
        "failures": [{"path": f.path, "error": f.error} for f in report.failures],
        "page_failures": [{"path": f.path, "error": f.error} for f in report.page_failures],
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "dropped_quotes": report.dropped_quotes,
        "recovered_interrupted_run": report.recovered,
        "recovery_notes": report.recovery_notes,
        "seconds": round(report.seconds, 3),
    }


def plan_json(report: IngestReport, pricing: Pricing = OFFLINE) -> dict[str, object]:
    cost = estimated_cost(report.pending, report.page_plan, pricing)
    return {
        "sources": [
            {"path": p.path, "reason": p.reason, "chunks": p.chunks, "estimated_tokens": p.estimated_tokens}
            for p in report.pending
        ],
        "deleted": report.deleted,
        "unchanged": report.unchanged,
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "pages": [
            {
                "path": p.path,
                "action": p.action,
                "reason": p.reason,
                "sources": list(p.cluster.sources),
                "claims": len(p.claims),
                "estimated_tokens": p.estimated_tokens,
            }
            for p in report.page_plan
        ],
        "estimated_tokens": sum(p.estimated_tokens for p in report.pending)
        + sum(p.estimated_tokens for p in report.page_plan),
        "estimated_cost_usd": None if cost is None else round(cost, 4),
        "cost_note": pricing.unpriced,
    }


def _print_plan(report: IngestReport, pricing: Pricing) -> None:
    data = plan_json(report, pricing)
    table = Table("source", "why", "chunks", "~tokens", title="Sources to extract")
    for p in report.pending:
        table.add_row(p.path, p.reason, str(p.chunks), f"{p.estimated_tokens:,}")
    out.print(table)
    if report.page_plan:
        title = "Knowledge pages (from notes already extracted)"
        pages = Table("page", "action", "sources", "claims", "~tokens", title=title)
        for plan in report.page_plan:
            pages.add_row(
                plan.path,
                plan.action,
                str(len(plan.cluster.sources)),
                str(len(plan.claims)),
                f"{plan.estimated_tokens:,}",
            )
        out.print(pages)
    for path in report.deleted:
        out.print(f"deleted from raw/: {path} (its source page will be removed)")
    for s in report.skipped:
        out.print(f"skip {s.shown}: {s.reason}")
    out.print(
        f"{len(report.pending)} to extract, {report.unchanged} unchanged, {len(report.skipped)} skipped, "
        f"~{data['estimated_tokens']:,} tokens{_dollars(data['estimated_cost_usd'], pricing.unpriced)}. "
        "Nothing was written."
    )


def _dollars(cost: object, unpriced: str) -> str:
    """`, ~$0.42` — or, for a model without a price, say so (an offline provider costs nothing: say nothing)."""
    if isinstance(cost, float):
        return f", ~${cost:,.2f}" if cost >= 1 else f", ~${cost:.4f}"
    return "" if unpriced == OFFLINE.unpriced else f" ({unpriced})"


def _print_summary(report: IngestReport, usage: dict[str, Any], wiki: Path) -> None:
    for s in report.skipped:
        err.print(f"skipped {s.shown}: {s.reason}")
    for f in [*report.failures, *report.page_failures]:
        err.print(f"failed {f.path}: {f.error} (retried on the next run)")
    if report.recovered:
        err.print("finished an interrupted earlier run first")
    for note in report.recovery_notes:
        err.print(f"note: {note}")
    out.print(
        f"sources: {len(report.ingested)} ingested, {report.unchanged} unchanged, {len(report.skipped)} skipped, "
        f"{len(report.failures)} failed, {len(report.deleted)} deleted"
    )
    out.print(
        f"pages: {len(report.created)} created, {len(report.updated)} updated, {len(report.removed)} removed"
        + (f", {len(report.renamed)} renamed" if report.renamed else "")
        + (f", {len(report.conflicts)} with kwiki update conflicts (see kwiki lint)" if report.conflicts else "")
    )
    out.print(
        f"llm: {usage.get('calls', 0)} calls, {usage.get('input_tokens', 0):,} tokens in, "
        f"{usage.get('output_tokens', 0):,} out, {usage.get('cached_tokens', 0):,} cached, "
        f"{usage.get('cache_hits', 0)} cache hits{_dollars(usage['cost_usd'], usage['cost_note'])} · "
        f"{report.seconds:.1f} s"
    )
    out.print(f"wiki: {wiki} (open the folder as a vault in Obsidian)")
