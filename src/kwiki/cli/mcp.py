"""`kwiki mcp`: serve the wiki to coding agents over the Model Context Protocol (stdio)."""

from __future__ import annotations

from typing import Annotated

import typer

from kwiki.cli.app import app
from kwiki.cli.common import guarded, session


@app.command("mcp")
@guarded
def mcp_command(
    ctx: typer.Context,
    allow_ingest: Annotated[
        bool, typer.Option("--allow-ingest", help="Also offer an ingest tool, so agents can update the wiki.")
    ] = False,
) -> None:
    """Serve the wiki over MCP on stdin/stdout: search, read, ask, lint, status; read-only unless --allow-ingest."""
    s = session(ctx)
    from kwiki.mcp_server import Wiki, serve  # the SDK loads only here: `kwiki --help` stays fast

    serve(Wiki(s.paths, s.config, s.env), allow_ingest)
