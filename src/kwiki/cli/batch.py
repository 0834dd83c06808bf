"""`kwiki ingest --batch`: run the ingest through the provider's batch API; show the batch price in `--plan`."""

from __future__ import annotations

from collections.abc import Callable

from kwiki.batch.client import batch_api
from kwiki.batch.collect import Progress
from kwiki.batch.run import BatchRunner, BatchSummary, Waiting
from kwiki.batch.store import InFlight, in_flight_batches
from kwiki.cli.common import Session, err, out
from kwiki.ingest import IngestOptions, IngestReport
from kwiki.llm.prices import Pricing
from kwiki.plan import estimated_cost, total_tokens


def run_batched(s: Session, options: IngestOptions, advance: Progress | None) -> BatchSummary:
    """The ingest in batch rounds; each poll moves a `batch` bar on stderr (nothing when `advance` is None)."""
    api = batch_api(s.config, s.env)
    on_wait = _poll(advance)
    runner = BatchRunner(s.paths, api, s.config.provider, meter=s.meter, on_wait=on_wait, deadline=s.config.deadline)
    return runner.ingest(options, advance)


def collect_finished(s: Session) -> None:
    """Before a direct ingest: results of batches an interrupted `--batch` run left in flight, if finished."""
    mine = [b for b in in_flight_batches(s.paths) if (b.provider, b.model) == (s.config.provider, s.config.model)]
    if not mine:
        return
    runner = BatchRunner(s.paths, batch_api(s.config, s.env), s.config.provider, meter=s.meter)
    collected, waiting = runner.collect_finished()
    err.print(
        f"collected {len(collected)} finished batch(es) of an earlier `--batch` run"
        + (f"; {len(waiting)} still in flight (`kwiki ingest --batch` waits for them)" if waiting else "")
    )


def batch_line(b: InFlight) -> str:
    """One batch for `kwiki status`."""
    if b.submitting:
        return (
            f"batch     being submitted since {b.submitted} ({b.requests} requests to {b.provider} {b.model}; "
            "its id never came back) — the next `kwiki ingest` looks it up at the provider before resubmitting"
        )
    return (
        f"batch     {b.batch_id} in flight: {b.requests} requests to {b.provider} {b.model} since "
        f"{b.submitted} — `kwiki ingest --batch` collects it"
    )


def _poll(advance: Progress | None) -> Callable[[Waiting], None] | None:
    if advance is None:
        return None

    def show(waiting: Waiting) -> None:
        status = waiting.status
        when = "done" if status.done else f"next check in {waiting.next_poll:.0f}s"
        advance("batch", f"{status.batch_id} ({when})", status.finished, max(status.total, 1))

    return show


def batch_json(summary: BatchSummary) -> dict[str, object]:
    return {
        "submitted": list(summary.submitted),
        "resumed": list(summary.resumed),
        "batched_requests": summary.batched,
        "direct_requests": summary.direct,
        "fallback_reasons": list(summary.failed),
    }


def print_batch_summary(summary: BatchSummary) -> None:
    out.print(
        f"batch: {len(summary.submitted)} submitted, {len(summary.resumed)} resumed; "
        f"{summary.batched} requests answered at the batch price, {summary.direct} sent directly"
    )
    for reason in summary.failed[:5]:
        err.print(f"batch request sent directly instead: {reason}")


def plan_price(report: IngestReport, model: str, pricing: Pricing) -> dict[str, object]:
    """For `--plan --batch`: the estimated price direct and in a batch, from the price table."""
    tokens = total_tokens(report.pending, report.page_plan, report.deleted)  # the same estimate --plan prints
    direct = estimated_cost(report.pending, report.page_plan, report.deleted, pricing)
    batched = estimated_cost(report.pending, report.page_plan, report.deleted, pricing, batch=True)
    if direct is None or batched is None:
        return {"model": model, "estimated_tokens": tokens, "known_price": False}
    return {
        "model": model,
        "estimated_tokens": tokens,
        "known_price": True,
        "direct_usd": round(direct, 4),
        "batch_usd": round(batched, 4),
    }


def print_plan_price(price: dict[str, object]) -> None:
    if not price["known_price"]:
        out.print(f"batch: no price known for model '{price['model']}'; ~{price['estimated_tokens']:,} tokens")
        return
    out.print(
        f"batch: ~${price['batch_usd']:.2f} for ~{price['estimated_tokens']:,} tokens "
        f"(direct ~${price['direct_usd']:.2f})"
    )
