"""`kwiki init [DIR]`: make a folder a kwiki project (raw/, wiki/, CLAUDE.md, kwiki.toml), keeping files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from kwiki.cli.app import app
from kwiki.cli.common import GlobalOptions, JsonOption, guarded, out, print_json
from kwiki.cli.text import echo
from kwiki.scaffold import init_project


@app.command()
@guarded
def init(
    ctx: typer.Context,
    folder: Annotated[
        Path | None, typer.Argument(help="Folder to set up [default: --project, else the current folder].")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a kwiki project.

    raw/ for sources, wiki/ for the Obsidian vault, CLAUDE.md (the wiki's schema) and kwiki.toml.

    Existing files are never overwritten, so running it again is safe.
    """
    options = ctx.find_object(GlobalOptions) or GlobalOptions()
    result = init_project(folder or options.project_folder(os.environ) or Path.cwd())
    if as_json:
        print_json({"root": result.root, "created": result.created, "kept": result.kept})
        return
    for rel in result.created:
        out.print(f"created  {rel}")
    for rel in result.kept:
        out.print(f"kept     {rel}")
    out.print()
    out.print(f"kwiki project ready in {result.root}")
    echo(
        "next: copy sources into raw/ (any subfolder; .md .txt .html), see what would happen with "
        "`kwiki ingest --plan`, run `kwiki ingest`, and open wiki/ in Obsidian as a vault"
    )
