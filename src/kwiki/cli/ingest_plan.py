"""`kwiki ingest --plan`: the sources to extract and the pages to write, with reasons, wrapped to the terminal."""

from __future__ import annotations

from kwiki.cli.text import echo, plural
from kwiki.discover import shown_name
from kwiki.ingest import IngestReport
from kwiki.llm.prices import OFFLINE as NO_COST
from kwiki.llm.prices import Pricing
from kwiki.plan import estimated_cost, total_tokens

OFFLINE = "offline: no model calls, no tokens"
ADD_SOURCES = "copy .md, .txt or .html files into raw/ (any subfolder, e.g. raw/2026/), then run `kwiki ingest`"


def estimated_tokens(report: IngestReport) -> int:
    return total_tokens(report.pending, report.page_plan, report.deleted)


def plan_json(report: IngestReport, offline: bool, pricing: Pricing) -> dict[str, object]:
    cost = None if offline else estimated_cost(report.pending, report.page_plan, report.deleted, pricing)
    return {
        "sources": [
            {"path": p.path, "reason": p.reason, "chunks": p.chunks}
            | ({} if offline else {"estimated_tokens": p.estimated_tokens})
            for p in report.pending
        ],
        "deleted": report.deleted,
        "unchanged": report.unchanged,
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "pages": [{"path": w.path, "action": w.action, "reason": w.reason} for w in report.writes],
        "estimated_tokens": None if offline else estimated_tokens(report),
        "estimated_cost_usd": None if cost is None else round(cost, 4),
        "cost_note": pricing.unpriced,
        "offline": offline,
    }


def print_plan(report: IngestReport, offline: bool, pricing: Pricing) -> None:
    if report.pending:
        echo(f"Sources to extract ({len(report.pending)}):")
    for p in report.pending:
        cost = "" if offline else f", ~{plural(p.estimated_tokens, 'token')}"
        echo(f"raw/{shown_name(p.path)}  {p.reason}, {plural(p.chunks, 'chunk')}{cost}", "  ", "      ")
    if report.writes:
        echo(f"Pages to write ({len(report.writes)}):")
    for w in report.writes:
        where = "wiki/sources/<title>.md" if w.path == "sources/" else f"wiki/{shown_name(w.path)}"
        echo(f"{w.action} {where}  ({shown_name(w.reason)})", "  ", "      ")
    if any(p.reason == "new" for p in report.pending):
        echo("Knowledge pages for what new sources discuss are decided once they are extracted.")
    for path in report.deleted:
        echo(f"deleted from raw/: {shown_name(path)} (its source page will be removed)")
    for s in report.skipped:
        echo(f"skip {s.shown}: {s.reason}")
    echo(_totals(report, offline, pricing))


def _totals(report: IngestReport, offline: bool, pricing: Pricing) -> str:
    cost = OFFLINE if offline else f"~{plural(estimated_tokens(report), 'token')}"
    if not offline:
        price = estimated_cost(report.pending, report.page_plan, report.deleted, pricing)
        cost += dollars(price, pricing.unpriced)
    counts = f"{len(report.pending)} to extract, {report.unchanged} unchanged, {len(report.skipped)} skipped"
    if not (report.pending or report.unchanged or report.skipped or report.deleted):
        return f"raw/ holds no sources yet: {ADD_SOURCES}. Nothing was written."
    return f"{counts}; {cost}. Nothing was written."


def dollars(cost: object, unpriced: str) -> str:
    """`, ~$0.42` — or, for a model without a price, say so (an offline provider costs nothing: say nothing)."""
    if isinstance(cost, float):
        return f", ~${cost:,.2f}" if cost >= 1 else f", ~${cost:.4f}"
    return "" if unpriced == NO_COST.unpriced else f" ({unpriced})"
