"""Options where people type them: the global options after the subcommand too, listed in its help; --json."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.scaffold import init_project

runner = CliRunner()
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
PRINTS_NO_JSON = {"mcp"}  # speaks the MCP protocol on stdout
GLOBAL = ["--project", "--provider", "--model", "--base-url"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_lists_the_global_options_and_json_in_its_help(command: str, clean_env: None) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    for option in [*GLOBAL, *(["--json"] if command not in PRINTS_NO_JSON else [])]:
        assert option in result.stdout, option


def test_project_after_the_subcommand_selects_the_project(in_tmp: Path) -> None:
    init_project(in_tmp / "kb")
    result = runner.invoke(app, ["status", "--project", str(in_tmp / "kb"), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["root"] == str(in_tmp / "kb")


def test_provider_and_model_after_the_subcommand_are_flags(in_tmp: Path) -> None:
    init_project(in_tmp)
    result = runner.invoke(
        app, ["status", "--provider", "openai", "--model", "m1", "--base-url", "http://x/v1", "--json"]
    )
    report = json.loads(result.stdout)
    assert report["provider"] == {"value": "openai", "origin": "flag"}
    assert report["model"] == {"value": "m1", "origin": "flag"}
    assert report["base_url"]["value"] == "http://x/v1"


def test_the_option_after_the_subcommand_wins_over_the_one_before(in_tmp: Path) -> None:
    init_project(in_tmp)
    result = runner.invoke(app, ["--provider", "openai", "--model", "before", "status", "--model", "after", "--json"])
    assert json.loads(result.stdout)["model"]["value"] == "after"


def test_a_flag_before_the_subcommand_wins_over_kwiki_project(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init_project(in_tmp / "a")
    init_project(in_tmp / "b")
    monkeypatch.setenv("KWIKI_PROJECT", str(in_tmp / "b"))
    result = runner.invoke(app, ["--project", str(in_tmp / "a"), "status", "--json"])
    assert json.loads(result.stdout)["root"] == str(in_tmp / "a")


def test_ingest_lint_and_query_take_the_project_after_the_subcommand(in_tmp: Path) -> None:
    init_project(in_tmp / "kb")
    kb = str(in_tmp / "kb")
    (in_tmp / "kb" / "raw" / "note.md").write_text("# Note\n\nZettelkasten notes link ideas.\n", encoding="utf-8")
    ingest = runner.invoke(app, ["ingest", "--project", kb, "--provider", "extractive", "--json"])
    assert ingest.exit_code == 0, ingest.stderr
    lint = runner.invoke(app, ["lint", "--project", kb, "--json"])
    assert lint.exit_code in (0, 1) and "findings" in json.loads(lint.stdout)
    query = runner.invoke(app, ["query", "zettelkasten", "--project", kb, "--provider", "extractive", "--json"])
    assert query.exit_code == 0, query.stderr
    assert json.loads(query.stdout)["mode"] == "search"


def test_option_values_are_still_checked_by_typer(in_tmp: Path, clean_env: None) -> None:
    init_project(in_tmp / "kb")
    for bad in (["--concurrency", "many"], ["--concurrency", "0"]):
        result = runner.invoke(app, ["--project", str(in_tmp / "kb"), "ingest", "--plan", *bad])
        assert result.exit_code == 2 and "--concurrency" in result.output, result.output
    result = runner.invoke(
        app, ["--project", str(in_tmp / "kb"), "ingest", "--plan", "-c", "2", str(in_tmp / "kb" / "raw")]
    )
    assert result.exit_code == 0, result.output


def test_on_another_typer_the_cli_falls_back_to_typers_own_coercion(tmp_path: Path) -> None:
    """typer_fast uses typer 0.29's private API; on any other typer the same commands must give the same results."""
    project = tmp_path / "kb"
    runs = []
    for version in ("", "0.30.0"):
        pretend = f"typer.__version__ = {version!r}; " if version else ""
        code = f"import typer; {pretend}from kwiki.cli import main; main()"
        for args in (["init", str(project)], ["status", "--json", "--project", str(project)], ["status", "-c", "x"]):
            done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tmp_path)
            runs.append((version, args[0], done.returncode, done.stdout.replace(str(tmp_path), "")))
        shutil.rmtree(project)
    native, fallback = runs[:3], runs[3:]
    assert [r[1:] for r in native] == [r[1:] for r in fallback]
    assert [r[2] for r in native] == [0, 0, 2]
