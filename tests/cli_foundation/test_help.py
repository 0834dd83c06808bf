"""Help that reads like git's or ruff's: names not types, consistent argument names, defaults, bare `kwiki`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kwiki.cli import app

from .conftest import run_kwiki

runner = CliRunner()
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _help(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], terminal_width=80)
    assert result.exit_code == 0
    return result.stdout


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_shows_no_python_types_and_no_markup_glitches(command: str, clean_env: None) -> None:
    text = _help(*filter(None, [command]))
    assert not re.search(r"<(bool|str|int|list|dir|path|int range)[^>]*>", text, re.IGNORECASE), text
    assert "{" not in text and "╭" not in text
    assert not re.search(r"\w \.(\s|$)", text)  # rich used to eat "[default: …]" and leave "calls ."
    assert max(len(line) for line in text.splitlines()) <= 80


def test_arguments_are_named_alike_in_usage_lines(clean_env: None) -> None:
    assert "Usage: kwiki query [OPTIONS] QUESTION..." in _help("query")
    assert "Usage: kwiki ingest [OPTIONS] [PATH]..." in _help("ingest")
    assert "Usage: kwiki init [OPTIONS] [FOLDER]" in _help("init")


def test_help_shows_defaults(clean_env: None) -> None:
    def flat(command: str) -> str:
        return " ".join(_help(command).split())

    assert "[default: 8; x>=1]" in flat("query")
    assert "[default: kwiki.toml, else 4]" in flat("ingest")
    assert "[default: min(50, pages)]" in flat("lint")
    assert "[default: $KWIKI_PROJECT" in flat("status")


def test_help_separates_global_options(clean_env: None) -> None:
    text = _help("lint")
    assert text.index("--strict") < text.index("Global options") < text.index("--project DIR")


def test_bare_kwiki_prints_help_and_exits_zero(clean_env: None) -> None:
    result = runner.invoke(app, [])
    assert result.exit_code == 0
    assert "Usage: kwiki [OPTIONS] COMMAND [ARGS]..." in result.stdout and "ingest" in result.stdout


def test_bare_kwiki_as_a_process_exits_zero(tmp_path: Path) -> None:
    done = run_kwiki([], tmp_path)
    assert done.returncode == 0 and "Commands:" in done.stdout


def test_commands_are_listed_alphabetically(clean_env: None) -> None:
    text = _help()
    listed = [line.split()[0] for line in text.split("Commands:\n")[1].splitlines() if line.startswith("  ")]
    assert listed == sorted(listed) and "ingest" in listed
