"""`kwiki status`: the settings in effect and where each came from, the API key, the server, counts."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated

import typer

from kwiki.cli.app import app
from kwiki.cli.batch import batch_line
from kwiki.cli.common import JsonOption, guarded, out, print_json, session
from kwiki.cli.text import plural

if TYPE_CHECKING:
    from kwiki.status import Setting, StatusReport


@app.command()
@guarded
def status(
    ctx: typer.Context,
    as_json: JsonOption = False,
    probe: Annotated[
        bool,
        typer.Option("--probe", help="Ask the openai endpoint one tiny question per json_mode (a few tokens each)."),
    ] = False,
) -> None:
    """Show the settings in effect and why.

    The project, provider, model (and where each came from), the API key, raw/ and wiki/ counts; with --probe,
    which json_mode the endpoint accepts (exit 1 when none does: a check for CI).
    """
    from kwiki.batch.store import in_flight_batches  # the core is loaded by the command that runs, not by every one
    from kwiki.status import status_report

    s = session(ctx, quiet=as_json)
    report = status_report(s.paths, s.config, s.env, probe_modes=probe)
    batches = in_flight_batches(s.paths)
    if as_json:
        print_json({**dataclasses.asdict(report), "batches_in_flight": batches})
    else:
        render(report)
        for b in batches:
            out.print(batch_line(b))
    if report.json_modes and not any(p.accepted for p in report.json_modes):
        raise typer.Exit(1)


def render(report: StatusReport) -> None:
    out.print(f"project   {report.root}")
    out.print(f"provider  {_setting(report.provider)}")
    out.print(f"model     {_setting(report.model)}")
    if report.base_url.value:
        out.print(f"base_url  {_setting(report.base_url)}")
    if report.endpoint is not None:
        state = "reachable" if report.endpoint.reachable else "NOT reachable"
        out.print(f"server    {state}: GET {report.endpoint.url} → {report.endpoint.detail}")
    out.print(f"api key   {_key_line(report)}")
    for probe in report.json_modes:
        verdict = "accepted" if probe.accepted else "NOT accepted"
        out.print(f"json_mode {probe.mode:<11} {verdict}: {probe.detail}")
    accepted = [probe.mode for probe in report.json_modes if probe.accepted]
    if report.json_modes:
        out.print(f'          → set json_mode = "{accepted[0]}"' if accepted else "          → no json_mode works")
    out.print(f"raw       {plural(report.counts.raw_files, 'file')}")
    out.print(f"wiki      {plural(report.counts.wiki_pages, 'page')}")
    src = report.sources
    todo = " — run `kwiki ingest`" if src.pending or src.failed or src.deleted else ""
    out.print(
        f"sources   {src.done} done, {len(src.pending)} pending, {len(src.failed)} failed, "
        f"{len(src.deleted)} deleted{todo}"
    )
    for path, error in src.failed:
        out.print(f"  failed  {path}: {error}")
    for path in src.deleted:
        out.print(f"  deleted {path}")


def _setting(setting: Setting) -> str:
    return f"{setting.value}  ({setting.origin})"


def _key_line(report: StatusReport) -> str:
    key = report.api_key
    if key.env is None:
        return f"not needed by provider {report.provider.value}"
    if key.present:
        return f"{key.env} is set"
    return f"{key.env} is NOT set" + ("" if key.required else " (not needed: base_url is a local server)")
