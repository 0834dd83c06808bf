"""Command line: parse flags, build objects, call the core, render. The only layer that prints or exits."""

from kwiki.cli import doctor, ingest, init, lint, mcp, query, status, undo  # noqa: F401  (importing a command module registers its command)
from kwiki.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
