"""Help the way git, ruff and uv print it: plain text, `QUESTION...` and `[PATH]...`, no `<type>` labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup
from typer.models import CommandFunctionType

from kwiki.cli.common import GLOBAL_OPTIONS


def _plain_coercion(params: list[Any]) -> None:
    try:
        from kwiki.cli.typer_fast import plain_coercion
    except ImportError:  # another typer than the one typer_fast was written for: typer's own coercion, unchanged
        return
    plain_coercion(params)


class _PlainParams:
    """A command whose parameters (its --help included) are coerced by `_PlainText`."""

    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_coercion(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        _plain_coercion([option])
        return option


class KwikiCommand(_PlainParams, TyperCommand):
    """A typer command whose usage line and argument list name arguments, not their Python types."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        return pieces + [_usage(param) for param in self.get_params(ctx) if isinstance(param, TyperArgument)]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        params = self.get_params(ctx)
        arguments: list[tuple[str, str] | None] = [
            (_name(p), p.help or "") for p in params if isinstance(p, TyperArgument)
        ]
        options = [p for p in params if not isinstance(p, TyperArgument)]
        sections: dict[str, list[tuple[str, str] | None]] = {
            "Arguments": arguments,
            "Options": [p.get_help_record(ctx) for p in options if p.name not in GLOBAL_OPTIONS],
            "Global options (also before the command)": [
                p.get_help_record(ctx) for p in options if p.name in GLOBAL_OPTIONS
            ],
        }
        for title, found in sections.items():
            rows = [row for row in found if row]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class KwikiGroup(_PlainParams, TyperGroup):
    """The root command: lists its commands alphabetically, whatever order their modules were imported in."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(super().list_commands(ctx))


class KwikiTyper(typer.Typer):
    """typer.Typer whose commands are KwikiCommands, so that every command's help looks the same."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[CommandFunctionType], CommandFunctionType]:
        kwargs.setdefault("cls", KwikiCommand)
        return super().command(*args, **kwargs)


def _name(param: TyperArgument) -> str:
    name = param.metavar or (param.name or "").upper()
    return f"{name}..." if param.nargs != 1 else name


def _usage(param: TyperArgument) -> str:
    name = param.metavar or (param.name or "").upper()
    shown = name if param.required else f"[{name}]"
    return f"{shown}..." if param.nargs != 1 else shown
