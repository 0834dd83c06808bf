"""The root `kwiki` command: global options shared by every subcommand, and --version."""

from __future__ import annotations

from typing import Annotated

import typer

from kwiki import __version__
from kwiki.cli.common import BaseUrlOption, GlobalOptions, ModelOption, ProjectOption, ProviderOption
from kwiki.cli.help import KwikiGroup, KwikiTyper

app = KwikiTyper(
    name="kwiki",
    cls=KwikiGroup,
    invoke_without_command=True,  # bare `kwiki` prints help and exits 0 (see root)
    rich_markup_mode=None,  # plain help: no <type> labels, no boxes, nothing rich takes for markup
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
    project: ProjectOption = None,
    provider: ProviderOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Compile a folder of raw sources into an Obsidian wiki that an LLM keeps up to date.

    Settings come from flags, then KWIKI_* variables, then kwiki.toml; `kwiki status` shows which won.
    The options below also work after the command (`kwiki lint --project DIR`).
    """
    ctx.obj = GlobalOptions(project=project, provider=provider, model=model, base_url=base_url)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()
