"""The root `kwiki` command: global options shared by every subcommand, and --version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kwiki import __version__
from kwiki.cli.common import GlobalOptions
from kwiki.llm.provider import PROVIDERS

app = typer.Typer(
    name="kwiki",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold API keys
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kwiki {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            envvar="KWIKI_PROJECT",
            help="Project folder (default: the nearest folder at or above the current one with kwiki.toml).",
            file_okay=False,
        ),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(help=f"LLM provider: {', '.join(PROVIDERS)} (env KWIKI_PROVIDER)."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name (env KWIKI_MODEL).")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible server or proxy URL (env KWIKI_BASE_URL).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Compile a folder of raw sources into an Obsidian wiki that an LLM keeps up to date.

    Settings come from flags, then KWIKI_* variables, then kwiki.toml; `kwiki status` shows which won.
    """
    ctx.obj = GlobalOptions(project=project, provider=provider, model=model, base_url=base_url)
