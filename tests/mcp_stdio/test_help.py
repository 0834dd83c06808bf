"""`kwiki --help` lists the new commands, and loads neither the mcp SDK nor pypdf (they load on first use)."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from kwiki.cli import app


def test_help_lists_mcp_and_undo() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "mcp " in result.output and "undo " in result.output


def test_help_imports_neither_the_mcp_sdk_nor_pypdf() -> None:
    code = "import sys, kwiki.cli; print(sorted(m for m in ('mcp', 'pypdf') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_mcp_outside_a_project_fails_before_speaking_protocol(tmp_path: object) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kwiki", "--project", str(tmp_path), "mcp"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "error: no kwiki project here" in done.stderr
