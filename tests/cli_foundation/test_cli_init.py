"""`kwiki init`: output in text and JSON, the folder argument, --project, idempotence through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.scaffold import FILES

runner = CliRunner()


def test_init_in_the_current_folder_lists_what_it_created(in_tmp: Path) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0
    assert "created  raw/\n" in result.stdout and "created  CLAUDE.md\n" in result.stdout
    assert f"kwiki project ready in {in_tmp}" in result.stdout
    assert (in_tmp / "kwiki.toml").is_file()


def test_init_twice_reports_everything_kept(in_tmp: Path) -> None:
    runner.invoke(app, ["init"])
    result = runner.invoke(app, ["init", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"root": str(in_tmp), "created": [], "kept": ["raw/", "wiki/", *FILES]}


def test_init_takes_a_folder_argument_or_the_project_option(in_tmp: Path) -> None:
    assert runner.invoke(app, ["init", "one"]).exit_code == 0
    assert runner.invoke(app, ["--project", "two", "init"]).exit_code == 0
    assert (in_tmp / "one" / "kwiki.toml").is_file() and (in_tmp / "two" / "kwiki.toml").is_file()


def test_init_over_a_file_is_a_usage_error(in_tmp: Path) -> None:
    (in_tmp / "wiki").write_text("oops", encoding="utf-8")
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: wiki/ exists but is not a folder\n  fix: ")
