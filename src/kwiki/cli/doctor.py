"""`kwiki doctor`: check .kwiki/ and, with --fix, repair what is safe; exit 0 when healthy, 1 when not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kwiki.cli.app import app
from kwiki.cli.common import guarded, out, print_json, session

if TYPE_CHECKING:
    from kwiki.doctor import DoctorReport


@app.command(name="doctor")
@guarded
def doctor_command(
    ctx: typer.Context,
    fix: Annotated[
        bool, typer.Option("--fix", help="Repair what is safe to repair (moves damaged files aside).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check .kwiki/ (lock, interrupted run, state, temp files, bases) and the vault's odd pages; --fix repairs.

    Exit 1 while problems remain.
    """
    from kwiki.doctor import doctor  # the core is loaded by the command that runs, not by every one

    s = session(ctx)
    report = doctor(s.paths, fix=fix)
    if as_json:
        print_json({"healthy": report.healthy, "state_dir": report.state_dir, "findings": report.findings})
    else:
        render(report, fix)
    if not report.healthy:
        raise typer.Exit(1)


def render(report: DoctorReport, fix: bool) -> None:
    for f in report.findings:
        mark = "ok" if f.ok else ("fixed" if f.fixed else "PROBLEM")
        action = f" — {'did' if f.fixed else 'fix'}: {f.fix}" if not f.ok else ""
        out.print(f"{mark:8}{f.check:11}{f.message}{action}")
    if report.healthy:
        out.print("healthy" if not any(f.fixed for f in report.findings) else "repaired; run `kwiki ingest` next")
    elif not fix:
        out.print("problems found: run `kwiki doctor --fix`")
